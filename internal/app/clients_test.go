package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestMillionClientAddresses sends one request from each of a million
// distinct client addresses, named in X-Forwarded-For by a trusted proxy,
// through the global chain (client address, block check, IDS scoring, the
// per-IP rate limit) and checks that memory stays bounded: the IDS tracks
// at most its MaxTracked clients, and the heap after the run stays under a
// cap. Under -race (make test) it sends 250,000, still past both bounds
// (IDS MaxTracked 100,000, rate-limit keys 200,000); SAMO_CLIENTS
// overrides, and scripts/soak.sh runs the full million. go test -short
// skips it (make test does not pass -short).
func TestMillionClientAddresses(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a million client addresses take tens of seconds")
	}
	n := 1_000_000
	if raceBuild {
		n = 250_000
	}
	if v := os.Getenv("SAMO_CLIENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			t.Fatalf("SAMO_CLIENTS=%q: want a positive integer", v)
		}
	}
	ta := newTestApp(t, map[string]string{"TRUSTED_PROXIES": "192.0.2.1/32", "IP_RATE_LIMIT_REQUESTS": "100"})
	// Intrusion detection answers 503 until its first block-list refresh
	// (triggered by a request); wait for it, as a load balancer polling
	// /ready would.
	for i := 0; ; i++ {
		rec := httptest.NewRecorder()
		ta.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ready", nil))
		if rec.Code == http.StatusOK {
			break
		}
		if i == 100 {
			t.Fatalf("/ready: %d %s", rec.Code, rec.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	var next atomic.Int64
	var bad atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				req := httptest.NewRequest(http.MethodGet, "/v1/no-such-route", nil)
				req.RemoteAddr = "192.0.2.1:40000"
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", i>>16&0xff, i>>8&0xff, i&0xff))
				if i >= 1<<24 {
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("2001:db8:%x::1", i))
				}
				rec := httptest.NewRecorder()
				ta.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusNotFound {
					if bad.Add(1) <= 3 {
						t.Errorf("client %d: status %d, want 404: %s", i, rec.Code, rec.Body)
					}
				}
			}
		})
	}
	wg.Wait()
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	growth := int64(after.HeapInuse) - int64(before.HeapInuse)
	tracked := ta.IDS.Tracked()
	t.Logf("%d client addresses: IDS tracks %d, heap in use %.1f → %.1f MiB (%+.1f MiB), %d unexpected statuses",
		n, tracked, float64(before.HeapInuse)/(1<<20), float64(after.HeapInuse)/(1<<20), float64(growth)/(1<<20), bad.Load())
	if bad.Load() != 0 {
		t.Errorf("%d requests were not answered 404", bad.Load())
	}
	if max := 100_000; tracked > max {
		t.Errorf("IDS tracks %d clients, want ≤ MaxTracked %d", tracked, max)
	}
	if tracked == 0 {
		t.Errorf("IDS tracks no client: the requests did not reach it")
	}
	const heapCap = 128 << 20
	if growth > heapCap {
		t.Errorf("heap grew by %.1f MiB for %d clients, want ≤ %d MiB (tracking state must be bounded)", float64(growth)/(1<<20), n, heapCap>>20)
	}
}
