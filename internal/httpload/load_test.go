package httpload

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunModes(t *testing.T) {
	var served atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("GET /chunked", func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		_, _ = io.WriteString(w, "part one,")
		w.(http.Flusher).Flush()
		_, _ = io.WriteString(w, "part two")
	})
	mux.HandleFunc("GET /close", func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.Header().Set("Connection", "close")
		http.Error(w, "gone", http.StatusServiceUnavailable)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	tests := []struct {
		name     string
		req      Request
		rate     float64
		wantCode int
		wantBody string
	}{
		{"closed loop with body", Request{Method: http.MethodPost, Path: "/echo", Body: []byte(`{"text":"hi"}`),
			Header: map[string]string{"Content-Type": "application/json"}}, 0, 200, `{"text":"hi"}`},
		{"chunked response", Request{Method: http.MethodGet, Path: "/chunked"}, 0, 200, "part one,part two"},
		{"connection close", Request{Method: http.MethodGet, Path: "/close"}, 0, 503, "gone\n"},
		{"fixed rate", Request{Method: http.MethodPost, Path: "/echo", Body: []byte("x")}, 200, 200, "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			served.Store(0)
			var bad atomic.Int64
			res, err := Run(context.Background(), Config{
				Addr: addr, Requests: []Request{tc.req}, Conns: 4, Duration: 300 * time.Millisecond, Rate: tc.rate,
				OnResponse: func(status int, body []byte) {
					if status != tc.wantCode || string(body) != tc.wantBody {
						bad.Add(1)
					}
				},
			})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if res.Requests == 0 {
				t.Fatalf("no responses")
			}
			if got := res.Status[tc.wantCode]; got != res.Requests {
				t.Errorf("status %d count = %d, want all %d responses (%v)", tc.wantCode, got, res.Requests, res.Status)
			}
			if n := bad.Load(); n != 0 {
				t.Errorf("%d responses had the wrong status or body", n)
			}
			if res.Errors != 0 {
				t.Errorf("Errors = %d, want 0", res.Errors)
			}
			if int64(res.Requests) != served.Load() {
				t.Errorf("Requests = %d, server served %d", res.Requests, served.Load())
			}
			if res.Latency.P50 <= 0 || res.Latency.P99 < res.Latency.P50 || res.Latency.Max < res.Latency.P99 {
				t.Errorf("latency summary not ordered: %+v", res.Latency)
			}
			if tc.rate == 0 && res.Oversleep != (Summary{}) {
				t.Errorf("closed loop: oversleep = %+v, want none (nothing waits for a due time)", res.Oversleep)
			}
			if tc.rate > 0 {
				// 300 ms at 200/s is 60 requests; allow the scheduler a little slack.
				if res.Requests < 55 || res.Requests > 61 {
					t.Errorf("fixed rate sent %d requests, want about %d", res.Requests, res.Expected)
				}
			}
		})
	}
}

// TestFixedRateCountsQueueing checks there is no coordinated omission: a
// server that stalls once for 200 ms must show that stall in the latency of
// the requests that were due while it lasted, not in one sample.
func TestFixedRateCountsQueueing(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 10 {
			time.Sleep(200 * time.Millisecond)
		}
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Config{
		Addr: strings.TrimPrefix(srv.URL, "http://"), Requests: []Request{{Method: http.MethodGet, Path: "/"}},
		Conns: 1, Duration: 600 * time.Millisecond, Rate: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	// With one connection, the ~20 requests due during the stall each wait
	// for it: at least 10 % of the ~60 samples must be ≥ 100 ms late, so
	// p90 ≥ 100 ms. A generator that timed from send would report p90 ≈ 0.
	if res.Latency.P90 < 100*time.Millisecond {
		t.Errorf("p90 = %v, want ≥ 100ms (queueing behind the stall must count)", res.Latency.P90)
	}
	// The stall is the server's: the requests queued behind it found their
	// connection busy and are not the generator's oversleep, which only the
	// requests that waited for their due time have.
	if res.Oversleep.Max <= 0 || res.Oversleep.Max > res.Latency.Max {
		t.Errorf("oversleep max = %v, want in (0, %v]", res.Oversleep.Max, res.Latency.Max)
	}
	if res.Oversleep.P90 >= 100*time.Millisecond {
		t.Errorf("oversleep p90 = %v, want the server's stall left out of it", res.Oversleep.P90)
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no address", Config{Requests: []Request{{Method: http.MethodGet, Path: "/"}}, Conns: 1, Duration: time.Second}},
		{"no requests", Config{Addr: "127.0.0.1:1", Conns: 1, Duration: time.Second}},
		{"no connections", Config{Addr: "127.0.0.1:1", Requests: []Request{{Method: http.MethodGet, Path: "/"}}, Duration: time.Second}},
		{"negative rate", Config{Addr: "127.0.0.1:1", Requests: []Request{{Method: http.MethodGet, Path: "/"}}, Conns: 1, Duration: time.Second, Rate: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Run(context.Background(), tc.cfg); err != ErrConfig {
				t.Errorf("Run error = %v, want ErrConfig", err)
			}
		})
	}
}
