package alert_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/alert"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/store"
)

// clock is a manual test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// hook is a webhook receiver that verifies every signature and can be made
// to fail, or to accept a delivery and then drop the connection (so the
// sender cannot know it was received).
type hook struct {
	t      *testing.T
	secret []byte
	clock  *clock

	mu        sync.Mutex
	failing   bool
	dropOnce  map[string]bool // ids to accept and then cut off once
	received  map[string][][]byte
	attempts  int
	badSigned int
}

func newHook(t *testing.T, secret []byte, c *clock) (*hook, *httptest.Server) {
	h := &hook{t: t, secret: secret, clock: c, dropOnce: map[string]bool{}, received: map[string][][]byte{}}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	h.mu.Lock()
	defer h.mu.Unlock()
	h.attempts++
	if h.failing {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if err := alert.Verify(h.secret, r.Header, body, h.clock.Now(), 0); err != nil {
		h.badSigned++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	id := r.Header.Get(alert.HeaderID)
	if r.Header.Get(alert.HeaderIdempotencyKey) != id {
		h.t.Errorf("Idempotency-Key %q differs from webhook-id %q", r.Header.Get(alert.HeaderIdempotencyKey), id)
	}
	h.received[id] = append(h.received[id], body)
	if h.dropOnce[id] {
		delete(h.dropOnce, id)
		hj, ok := w.(http.Hijacker)
		if !ok {
			h.t.Fatal("receiver cannot hijack")
		}
		conn, _, _ := hj.Hijack()
		conn.Close() // received, but the sender sees a broken connection
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (h *hook) set(failing bool) { h.mu.Lock(); h.failing = failing; h.mu.Unlock() }

func (h *hook) snapshot() (map[string][][]byte, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string][][]byte{}
	for k, v := range h.received {
		out[k] = append([][]byte(nil), v...)
	}
	return out, h.badSigned
}

func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "", dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func newOutbox(t *testing.T, st alert.Store, url string, secret []byte, c *clock, cfg alert.Config) *alert.Outbox {
	t.Helper()
	cfg.URL, cfg.Secret, cfg.AllowPrivate = url, secret, true
	o, err := alert.NewOutbox(cfg, st, nil, nil, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func event(id string, typ secevent.Type, sev secevent.Severity, ip string, at time.Time) secevent.Event {
	return secevent.Event{ID: id, Type: typ, Severity: sev, Time: at, ClientIP: ip, Details: map[string]string{"reason": "test"}}
}

// drain delivers until nothing is due at the current time.
func drain(t *testing.T, o *alert.Outbox) {
	t.Helper()
	for i := 0; i < 100; i++ {
		n, err := o.DeliverDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("outbox never drained")
}

// The receiver is down for an hour and SAMO restarts meanwhile: every alert
// arrives once it recovers, nothing is lost, and the only duplicate is a
// message the receiver got while the sender saw a broken connection, sent
// again with the same idempotency key and the same body.
func TestOutboxSurvivesReceiverDowntimeAndRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	secret := []byte("alert-secret-0123456789abcdefghij")
	c := newClock()
	h, srv := newHook(t, secret, c)
	cfg := alert.Config{GroupWindow: -1}

	st := openStore(t, dir)
	o := newOutbox(t, st, srv.URL, secret, c, cfg)
	h.set(true)
	var want []string
	var es []secevent.Event
	for i := 0; i < 6; i++ {
		sev := secevent.High
		if i%2 == 1 {
			sev = secevent.Critical
		}
		e := event(fmt.Sprintf("evt_%d", i), secevent.BruteForce, sev, fmt.Sprintf("203.0.113.%d", i), c.Now())
		es = append(es, e)
		want = append(want, e.ID)
	}
	es = append(es, event("evt_low", secevent.AuthFailure, secevent.Low, "203.0.113.99", c.Now())) // not alerted
	o.OnEvents(ctx, es)
	if err := o.Send(ctx, alert.KindReport, "report-1-2", map[string]int{"events": 7}); err != nil {
		t.Fatal(err)
	}
	want = append(want, "report-1-2")

	// The receiver is down: attempts fail and are recorded.
	for i := 0; i < 3; i++ {
		drain(t, o)
		c.Advance(20 * time.Minute)
	}
	list, err := o.List(ctx, alert.Filter{State: "pending"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(want) {
		t.Fatalf("pending = %d rows, want %d", len(list), len(want))
	}
	for _, e := range list {
		if e.Attempts < 2 || e.LastError == "" {
			t.Errorf("pending %s: attempts %d, last error %q; want failed attempts recorded", e.ID, e.Attempts, e.LastError)
		}
	}

	// SAMO restarts: a new outbox over the same database file.
	st.Close()
	st = openStore(t, dir)
	defer st.Close()
	o = newOutbox(t, st, srv.URL, secret, c, cfg)
	h.set(false)
	h.mu.Lock()
	h.dropOnce["evt_3"] = true
	h.mu.Unlock()
	for i := 0; i < 4; i++ {
		c.Advance(6 * time.Minute) // past the largest backoff
		drain(t, o)
	}

	got, bad := h.snapshot()
	if bad != 0 {
		t.Errorf("%d deliveries had bad signatures", bad)
	}
	for _, id := range want {
		bodies := got[id]
		if len(bodies) == 0 {
			t.Errorf("alert %s lost", id)
			continue
		}
		wantCopies := 1
		if id == "evt_3" {
			wantCopies = 2
		}
		if len(bodies) != wantCopies {
			t.Errorf("alert %s received %d times, want %d", id, len(bodies), wantCopies)
		}
		for _, b := range bodies[1:] {
			if !bytes.Equal(b, bodies[0]) {
				t.Errorf("alert %s redelivered with a different body", id)
			}
		}
		var env alert.Envelope
		if err := json.Unmarshal(bodies[0], &env); err != nil || env.ID != id {
			t.Errorf("alert %s body %s: %v", id, bodies[0], err)
		}
	}
	if len(got) != len(want) {
		t.Errorf("received %d distinct ids, want %d (%v)", len(got), len(want), keys(got))
	}
	stats, err := o.Stats(ctx)
	if err != nil || stats.Pending != 0 || stats.Delivered != len(want) {
		t.Errorf("stats = %+v, %v; want 0 pending, %d delivered", stats, err, len(want))
	}
}

func keys(m map[string][][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A flood of identical events (same type and target, from any number of
// addresses) becomes one message with a count; after it is sent, the next
// ones wait for the end of the window and go out as one more message. Another
// target is another message.
func TestOutboxGroupsRepeatedAlerts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	secret := []byte("alert-secret-0123456789abcdefghij")
	c := newClock()
	h, srv := newHook(t, secret, c)
	st := openStore(t, t.TempDir())
	defer st.Close()
	o := newOutbox(t, st, srv.URL, secret, c, alert.Config{GroupWindow: 5 * time.Minute})

	var es []secevent.Event
	for i := 0; i < 100; i++ {
		// One attacker rotating through IPv6 /64s against one route.
		e := event(fmt.Sprintf("evt_a%03d", i), secevent.BruteForce, secevent.High, fmt.Sprintf("2001:db8:%x::1", i), c.Now())
		e.Route = "POST /v1/predict"
		es = append(es, e)
	}
	other := event("evt_other", secevent.BruteForce, secevent.High, "198.51.100.8", c.Now())
	other.Route = "POST /v1/auth/token"
	es = append(es, other)
	o.OnEvents(ctx, es)
	drain(t, o)
	got, _ := h.snapshot()
	if len(got) != 2 {
		t.Fatalf("received %d messages, want 2 (one per type and target)", len(got))
	}
	var env alert.Envelope
	if err := json.Unmarshal(got["evt_a000"][0], &env); err != nil || env.Count != 100 {
		t.Errorf("grouped message count = %d (%v), want 100", env.Count, err)
	}

	// More of the same within the window: held until the window ends.
	c.Advance(time.Minute)
	b1 := event("evt_b1", secevent.BruteForce, secevent.High, "2001:db8:ffff::1", c.Now())
	b2 := event("evt_b2", secevent.BruteForce, secevent.High, "198.51.100.7", c.Now())
	b1.Route, b2.Route = "POST /v1/predict", "POST /v1/predict"
	o.OnEvents(ctx, []secevent.Event{b1, b2})
	drain(t, o)
	if got, _ := h.snapshot(); len(got) != 2 {
		t.Fatalf("a follow-up was sent inside the window: %v", keys(got))
	}
	c.Advance(4 * time.Minute)
	drain(t, o)
	got, _ = h.snapshot()
	if len(got["evt_b1"]) != 1 {
		t.Fatalf("follow-up not sent at the end of the window: %v", keys(got))
	}
	if err := json.Unmarshal(got["evt_b1"][0], &env); err != nil || env.Count != 2 {
		t.Errorf("follow-up count = %d (%v), want 2", env.Count, err)
	}
}

// Events persisted but never handed to the outbox (a crash between the two)
// are found in the store and queued exactly once.
func TestOutboxCatchUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClock()
	st := openStore(t, t.TempDir())
	defer st.Close()
	o := newOutbox(t, st, "https://alerts.invalid/hook", nil, c, alert.Config{GroupWindow: -1})
	es := []secevent.Event{
		event("evt_1", secevent.TokenReuse, secevent.High, "192.0.2.1", c.Now().Add(-10*time.Minute)),
		event("evt_2", secevent.BruteForce, secevent.Critical, "192.0.2.2", c.Now().Add(-5*time.Minute)),
		event("evt_3", secevent.AuthFailure, secevent.Medium, "192.0.2.3", c.Now().Add(-5*time.Minute)),
		event("evt_old", secevent.BruteForce, secevent.High, "192.0.2.4", c.Now().Add(-90*time.Minute)), // before the catch-up window
	}
	if err := st.WriteEvents(ctx, es); err != nil {
		t.Fatal(err)
	}
	o.OnEvents(ctx, es[:1]) // only the first one reached the outbox
	for i := 0; i < 2; i++ {
		if err := o.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	o.OnEvents(ctx, es[:3]) // a late subscriber call for the same events changes nothing
	list, err := o.List(ctx, alert.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range list {
		ids = append(ids, e.ID)
	}
	if len(list) != 2 || list[0].ID != "evt_2" || list[1].ID != "evt_1" {
		t.Errorf("outbox = %v, want [evt_2 evt_1]", ids)
	}
}

// After MaxAge of failures a message is marked dead, with its last error,
// and never retried.
func TestOutboxGivesUpAfterMaxAge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClock()
	h, srv := newHook(t, nil, c)
	h.set(true)
	st := openStore(t, t.TempDir())
	defer st.Close()
	o := newOutbox(t, st, srv.URL, nil, c, alert.Config{MaxAge: time.Hour, MaxBackoff: 10 * time.Minute})
	if err := o.Send(ctx, alert.KindIncident, "incident-x-opened", map[string]string{"id": "x"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		drain(t, o)
		c.Advance(10 * time.Minute)
	}
	dead, err := o.List(ctx, alert.Filter{State: "dead"})
	if err != nil || len(dead) != 1 {
		t.Fatalf("dead = %v, %v; want one", dead, err)
	}
	if dead[0].DeadAt == nil || dead[0].LastError == "" {
		t.Errorf("dead row %+v lacks dead_at or last_error", dead[0])
	}
	attempts := dead[0].Attempts
	c.Advance(time.Hour)
	drain(t, o)
	if again, _ := o.List(ctx, alert.Filter{State: "dead"}); again[0].Attempts != attempts {
		t.Errorf("dead row retried: attempts %d → %d", attempts, again[0].Attempts)
	}
}

func TestOutboxDisabledAndInvalid(t *testing.T) {
	t.Parallel()
	st := openStore(t, t.TempDir())
	defer st.Close()
	o, err := alert.NewOutbox(alert.Config{}, st, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Enabled() {
		t.Error("outbox without URL is enabled")
	}
	if err := o.Send(context.Background(), alert.KindReport, "k", 1); err != alert.ErrDisabled {
		t.Errorf("Send = %v, want ErrDisabled", err)
	}
	for _, u := range []string{"ftp://x/y", "/relative", "https://", "https://host/#frag"} {
		if _, err := alert.NewOutbox(alert.Config{URL: u}, st, nil, nil, nil); err == nil {
			t.Errorf("NewOutbox(%q) accepted", u)
		}
	}
}

// The client's SSRF refusal reaches last_error, without the webhook URL
// (which may carry a token).
func TestOutboxRecordsRefusalWithoutURL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClock()
	st := openStore(t, t.TempDir())
	defer st.Close()
	o, err := alert.NewOutbox(alert.Config{URL: "http://127.0.0.1:9/hook?token=s3cr3t"}, st, nil, nil, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Send(ctx, alert.KindReport, "r1", 1); err != nil {
		t.Fatal(err)
	}
	drain(t, o)
	list, _ := o.List(ctx, alert.Filter{})
	if len(list) != 1 || !bytes.Contains([]byte(list[0].LastError), []byte("refused")) {
		t.Fatalf("last_error = %q, want a refusal", list[0].LastError)
	}
	if bytes.Contains([]byte(list[0].LastError), []byte("s3cr3t")) {
		t.Errorf("last_error leaks the webhook URL: %q", list[0].LastError)
	}
}

// Run catches up at start, delivers as soon as something is queued, and
// stops when its context ends.
func TestOutboxRun(t *testing.T) {
	t.Parallel()
	secret := []byte("alert-secret-0123456789abcdefghij")
	c := &clock{t: time.Now().UTC()}
	h, srv := newHook(t, secret, c)
	st := openStore(t, t.TempDir())
	defer st.Close()
	missed := event("evt_missed", secevent.BruteForce, secevent.High, "192.0.2.10", c.Now().Add(-time.Minute))
	if err := st.WriteEvents(context.Background(), []secevent.Event{missed}); err != nil {
		t.Fatal(err)
	}
	o, err := alert.NewOutbox(alert.Config{URL: srv.URL, Secret: secret, AllowPrivate: true, PollInterval: time.Hour}, st, nil, nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	waitFor := func(id string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if got, _ := h.snapshot(); len(got[id]) > 0 {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("%s not delivered", id)
	}
	waitFor("evt_missed") // caught up from the store at start
	if err := o.Send(ctx, alert.KindReport, "report-now", map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	waitFor("report-now") // woken at once, not after the hour-long poll
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}
