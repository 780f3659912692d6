package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// script is a fake server answering each request with the next step.
type script struct {
	mu    sync.Mutex
	steps []func(w http.ResponseWriter, r *http.Request)
	reqs  []*http.Request
	n     int
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i := s.n
	s.n++
	s.reqs = append(s.reqs, r)
	s.mu.Unlock()
	if i >= len(s.steps) {
		http.Error(w, "script exhausted", 500)
		return
	}
	s.steps[i](w, r)
}

func (s *script) count() int { s.mu.Lock(); defer s.mu.Unlock(); return s.n }

func problemStep(status int, code, retryAfter string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("X-Request-ID", "req_hdr")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"type":"%s%s","title":"%s","status":%d,"detail":"detail of %s","request_id":"req_body"}`,
			ProblemBase, code, http.StatusText(status), status, code)
	}
}

func okStep(body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, _ := w.(http.Hijacker).Hijack()
	conn.Close()
}

// newScripted returns a client for a scripted server and the waits it slept.
func newScripted(t *testing.T, steps []func(http.ResponseWriter, *http.Request), opts ...Option) (*Client, *script, *[]time.Duration) {
	t.Helper()
	s := &script{steps: steps}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, append([]Option{WithAPIKey("samo_testkey")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return ctx.Err() }
	return c, s, &waits
}

const predictionJSON = `{"id":"pred_1","text":"hi","emotions":[{"emotion":"joy","confidence":0.9}],"primary_emotion":"joy","confidence":0.9,"taxonomy":"goemotions","model_version":"m","request_id":"r","timestamp":"2026-01-02T03:04:05Z"}`

func TestRetries(t *testing.T) {
	rl := problemStep(429, "rate_limited", "3")
	un := problemStep(503, "upstream_unavailable", "10")
	cases := []struct {
		name      string
		steps     []func(http.ResponseWriter, *http.Request)
		opts      []Option
		get       bool // call Prediction (GET) instead of Predict (POST)
		wantErr   error
		wantCalls int
		wantWaits string
	}{
		{"429 then success", []func(http.ResponseWriter, *http.Request){rl, okStep(predictionJSON)}, nil, false, nil, 2, "[3s]"},
		{"503 twice then success", []func(http.ResponseWriter, *http.Request){un, un, okStep(predictionJSON)}, nil, false, nil, 3, "[10s 10s]"},
		{"budget exhausted", []func(http.ResponseWriter, *http.Request){un, un, okStep(predictionJSON)}, []Option{WithRetry(1)}, false, ErrUnavailable, 2, "[10s]"},
		{"retries disabled", []func(http.ResponseWriter, *http.Request){rl, okStep(predictionJSON)}, []Option{WithRetry(0)}, false, ErrRateLimited, 1, "[]"},
		{"wait beyond the cap", []func(http.ResponseWriter, *http.Request){problemStep(429, "rate_limited", "120"), okStep(predictionJSON)}, nil, false, ErrRateLimited, 1, "[]"},
		{"502 never retried", []func(http.ResponseWriter, *http.Request){problemStep(502, "upstream_error", ""), okStep(predictionJSON)}, nil, false, ErrUpstream, 1, "[]"},
		{"504 never retried", []func(http.ResponseWriter, *http.Request){problemStep(504, "upstream_timeout", ""), okStep(predictionJSON)}, nil, false, ErrUpstream, 1, "[]"},
		{"500 never retried", []func(http.ResponseWriter, *http.Request){problemStep(500, "internal", ""), okStep(predictionJSON)}, nil, false, ErrServer, 1, "[]"},
		{"POST not retried after a broken connection", []func(http.ResponseWriter, *http.Request){hangUp, okStep(predictionJSON)}, nil, false, io.EOF, 1, "[]"},
		{"GET retried after a broken connection", []func(http.ResponseWriter, *http.Request){hangUp, okStep(predictionJSON)}, nil, true, nil, 2, "[backoff]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl, s, waits := newScripted(t, c.steps, c.opts...)
			var err error
			if c.get {
				_, err = cl.Prediction(context.Background(), "pred_1")
			} else {
				_, err = cl.Predict(context.Background(), "hi", nil)
			}
			switch {
			case c.wantErr == nil && err != nil:
				t.Fatalf("err = %v, want success", err)
			case c.wantErr == io.EOF && err == nil, c.wantErr != nil && c.wantErr != io.EOF && !errors.Is(err, c.wantErr):
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if got := s.count(); got != c.wantCalls {
				t.Errorf("server saw %d requests, want %d", got, c.wantCalls)
			}
			got := fmt.Sprint(*waits)
			if c.wantWaits == "[backoff]" {
				if len(*waits) != 1 || (*waits)[0] < 500*time.Millisecond || (*waits)[0] > 625*time.Millisecond {
					t.Errorf("waits = %s, want one backoff of 0.5-0.625s", got)
				}
			} else if got != c.wantWaits {
				t.Errorf("waits = %s, want %s", got, c.wantWaits)
			}
		})
	}
}

func TestUploadNeverRetried(t *testing.T) {
	cl, s, _ := newScripted(t, []func(http.ResponseWriter, *http.Request){problemStep(503, "unavailable", "1"), okStep(`{}`)})
	_, err := cl.UploadBatch(context.Background(), "texts.txt", strings.NewReader("one\ntwo\n"), nil)
	if !IsUnavailable(err) || s.count() != 1 {
		t.Errorf("err = %v after %d requests, want 503 after 1", err, s.count())
	}
}

func TestRetryWaitEndsWithContext(t *testing.T) {
	cl, s, _ := newScripted(t, []func(http.ResponseWriter, *http.Request){problemStep(429, "rate_limited", "1"), okStep(predictionJSON)})
	cl.sleep = sleepCtx
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := cl.Predict(ctx, "hi", nil)
	if err == nil || s.count() > 1 {
		t.Errorf("err = %v after %d requests, want an error and no retry", err, s.count())
	}
}

func TestErrorDecoding(t *testing.T) {
	cases := []struct {
		name     string
		step     func(http.ResponseWriter, *http.Request)
		want     Error
		sentinel error
	}{
		{"problem with fields", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"type":"`+ProblemBase+`invalid_request","title":"Bad Request","status":400,`+
				`"detail":"The request has invalid fields.","request_id":"req_1","errors":[{"field":"text","code":"too_long","message":"at most 5000"}]}`)
		}, Error{Status: 400, Type: ProblemBase + "invalid_request", Code: "invalid_request", Title: "Bad Request",
			Detail: "The request has invalid fields.", RequestID: "req_1", Fields: []FieldError{{"text", "too_long", "at most 5000"}}}, ErrBadRequest},
		{"rate limited", problemStep(429, "rate_limited", "7"), Error{Status: 429, Type: ProblemBase + "rate_limited", Code: "rate_limited",
			Title: "Too Many Requests", Detail: "detail of rate_limited", RequestID: "req_body", RetryAfter: 7 * time.Second}, ErrRateLimited},
		{"proxy html not quoted", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("X-Request-ID", "req_proxy")
			w.WriteHeader(502)
			_, _ = io.WriteString(w, "<html>nginx says no</html>")
		}, Error{Status: 502, Title: "Bad Gateway", RequestID: "req_proxy"}, ErrUpstream},
		{"broken problem", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `{"type":`)
		}, Error{Status: 404, Title: "Not Found"}, ErrNotFound},
		{"redirect not followed", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/v1/predict", http.StatusTemporaryRedirect)
		}, Error{Status: 307, Title: "Temporary Redirect"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl, _, _ := newScripted(t, []func(http.ResponseWriter, *http.Request){c.step}, WithRetry(0))
			_, err := cl.Predict(context.Background(), "hi", nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if fmt.Sprintf("%+v", *e) != fmt.Sprintf("%+v", c.want) {
				t.Errorf("error = %+v\nwant    %+v", *e, c.want)
			}
			if c.sentinel != nil && !errors.Is(err, c.sentinel) {
				t.Errorf("errors.Is(err, %v) = false", c.sentinel)
			}
			if strings.Contains(err.Error(), "nginx") || strings.Contains(err.Error(), "samo_testkey") {
				t.Errorf("Error() quotes the body or the key: %s", err)
			}
		})
	}
}

func TestCredentialHeaders(t *testing.T) {
	type seen struct{ key, auth string }
	tokenPair := `{"access_token":"at","refresh_token":"rt","token_type":"Bearer","expires_in":900}`
	cases := []struct {
		name string
		opts []Option
		do   func(c *Client) error
		want seen
	}{
		{"key", []Option{WithAPIKey("k1")}, func(c *Client) error { _, err := c.Predict(context.Background(), "x", nil); return err }, seen{"k1", ""}},
		{"bearer wins for requests", []Option{WithAPIKey("k1"), WithBearer("t1")}, func(c *Client) error { _, err := c.Predict(context.Background(), "x", nil); return err }, seen{"", "Bearer t1"}},
		{"token exchange uses the key", []Option{WithAPIKey("k1"), WithBearer("t1")}, func(c *Client) error { _, err := c.Token(context.Background()); return err }, seen{"k1", ""}},
		{"refresh sends no credential", []Option{WithAPIKey("k1"), WithBearer("t1")}, func(c *Client) error { _, err := c.Refresh(context.Background(), "rt"); return err }, seen{"", ""}},
		{"logout uses the bearer", []Option{WithAPIKey("k1"), WithBearer("t1")}, func(c *Client) error { return c.Logout(context.Background()) }, seen{"", "Bearer t1"}},
		{"health sends no credential", []Option{WithAPIKey("k1")}, func(c *Client) error { _, err := c.Health(context.Background()); return err }, seen{"", ""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := make(chan seen, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.RawQuery != "" {
					t.Errorf("query %q: credentials must never be in the URL", r.URL.RawQuery)
				}
				got <- seen{r.Header.Get("X-API-Key"), r.Header.Get("Authorization")}
				okStep(tokenPair)(w, r)
			}))
			defer srv.Close()
			cl, err := New(srv.URL, c.opts...)
			if err != nil {
				t.Fatal(err)
			}
			_ = c.do(cl)
			if s := <-got; s != c.want {
				t.Errorf("headers = %+v, want %+v", s, c.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	cases := []struct {
		name string
		url  string
		opts []Option
		ok   bool
	}{
		{"https", "https://samo.example.com", []Option{WithAPIKey("k")}, true},
		{"prefix", "https://samo.example.com/samo/", nil, true},
		{"loopback http", "http://127.0.0.1:8080", []Option{WithAPIKey("k")}, true},
		{"localhost http", "http://localhost:8080", []Option{WithBearer("t")}, true},
		{"remote http with key", "http://samo.example.com", []Option{WithAPIKey("k")}, false},
		{"remote http with key allowed", "http://samo.example.com", []Option{WithAPIKey("k"), WithInsecureHTTP()}, true},
		{"remote http without credentials", "http://samo.example.com", nil, true},
		{"userinfo", "https://u:p@samo.example.com", nil, false},
		{"query", "https://samo.example.com?api_key=x", nil, false},
		{"scheme", "ftp://samo.example.com", nil, false},
		{"relative", "/v1", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.url, c.opts...)
			if (err == nil) != c.ok {
				t.Errorf("New(%q) error = %v, want ok=%v", c.url, err, c.ok)
			}
		})
	}
}

func TestSecretsNotPrinted(t *testing.T) {
	c, err := New("https://samo.example.com", WithAPIKey("samo_supersecretkey"), WithBearer("eyJsecret"))
	if err != nil {
		t.Fatal(err)
	}
	pair := TokenPair{AccessToken: "eyJsecret", RefreshToken: "rt_secret"}
	key := CreatedKey{ID: "key_1", Key: "samo_supersecretkey"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, c) + fmt.Sprintf(format, *c) + fmt.Sprintf(format, pair) + fmt.Sprintf(format, key) + fmt.Sprintf(format, StaticToken("eyJsecret"))
		for _, s := range []string{"supersecret", "eyJsecret", "rt_secret"} {
			if strings.Contains(out, s) {
				t.Errorf("%s prints %q: %s", format, s, out)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"5":                             5 * time.Second,
		" 120 ":                         2 * time.Minute,
		"-1":                            0,
		"1.5":                           0,
		"99999999999":                   0, // beyond uint32: malformed
		"4294967295":                    24 * time.Hour,
		"Fri, 02 Jan 2026 03:04:35 GMT": 30 * time.Second,
		"Fri, 02 Jan 2026 03:00:00 GMT": 0, // in the past
		"soon":                          0,
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestPathEscaping(t *testing.T) {
	cases := []struct {
		prefix, id, want string
	}{
		{"", "pred_abc", "/v1/predictions/pred_abc"},
		{"", "a/b", "/v1/predictions/a%2Fb"},
		{"", "../admin/keys", "/v1/predictions/..%2Fadmin%2Fkeys"},
		{"", "x?y#z", "/v1/predictions/x%3Fy%23z"},
		{"/samo", "p 1", "/samo/v1/predictions/p%201"},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			got := make(chan string, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got <- r.URL.EscapedPath() + "?" + r.URL.RawQuery
				okStep(predictionJSON)(w, r)
			}))
			defer srv.Close()
			cl, err := New(srv.URL+c.prefix+"/", WithAPIKey("k"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cl.Prediction(context.Background(), c.id); err != nil {
				t.Fatal(err)
			}
			if g := <-got; g != c.want+"?" {
				t.Errorf("request path %q, want %q", g, c.want+"?")
			}
		})
	}
}
