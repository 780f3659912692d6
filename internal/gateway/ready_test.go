package gateway

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

// TestReadySingleFlight: however many callers ask at once, one probe
// reaches the upstream, and its outcome serves every caller until the
// interval has passed.
func TestReadySingleFlight(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		<-release
		answerWith(samoAnswer)(w, r)
	}))
	defer srv.Close()
	c, _, clk := newClient(t, Config{URL: srv.URL, CoolDown: 10 * time.Second})
	const callers = 30
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() { errs <- c.Ready(context.Background()) })
	}
	// Every caller is waiting on the one probe in flight.
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Ready = %v, want nil", err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d concurrent Ready calls made %d upstream calls, want 1", callers, n)
	}
	for range callers {
		_ = c.Ready(context.Background())
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("Ready within the interval made %d upstream calls in all, want 1", n)
	}
	clk.Advance(10 * time.Second)
	_ = c.Ready(context.Background())
	if n := calls.Load(); n != 2 {
		t.Errorf("Ready after the interval: %d upstream calls in all, want 2", n)
	}
}

// TestReadySlowUpstreamProbesOnce: callers that give up before a slow
// upstream answers do not each start a probe; the probe's outcome, once
// in, is reused.
func TestReadySlowUpstreamProbesOnce(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		<-release
		answerWith(samoAnswer)(w, r)
	}))
	defer srv.Close()
	c, _, _ := newClient(t, Config{URL: srv.URL, Timeout: time.Minute, CoolDown: 10 * time.Second})
	for i := range 5 {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // the caller's readiness budget is already spent
		if err := c.Ready(ctx); err == nil {
			t.Fatalf("call %d: Ready with an ended context = nil, want an error", i)
		}
	}
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	if err := c.Ready(context.Background()); err != nil {
		t.Fatalf("Ready after the probe answered = %v", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("6 Ready calls against a slow upstream made %d upstream calls, want 1", n)
	}
}

// TestClientErrorsDoNotOpenTheCircuit: 4xx answers never count toward the
// breaker; text-dependent ones are ErrRejected (the caller's fault), load
// shedding is ErrBusy and setup errors stay ErrUpstream; only 5xx and
// transport failures open the circuit.
func TestClientErrorsDoNotOpenTheCircuit(t *testing.T) {
	cases := []struct {
		status int
		want   error
		reason string
		sev    secevent.Severity
	}{
		{http.StatusUnprocessableEntity, ErrRejected, "rejected", secevent.Low},
		{http.StatusRequestEntityTooLarge, ErrRejected, "rejected", secevent.Low},
		{http.StatusBadRequest, ErrRejected, "rejected", secevent.Low},
		{http.StatusForbidden, ErrRejected, "rejected", secevent.Low},
		{http.StatusTooManyRequests, ErrBusy, "busy", secevent.Medium},
		{http.StatusRequestTimeout, ErrBusy, "busy", secevent.Medium},
		{http.StatusUnauthorized, ErrUpstream, "status", secevent.Medium},
		{http.StatusNotFound, ErrUpstream, "status", secevent.Medium},
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "upstream says no", tc.status)
			}))
			defer srv.Close()
			c, ev, _ := newClient(t, Config{URL: srv.URL, FailureThreshold: 2})
			for i := range 10 {
				_, err := c.Predict(context.Background(), "x", GoEmotions, nil)
				if !errors.Is(err, tc.want) {
					t.Fatalf("call %d: %v, want %v", i, err, tc.want)
				}
				if tc.want != ErrUpstream && errors.Is(err, ErrUpstream) {
					t.Fatalf("call %d: %v also matches ErrUpstream (a 502)", i, err)
				}
				if strings.Contains(err.Error(), "upstream says no") {
					t.Fatalf("the error quotes the upstream: %v", err)
				}
			}
			if c.State() != Closed {
				t.Errorf("10 answers %d opened the circuit (state %v)", tc.status, c.State())
			}
			es := ev.Events()
			if len(es) != 10 || es[0].Details["reason"] != tc.reason || es[0].Severity != tc.sev {
				t.Errorf("events: %d, first %+v; want 10 with reason %s, %s", len(es), es[0], tc.reason, tc.sev)
			}
		})
	}
	// A 5xx still opens it.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusBadGateway)
	}))
	defer srv.Close()
	c, _, _ := newClient(t, Config{URL: srv.URL, FailureThreshold: 2})
	for range 2 {
		_, _ = c.Predict(context.Background(), "x", GoEmotions, nil)
	}
	if c.State() != Open {
		t.Errorf("two 502 answers: state %v, want open", c.State())
	}
}

// TestReadyAfterRejections: the probe meeting a text-dependent 4xx shows
// the upstream alive (ready); a setup 4xx (401) is not ready but leaves the
// circuit closed.
func TestReadyAfterRejections(t *testing.T) {
	for _, tc := range []struct {
		status int
		ready  bool
	}{{http.StatusUnprocessableEntity, true}, {http.StatusTooManyRequests, true}, {http.StatusUnauthorized, false}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "no", tc.status)
		}))
		c, _, _ := newClient(t, Config{URL: srv.URL, FailureThreshold: 1})
		err := c.Ready(context.Background())
		if (err == nil) != tc.ready {
			t.Errorf("probe answered %d: Ready = %v, want ready=%v", tc.status, err, tc.ready)
		}
		if c.State() != Closed {
			t.Errorf("probe answered %d: state %v, want closed", tc.status, c.State())
		}
		srv.Close()
	}
}
