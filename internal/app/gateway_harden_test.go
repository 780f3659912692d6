package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
)

// doFrom is do from another client address.
func (ta *testApp) doFrom(addr, method, path, key string, body any) *httptest.ResponseRecorder {
	ta.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = netip.AddrPortFrom(netip.MustParseAddr(addr), 40000).String()
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	rec := httptest.NewRecorder()
	ta.h.ServeHTTP(rec, req)
	return rec
}

// tokenLimitUpstream answers 422 to texts longer than its token limit, as
// model servers commonly do, and a prediction otherwise.
type tokenLimitUpstream struct {
	recordingUpstream
	rejected atomic.Int32
}

func (u *tokenLimitUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Text string `json:"text"`
	}
	body, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(body, &req)
	if len(req.Text) > 512 {
		u.rejected.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = io.WriteString(w, `{"detail":"input exceeds 512 tokens: <script>x</script>"}`)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	u.recordingUpstream.ServeHTTP(w, r)
}

// TestGatewayLongTextsFromOneKeyDoNotCutOffOthers is issue 16's first
// finding: a model server answering 422 to long texts must not let one key
// open the circuit breaker for everyone.
func TestGatewayLongTextsFromOneKeyDoNotCutOffOthers(t *testing.T) {
	up := &tokenLimitUpstream{}
	srv := httptest.NewServer(up)
	defer srv.Close()
	ta := newGatewayApp(t, map[string]string{"MODEL_BACKEND_URL": srv.URL, "MODEL_BACKEND_FORMAT": "probabilities"}, Options{})
	attacker, other := ta.key("longtexts", rbac.RoleUser), ta.key("bystander", rbac.RoleUser)
	long := strings.Repeat("so long ", 1000) // 8,000 characters: SAMO accepts, the model does not

	rejected, blocked := 0, 0
	for i := range 25 {
		rec := ta.doFrom("198.51.100.7", http.MethodPost, "/v1/predict", attacker, map[string]any{"text": long})
		switch code := strings.TrimPrefix(problem(t, rec)["type"].(string), problemBase); {
		case rec.Code == 422 && code == "upstream_rejected":
			rejected++
			if strings.Contains(rec.Body.String(), "script") || strings.Contains(rec.Body.String(), "512") {
				t.Errorf("the problem quotes the upstream: %s", rec.Body)
			}
		case rec.Code == 403 && code == "ip_blocked":
			blocked++
		default:
			t.Fatalf("long text %d: %d %s, want 422 upstream_rejected (or, later, 403 ip_blocked)", i, rec.Code, rec.Body)
		}
	}
	if rejected < 5 || blocked == 0 {
		t.Errorf("%d rejected, %d blocked: the upstream's refusals must count toward the caller's intrusion score until it is blocked", rejected, blocked)
	}
	if _, isBlocked, _ := ta.IDS.Check(context.Background(), netip.MustParseAddr("198.51.100.7")); !isBlocked {
		t.Error("the attacker's address is not blocked")
	}
	ev := ta.upstreamEvent("", "rejected")
	if ev.Details["upstream_status"] != "422" || ev.KeyID == "" {
		t.Errorf("rejection event %+v, want upstream_status 422 and the caller's key", ev)
	}
	// Everyone else is served, and the replica stays ready.
	if rec := ta.doFrom("203.0.113.5", http.MethodPost, "/v1/predict", other, map[string]any{"text": "thank you!"}); rec.Code != 200 {
		t.Fatalf("another key after the long texts: %d %s, want 200", rec.Code, rec.Body)
	}
	if rec := ta.doFrom("203.0.113.6", http.MethodGet, "/ready", "", nil); rec.Code != 200 {
		t.Errorf("/ready after the long texts: %d %s, want 200", rec.Code, rec.Body)
	}
	// In a batch, each refused text is an item error and scores the caller.
	rec := ta.doFrom("203.0.113.9", http.MethodPost, "/v1/predict/batch", other, map[string]any{"texts": []string{long, "fine"}})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"code":"upstream_rejected"`) || !strings.Contains(rec.Body.String(), `"succeeded":1`) {
		t.Errorf("batch: %d %s, want one upstream_rejected item and one success", rec.Code, rec.Body)
	}
}

// countingUpstream counts the calls it answers.
type countingUpstream struct {
	calls atomic.Int32
	gate  chan struct{} // when non-nil, every answer waits for it to close
}

func (u *countingUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.calls.Add(1)
	if u.gate != nil {
		<-u.gate
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"emotions":[{"emotion":"neutral","confidence":0.9}]}`)
}

// TestReadyProbesTheUpstreamOnce: many concurrent /ready calls make one
// upstream inference and later calls reuse its outcome, so /ready — a probe,
// outside the per-IP limit — cannot be used to load the model server.
func TestReadyProbesTheUpstreamOnce(t *testing.T) {
	up := &countingUpstream{gate: make(chan struct{})}
	srv := httptest.NewServer(up)
	defer srv.Close()
	ta := newGatewayApp(t, map[string]string{"MODEL_BACKEND_URL": srv.URL, "IP_RATE_LIMIT_REQUESTS": "40", "IP_RATE_LIMIT_WINDOW": "1h"}, Options{})
	var wg sync.WaitGroup
	codes := make(chan int, 30)
	for range 30 {
		wg.Go(func() { codes <- ta.doFrom("192.0.2.44", http.MethodGet, "/ready", "", nil).Code })
	}
	for up.calls.Load() == 0 {
		time.Sleep(time.Millisecond) // wait for the probe to reach the upstream
	}
	close(up.gate)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Errorf("/ready = %d, want 200", c)
		}
	}
	for range 10 {
		if rec := ta.doFrom("192.0.2.44", http.MethodGet, "/ready", "", nil); rec.Code != 200 {
			t.Fatalf("/ready = %d %s", rec.Code, rec.Body)
		}
	}
	if n := up.calls.Load(); n != 1 {
		t.Errorf("40 /ready calls made %d upstream inferences, want 1", n)
	}
	// Probes are outside the chain: 40 of them spent none of the address's
	// budget of 40.
	for i := range 40 {
		if rec := ta.doFrom("192.0.2.44", http.MethodGet, "/v1/predictions", "", nil); rec.Code != 401 {
			t.Fatalf("request %d after 40 probes: %d, want 401 (within the per-IP limit of 40)", i+1, rec.Code)
		}
	}
	if rec := ta.doFrom("192.0.2.44", http.MethodGet, "/v1/predictions", "", nil); rec.Code != 429 {
		t.Errorf("41st request: %d, want 429", rec.Code)
	}
	for _, path := range []string{"/ready", "/health"} {
		if rec := ta.doFrom("192.0.2.44", http.MethodGet, path, "", nil); rec.Code != 200 {
			t.Errorf("%s past the per-IP limit: %d, want 200", path, rec.Code)
		}
	}
}
