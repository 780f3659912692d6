package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/secevent/seceventtest"
)

const samoAnswer = `{"emotions":[{"emotion":"joy","confidence":0.91},{"emotion":"love","confidence":0.42}],"primary_emotion":"joy","confidence":0.91}`

// answerWith returns a handler that answers body as JSON.
func answerWith(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

// newClient returns a Client for srv with a collector and a fake clock.
func newClient(t *testing.T, cfg Config) (*Client, *seceventtest.Collector, *fakeClock) {
	t.Helper()
	ev, clk := &seceventtest.Collector{}, newFakeClock()
	cfg.Events, cfg.Now = ev, clk.Now
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.Close)
	return c, ev, clk
}

func TestPredictSendsContractRequest(t *testing.T) {
	type headers struct{ method, path, query, ctype, accept, reqID, user, pass string }
	type seen struct {
		headers
		body map[string]any
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{headers: headers{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, ctype: r.Header.Get("Content-Type"),
			accept: r.Header.Get("Accept"), reqID: r.Header.Get("X-Request-ID")}}
		s.user, s.pass, _ = r.BasicAuth()
		_ = json.NewDecoder(r.Body).Decode(&s.body)
		got <- s
		answerWith(samoAnswer)(w, r)
	}))
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://svc:s3cret@", 1) + "/models/goemotions:predict?v=2"
	c, _, _ := newClient(t, Config{URL: u})
	ctx := reqctx.With(context.Background(), &reqctx.Info{RequestID: "req_abc"})
	th := 0.3
	res, err := c.Predict(ctx, "I love this", GoEmotions, &th)
	if err != nil {
		t.Fatalf("Predict: %v", err)
	}
	s := <-got
	want := headers{method: http.MethodPost, path: "/models/goemotions:predict", query: "v=2", ctype: "application/json",
		accept: "application/json", reqID: "req_abc", user: "svc", pass: "s3cret"}
	if s.headers != want {
		t.Errorf("request = %+v, want %+v", s.headers, want)
	}
	if len(s.body) != 2 || s.body["text"] != "I love this" || s.body["threshold"] != 0.3 {
		t.Errorf("body = %v, want text and threshold only", s.body)
	}
	if got := scoresString(res.Emotions); got != "joy:0.91 love:0.42" || res.Primary != "joy" || res.ModelVersion != "gateway-samo" {
		t.Errorf("result = %s primary %s version %s", got, res.Primary, res.ModelVersion)
	}
	// Without a threshold the field is absent.
	if _, err := c.Predict(context.Background(), "x", GoEmotions, nil); err != nil {
		t.Fatal(err)
	}
	if s := <-got; len(s.body) != 1 {
		t.Errorf("body without threshold = %v, want text only", s.body)
	}
}

func TestPredictProbabilitiesFormat(t *testing.T) {
	srv := httptest.NewServer(answerWith(`{"predicted_emotion":"fear","probabilities":{"fear":0.7,"nervousness":0.6,"joy":0.1},"model_version":"hf-1"}`))
	defer srv.Close()
	c, _, _ := newClient(t, Config{URL: srv.URL, Format: FormatProbabilities})
	cases := []struct {
		tax, want string
	}{{GoEmotions, "fear:0.7 nervousness:0.6"}, {Ekman, "fear:0.7"}}
	for _, tc := range cases {
		res, err := c.Predict(context.Background(), "x", tc.tax, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.tax, err)
		}
		if got := scoresString(res.Emotions); got != tc.want || res.ModelVersion != "gateway-probabilities/hf-1" {
			t.Errorf("%s: %s (%s), want %s (gateway-probabilities/hf-1)", tc.tax, got, res.ModelVersion, tc.want)
		}
	}
	if _, err := c.Predict(context.Background(), "x", "plutchik", nil); !errors.Is(err, prediction.ErrTaxonomy) {
		t.Errorf("unknown taxonomy: %v, want prediction.ErrTaxonomy", err)
	}
}

func TestPredictUpstreamFailures(t *testing.T) {
	big := strings.Repeat("x", 10<<20)
	redirectTarget := atomic.Int32{}
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirectTarget.Add(1)
		answerWith(samoAnswer)(w, r)
	}))
	defer target.Close()
	cases := []struct {
		name    string
		handler http.HandlerFunc
		reason  string
		timeout bool
	}{
		{"status 500", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "Traceback (most recent call last): secret", 500)
		}, "status", false},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
		}, "redirect", false},
		{"html", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html>oops</html>")
		}, "content_type", false},
		{"garbage", answerWith(`{"emotions": [{"emotion": "happiness", "confidence": "very"}]`), "malformed", false},
		{"binary garbage", answerWith("\x00\xff\xfe{{{"), "malformed", false},
		{"10 MB with length", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "10485760")
			_, _ = io.WriteString(w, big)
		}, "too_large", false},
		{"10 MB chunked", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			for i := 0; i < 10; i++ {
				if _, err := io.WriteString(w, big[:1<<20]); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		}, "too_large", false},
		{"slow headers", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client leaving
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}, "timeout", true},
		{"slow body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"emotions":[`)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}, "timeout", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			// Only the cases meant to time out get a short timeout: on a
			// loaded machine 10 MB over loopback can take longer than 200 ms.
			timeout := 10 * time.Second
			if tc.timeout {
				timeout = 200 * time.Millisecond
			}
			c, ev, _ := newClient(t, Config{URL: srv.URL, Timeout: timeout})
			start := time.Now()
			_, err := c.Predict(context.Background(), "hello", GoEmotions, nil)
			if elapsed := time.Since(start); tc.timeout && elapsed > 5*time.Second { // 25× the timeout
				t.Errorf("Predict took %v with a 200ms timeout", elapsed)
			}
			if !errors.Is(err, ErrUpstream) {
				t.Fatalf("err = %v, want ErrUpstream", err)
			}
			if got := errors.Is(err, ErrTimeout); got != tc.timeout {
				t.Errorf("errors.Is(err, ErrTimeout) = %v, want %v", got, tc.timeout)
			}
			for _, leak := range []string{"Traceback", "secret", "happiness", "<html>", "xxxx"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error quotes upstream bytes %q: %v", leak, err)
				}
			}
			events := ev.Events()
			if len(events) != 1 || events[0].Type != secevent.UpstreamError || events[0].Details["reason"] != tc.reason {
				t.Fatalf("events = %+v, want one upstream_error with reason %s", events, tc.reason)
			}
		})
	}
	if n := redirectTarget.Load(); n != 0 {
		t.Errorf("the redirect target was contacted %d times; redirects must not be followed", n)
	}
}

func TestPredictConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, ev, _ := newClient(t, Config{URL: "http://" + addr + "/predict"})
	_, err = c.Predict(context.Background(), "hello", GoEmotions, nil)
	if !errors.Is(err, ErrUpstream) || errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrUpstream (not a timeout)", err)
	}
	if e := ev.Events(); len(e) != 1 || e[0].Details["reason"] != "connect" {
		t.Errorf("events = %+v, want one with reason connect", e)
	}
}

func TestPredictTLS(t *testing.T) {
	srv := httptest.NewTLSServer(answerWith(samoAnswer))
	defer srv.Close()
	t.Run("untrusted certificate refused", func(t *testing.T) {
		c, ev, _ := newClient(t, Config{URL: srv.URL})
		if _, err := c.Predict(context.Background(), "x", GoEmotions, nil); !errors.Is(err, ErrUpstream) {
			t.Fatalf("err = %v, want ErrUpstream", err)
		}
		if e := ev.Events(); len(e) != 1 || e[0].Details["reason"] != "tls" {
			t.Errorf("events = %+v, want one with reason tls", e)
		}
	})
	t.Run("trusted root accepted", func(t *testing.T) {
		pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
		c, _, _ := newClient(t, Config{URL: srv.URL, RootCAs: pool})
		if _, err := c.Predict(context.Background(), "x", GoEmotions, nil); err != nil {
			t.Fatalf("Predict: %v", err)
		}
	})
}

// toggle is an upstream that can be switched between healthy and failing.
type toggle struct {
	down  atomic.Bool
	calls atomic.Int32
}

func (tg *toggle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tg.calls.Add(1)
	if tg.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	answerWith(samoAnswer)(w, r)
}

func TestCircuitBreakerOpensAndRecovers(t *testing.T) {
	tg := &toggle{}
	srv := httptest.NewServer(tg)
	defer srv.Close()
	c, ev, clk := newClient(t, Config{URL: srv.URL, FailureThreshold: 3, CoolDown: 10 * time.Second})
	ctx := context.Background()
	tg.down.Store(true)
	for i := range 3 {
		if _, err := c.Predict(ctx, "x", GoEmotions, nil); !errors.Is(err, ErrUpstream) {
			t.Fatalf("call %d: %v, want ErrUpstream", i, err)
		}
	}
	if c.State() != Open {
		t.Fatalf("state after 3 failures = %v, want open", c.State())
	}
	before := tg.calls.Load()
	for range 20 {
		_, err := c.Predict(ctx, "x", GoEmotions, nil)
		if !errors.Is(err, ErrUnavailable) || RetryAfter(err) != 10*time.Second {
			t.Fatalf("open circuit: %v (retry after %v), want ErrUnavailable after 10s", err, RetryAfter(err))
		}
	}
	if n := tg.calls.Load() - before; n != 0 {
		t.Errorf("open circuit let %d calls reach the upstream", n)
	}
	if err := c.Ready(ctx); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Ready while open = %v, want ErrUnavailable", err)
	}
	clk.Advance(10 * time.Second)
	if _, err := c.Predict(ctx, "x", GoEmotions, nil); !errors.Is(err, ErrUpstream) {
		t.Fatalf("failed probe: %v, want ErrUpstream", err)
	}
	if c.State() != Open {
		t.Fatalf("state after a failed probe = %v, want open", c.State())
	}
	tg.down.Store(false)
	clk.Advance(10 * time.Second)
	if _, err := c.Predict(ctx, "x", GoEmotions, nil); err != nil {
		t.Fatalf("probe after recovery: %v", err)
	}
	if c.State() != Closed {
		t.Errorf("state after a good probe = %v, want closed", c.State())
	}
	var reasons []string
	for _, e := range ev.Events() {
		reasons = append(reasons, e.Details["reason"]+"/"+string(e.Severity))
	}
	want := "status/medium status/medium status/medium circuit_open/high status/medium circuit_closed/low"
	if got := strings.Join(reasons, " "); got != want {
		t.Errorf("events = %s\nwant     %s", got, want)
	}
}

func TestCallerCancellationIsNeutral(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c, ev, _ := newClient(t, Config{URL: srv.URL, FailureThreshold: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Predict(ctx, "x", GoEmotions, nil)
	if err == nil || errors.Is(err, ErrUpstream) {
		t.Fatalf("err = %v, want a non-upstream error", err)
	}
	if c.State() != Closed || len(ev.Events()) != 0 {
		t.Errorf("state %v, %d events after the caller gave up; want closed and none", c.State(), len(ev.Events()))
	}
}

func TestReadyProbes(t *testing.T) {
	tg := &toggle{}
	srv := httptest.NewServer(tg)
	defer srv.Close()
	c, ev, clk := newClient(t, Config{URL: srv.URL, FailureThreshold: 2, CoolDown: 10 * time.Second})
	ctx := context.Background()
	steps := []struct {
		name      string
		down      bool
		advance   time.Duration
		wantErr   error
		wantCalls int32 // upstream calls made by this Ready
	}{
		{"first check probes", false, 0, nil, 1},
		{"recent success answers from memory", false, 5 * time.Second, nil, 0},
		{"stale success probes again", false, 6 * time.Second, nil, 1},
		{"failed probe", true, 11 * time.Second, ErrUpstream, 1},
		{"a failure is reused for the interval", true, 0, ErrUpstream, 0},
		{"next interval probes again and opens", true, 10 * time.Second, ErrUpstream, 1},
		{"open circuit answers without a call", true, time.Second, ErrUnavailable, 0},
		{"after cool-down the probe closes it", false, 10 * time.Second, nil, 1},
	}
	for _, s := range steps {
		tg.down.Store(s.down)
		clk.Advance(s.advance)
		before := tg.calls.Load()
		err := c.Ready(ctx)
		if s.wantErr == nil && err != nil || s.wantErr != nil && !errors.Is(err, s.wantErr) {
			t.Errorf("%s: Ready = %v, want %v", s.name, err, s.wantErr)
		}
		if n := tg.calls.Load() - before; n != s.wantCalls {
			t.Errorf("%s: %d upstream calls, want %d", s.name, n, s.wantCalls)
		}
	}
	for _, e := range ev.Events() {
		if e.Details["reason"] == "status" && e.Details["probe"] != "true" {
			t.Errorf("probe failure event lacks probe=true: %+v", e)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
	}{
		{"empty URL", Config{}},
		{"relative", Config{URL: "/predict"}},
		{"ftp", Config{URL: "ftp://model/predict"}},
		{"no host", Config{URL: "http:///predict"}},
		{"opaque", Config{URL: "http:model"}},
		{"fragment", Config{URL: "http://model/predict#x"}},
		{"format", Config{URL: "http://model/predict", Format: "xml"}},
		{"negative timeout", Config{URL: "http://model/predict", Timeout: -time.Second}},
		{"negative threshold", Config{URL: "http://model/predict", FailureThreshold: -1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := New(c.cfg); !errors.Is(err, ErrConfig) {
				t.Errorf("New(%+v) = %v, want ErrConfig", c.cfg, err)
			}
		})
	}
	c, err := New(Config{URL: "https://user:pw@model.internal/predict"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.url, "pw") || c.Version() != "gateway-samo" || c.format != FormatSAMO || c.timeout != DefaultTimeout {
		t.Errorf("defaults: url %q version %q format %q timeout %v", c.url, c.Version(), c.format, c.timeout)
	}
}
