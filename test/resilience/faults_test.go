package resilience

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/httpload"
	"github.com/samo-brain/samo/internal/testdep"
)

// TestKill9DuringWrites kills the server with SIGKILL while 8 clients are
// writing predictions, restarts it, and checks that every prediction that
// was acknowledged with a 200 is stored, and the database is intact.
func TestKill9DuringWrites(t *testing.T) {
	s, key := newSamo(t, "")
	s.start()
	var mu sync.Mutex
	acked := map[string]bool{}
	reqs := make([]httpload.Request, 16)
	for i := range reqs {
		reqs[i] = httpload.Request{Method: http.MethodPost, Path: "/v1/predict", Body: predictBody(i),
			Header: map[string]string{"Content-Type": "application/json", "X-API-Key": key}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan *httpload.Result, 1)
	go func() {
		res, _ := httpload.Run(ctx, httpload.Config{Addr: s.addr, Requests: reqs, Conns: 8, Duration: time.Minute,
			OnResponse: func(status int, body []byte) {
				if status == 200 {
					mu.Lock()
					acked[predictionID(body)] = true
					mu.Unlock()
				}
			}})
		done <- res
	}()
	// Kill once a good number of writes were acknowledged, mid-stream.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 300 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d predictions acknowledged after 30s", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.kill()
	cancel()
	res := <-done
	mu.Lock()
	ackedAtKill := len(acked)
	mu.Unlock()
	t.Logf("killed with SIGKILL after %d acknowledged predictions (%d responses, %d connection errors)", ackedAtKill, res.Requests, res.Errors)

	// Restart on the same data: recovery, then a write and a read still work.
	s.start()
	if code, _, body := s.post("/v1/predict", key, predictBody(999)); code != 200 {
		t.Fatalf("predict after restart: %d %s", code, body)
	} else {
		acked[predictionID(body)] = true
	}
	s.stop()
	stored := storedIDs(t, s.dataDir)
	var lost []string
	for id := range acked {
		if !stored[id] {
			lost = append(lost, id)
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d acknowledged predictions lost after kill -9: %v", len(lost), len(acked), lost[:min(5, len(lost))])
	}
	// Writes in flight at the kill may or may not have committed; those that
	// did were never acknowledged. Only the acknowledged ones are promised.
	t.Logf("after restart: %d acknowledged, %d stored, %d lost", len(acked), len(stored), len(lost))
}

// mountTmpfs mounts a tmpfs of size bytes at dir, or skips the test.
func mountTmpfs(t *testing.T, dir string, size int) {
	t.Helper()
	if os.Geteuid() != 0 {
		testdep.Missing(t, "needs root to mount a size-limited tmpfs (as non-root, chmod would simulate read-only, not disk full)")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0700", size), "tmpfs", dir).CombinedOutput(); err != nil {
		testdep.Missing(t, "cannot mount tmpfs here: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
}

// problemJSON checks a 503 problem+json that says what is unavailable and
// leaks no internals.
func problemJSON(t *testing.T, code int, ctype string, body []byte) {
	t.Helper()
	if code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503: %s", code, body)
	}
	if ctype != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ctype)
	}
	var p struct {
		Status    int    `json:"status"`
		Detail    string `json:"detail"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Status != 503 || p.Detail == "" || p.RequestID == "" {
		t.Errorf("problem body %s: want status 503, a detail and a request id", body)
	}
	for _, leak := range []string{"sqlite", "SQLITE", "disk I/O", "readonly", "samo.db", "/tmp", "full"} {
		if bytes.Contains(body, []byte(leak)) {
			t.Errorf("problem body leaks %q: %s", leak, body)
		}
	}
}

// writeUntilFailure sends predictions until one is refused; it returns the
// acknowledged ids and the refusal.
func writeUntilFailure(t *testing.T, s *samo, key string, max int) (map[string]bool, int, string, []byte) {
	t.Helper()
	acked := map[string]bool{}
	for i := 0; i < max; i++ {
		code, ctype, body := s.post("/v1/predict", key, predictBody(i))
		if code != 200 {
			return acked, code, ctype, body
		}
		acked[predictionID(body)] = true
	}
	t.Fatalf("no write refused after %d predictions", max)
	return nil, 0, "", nil
}

// TestDiskFull fills the data directory's file system under the running
// server: predictions get a clear 503, health stays up, reads work, and
// once space is freed writes resume; nothing acknowledged is lost and the
// database is intact.
func TestDiskFull(t *testing.T) {
	mnt := filepath.Join(t.TempDir(), "mnt")
	mountTmpfs(t, mnt, 24<<20)
	data := filepath.Join(mnt, "data")
	s, key := newSamo(t, data, "SECURITY_LOGGING_ENABLED=false")
	s.start()
	if code, _, body := s.post("/v1/predict", key, predictBody(0)); code != 200 {
		t.Fatalf("predict before the fault: %d %s", code, body)
	}
	// Fill what is left, then keep writing until SQLite runs out of room.
	filler := filepath.Join(mnt, "filler")
	fillDisk(t, filler)
	acked, code, ctype, body := writeUntilFailure(t, s, key, 20000)
	t.Logf("disk full: %d more predictions fit, then %d %s", len(acked), code, body)
	problemJSON(t, code, ctype, body)
	if resp, err := http.Get("http://" + s.addr + "/health"); err != nil || resp.StatusCode != 200 {
		t.Errorf("/health during the fault: %v %v, want 200", resp, err)
	} else {
		resp.Body.Close()
	}
	// Free the space: the next writes succeed without a restart.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	var after string
	if !eventually(10*time.Second, func() bool {
		code, _, body := s.post("/v1/predict", key, predictBody(1))
		if code == 200 {
			after = predictionID(body)
		}
		return code == 200
	}) {
		t.Fatalf("writes did not resume within 10s of freeing space:\n%s", s.logTail())
	}
	acked[after] = true
	s.stop()
	stored := storedIDs(t, data)
	for id := range acked {
		if !stored[id] {
			t.Errorf("acknowledged prediction %s lost", id)
		}
	}
}

// TestReadOnlyDataDir starts the server on data whose file system is
// read-only. Linux refuses to remount a file system read-only while the
// server holds files open for writing ("mount point is busy"), and root
// ignores chmod, so the fault is set up between two runs: write some
// predictions, stop, remount read-only, start again. The server must
// either refuse to start with a clear message or start and answer writes
// with a 503 problem+json while reads work; after remounting read-write,
// everything written before is there.
func TestReadOnlyDataDir(t *testing.T) {
	mnt := filepath.Join(t.TempDir(), "mnt")
	mountTmpfs(t, mnt, 64<<20)
	data := filepath.Join(mnt, "data")
	s, key := newSamo(t, data, "SECURITY_LOGGING_ENABLED=false")
	s.start()
	acked := map[string]bool{}
	for i := range 20 {
		code, _, body := s.post("/v1/predict", key, predictBody(i))
		if code != 200 {
			t.Fatalf("predict before the fault: %d %s", code, body)
		}
		acked[predictionID(body)] = true
	}
	s.stop()
	remount(t, mnt, "ro")
	if started := s.tryStart(15 * time.Second); started {
		code, ctype, body := s.post("/v1/predict", key, predictBody(100))
		t.Logf("read-only: started; predict answered %d %s", code, body)
		problemJSON(t, code, ctype, body)
		req, _ := http.NewRequest(http.MethodGet, "http://"+s.addr+"/v1/predictions?limit=5", nil)
		req.Header.Set("X-API-Key", key)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
			t.Errorf("GET /v1/predictions on a read-only disk: %v %v, want 200", resp, err)
		} else {
			resp.Body.Close()
		}
		s.stop()
	} else {
		log := s.logTail()
		t.Logf("read-only: refused to start: %s", strings.TrimSpace(log))
		if !strings.Contains(strings.ToLower(log), "read-only") && !strings.Contains(strings.ToLower(log), "readonly") &&
			!strings.Contains(strings.ToLower(log), "unable to open") {
			t.Errorf("start-up on a read-only data dir failed without saying why:\n%s", log)
		}
	}
	remount(t, mnt, "rw")
	s.start()
	if code, _, body := s.post("/v1/predict", key, predictBody(101)); code != 200 {
		t.Fatalf("predict after remounting read-write: %d %s", code, body)
	} else {
		acked[predictionID(body)] = true
	}
	s.stop()
	stored := storedIDs(t, data)
	for id := range acked {
		if !stored[id] {
			t.Errorf("acknowledged prediction %s lost", id)
		}
	}
}

func remount(t *testing.T, dir, mode string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,"+mode, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s %s: %v: %s", dir, mode, err, out)
	}
}

// fillDisk writes path until the file system is full.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			return
		}
	}
}

func eventually(d time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if ok() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestSlowloris opens connections that send a header byte at a time and
// never finish: ReadHeaderTimeout (5 s) must close each of them, while a
// normal client keeps getting answers throughout.
func TestSlowloris(t *testing.T) {
	s, _ := newSamo(t, "")
	s.start()
	const slow = 64
	type closed struct {
		after time.Duration
		err   error
	}
	results := make(chan closed, slow)
	start := time.Now()
	for i := range slow {
		go func() {
			c, err := net.Dial("tcp", s.addr)
			if err != nil {
				results <- closed{err: err}
				return
			}
			defer c.Close()
			partial := fmt.Sprintf("GET /v1/predictions HTTP/1.1\r\nHost: x\r\nX-Slow-%d: ", i)
			if _, err := io.WriteString(c, partial); err != nil {
				results <- closed{err: err}
				return
			}
			// One more byte a second, never the end of the headers; the
			// server's close shows up as a read returning.
			go func() {
				for range 40 {
					time.Sleep(time.Second)
					if _, err := c.Write([]byte("a")); err != nil {
						return
					}
				}
			}()
			_ = c.SetReadDeadline(time.Now().Add(40 * time.Second))
			_, err = io.ReadAll(c)
			if errors.Is(err, syscall.ECONNRESET) {
				err = nil // closed with bytes unread: the kernel sends a reset
			}
			results <- closed{after: time.Since(start), err: err}
		}()
	}
	// Meanwhile, a normal client is served promptly.
	var served, failed int
	var worst time.Duration
	for time.Since(start) < 7*time.Second {
		t0 := time.Now()
		resp, err := http.Get("http://" + s.addr + "/health")
		if err != nil || resp.StatusCode != 200 {
			failed++
		} else {
			served++
			resp.Body.Close()
		}
		worst = max(worst, time.Since(t0))
		time.Sleep(50 * time.Millisecond)
	}
	// Correctness in make test: every normal request is answered. Speed
	// targets (at least 50 served in 7 s, none slower than 2 s) are checked
	// by make soak (SAMO_TIMING_TARGETS=1); make test allows 10 s, 5x.
	if failed > 0 || served == 0 || (testdep.Timing() && served < 50) {
		t.Errorf("normal client during the attack: %d served, %d failed; want all served", served, failed)
	}
	if limit := testdep.Bound(2*time.Second, 0); worst > limit {
		t.Errorf("slowest normal request took %v during the attack, want < %v", worst, limit)
	}
	for range slow {
		r := <-results
		if r.err != nil {
			t.Errorf("slow connection: %v (want the server to close it, not a timeout on our side)", r.err)
			continue
		}
		// Never before ReadHeaderTimeout (5 s) minus slack; the upper bound
		// is 10 s under make soak and 25 s (5x the timeout) in make test.
		if r.after < 4*time.Second || r.after > testdep.Bound(10*time.Second, 25*time.Second) {
			t.Errorf("slow connection closed after %v, want about ReadHeaderTimeout (5s)", r.after.Round(time.Millisecond))
		}
	}
	t.Logf("slowloris: %d trickling connections closed by the server, normal client %d/%d served, slowest %v", slow, served, served+failed, worst)
}

// TestOversizedRequests checks the limits on header and body sizes.
func TestOversizedRequests(t *testing.T) {
	s, key := newSamo(t, "")
	s.start()
	tests := []struct {
		name       string
		header     int // bytes of one extra header value
		body       int // bytes of text in a predict body
		wantStatus int
		wantProb   bool
	}{
		{"headers within 32 KiB", 16 << 10, 10, 200, false},
		{"headers over 32 KiB", 64 << 10, 10, http.StatusRequestHeaderFieldsTooLarge, false},
		{"body of 1 MiB", 0, 1 << 20, http.StatusRequestEntityTooLarge, true},
		{"body of 16 MiB", 0, 16 << 20, http.StatusRequestEntityTooLarge, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := []byte(`{"text":"` + strings.Repeat("a", tc.body) + `"}`)
			req, _ := http.NewRequest(http.MethodPost, "http://"+s.addr+"/v1/predict", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-API-Key", key)
			if tc.header > 0 {
				req.Header.Set("X-Padding", strings.Repeat("p", tc.header))
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				// The server may close after answering before the whole body
				// was sent; the answer must still have arrived.
				t.Fatalf("request: %v", err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d: %.200s", resp.StatusCode, tc.wantStatus, b)
			}
			if tc.wantProb && resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", resp.Header.Get("Content-Type"))
			}
		})
	}
	// The server is still fine afterwards.
	if code, _, body := s.post("/v1/predict", key, predictBody(1)); code != 200 {
		t.Errorf("predict after the oversized requests: %d %s", code, body)
	}
}
