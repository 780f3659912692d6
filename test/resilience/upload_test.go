package resilience

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// peakRSS returns the server's peak resident set size (VmHWM) in bytes.
func (s *samo) peakRSS() int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n << 10
		}
	}
	return 0
}

// maxUploadRSS is issue 15's bound on the server's peak RSS while it reads
// ten concurrent maximum-size uploads of tiny lines.
const maxUploadRSS = 150 << 20

// TestUploadPeakRSS sends, in rounds of ten concurrent requests, the
// uploads that used to amplify memory (issue 15: 631 MB for one 10 MB CSV
// of "a\n" lines): 10 MiB txt and csv files of tiny lines, a 10 MiB JSON
// file of empty strings, and a JSON body of 1.9 M empty strings. Each is
// refused at the first item past the cap, and the server's peak RSS
// (VmHWM, from /proc) stays under 150 MB. The figure is logged; it is
// recorded in BENCHMARKS.md.
func TestUploadPeakRSS(t *testing.T) {
	s, key := newSamo(t, "", "MAX_CONCURRENT_UPLOADS=10", "IDS_BLOCK_THRESHOLD=60000")
	s.start()
	defer s.stop()
	const size = 10 << 20 // MAX_FILE_SIZE default, 10 MiB
	lines := bytes.Repeat([]byte("a\n"), size/2)
	jsonFile := append(append([]byte("["), bytes.Repeat([]byte(`"",`), size/3-1)...), []byte(`""]`)...)
	jsonBody := append(append([]byte(`{"texts":[`), bytes.Repeat([]byte(`"",`), 1_900_000)...), []byte(`""]}`)...)
	type upload struct {
		name, ctype string
		body        []byte
	}
	multipartOf := func(file string, content []byte) upload {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		p, _ := w.CreateFormFile("file", file)
		_, _ = p.Write(content)
		_ = w.Close()
		return upload{file, w.FormDataContentType(), b.Bytes()}
	}
	uploads := []upload{
		multipartOf("tiny.txt", lines), multipartOf("tiny.csv", lines), multipartOf("empty.json", jsonFile),
		{"json body", "application/json", jsonBody},
	}
	base := s.peakRSS()
	for _, u := range uploads {
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[int]int{}
		for range 10 {
			wg.Go(func() {
				req, _ := http.NewRequest(http.MethodPost, "http://"+s.addr+"/v1/predict/batch", bytes.NewReader(u.body))
				req.Header.Set("Content-Type", u.ctype)
				req.Header.Set("X-API-Key", key)
				resp, err := http.DefaultClient.Do(req)
				mu.Lock()
				defer mu.Unlock()
				if err != nil { // the server may close while the client still writes the rest
					codes[-1]++
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				codes[resp.StatusCode]++
			})
		}
		wg.Wait()
		if codes[http.StatusBadRequest] == 0 || codes[http.StatusOK] > 0 || codes[http.StatusServiceUnavailable] > 0 {
			t.Errorf("%s: statuses %v, want 400 too_many (-1 = connection closed early)", u.name, codes)
		}
		t.Logf("%s ×10 (%d bytes each): statuses %v, server peak RSS so far %.1f MiB", u.name, len(u.body), codes, mib(s.peakRSS()))
	}
	peak := s.peakRSS()
	t.Logf("server peak RSS: %.1f MiB after start, %.1f MiB after 4 rounds of 10 concurrent maximum-size uploads (bound %d MiB)",
		mib(base), mib(peak), maxUploadRSS>>20)
	if peak == 0 {
		t.Fatal("could not read the server's VmHWM")
	}
	if peak >= maxUploadRSS {
		t.Errorf("peak RSS %.1f MiB, want < %d MiB", mib(peak), maxUploadRSS>>20)
	}
}
