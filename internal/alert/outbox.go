package alert

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/samo-brain/samo/internal/randid"
	"github.com/samo-brain/samo/internal/secevent"
)

// Config configures an Outbox. Zero durations take the defaults named.
type Config struct {
	// URL is SECURITY_ALERT_WEBHOOK; "" disables alerting.
	URL string
	// Secret is SECURITY_ALERT_SECRET; "" sends unsigned messages.
	Secret []byte
	// AllowPrivate is SECURITY_ALERT_ALLOW_PRIVATE (see ClientConfig).
	AllowPrivate bool
	// MinSeverity is the lowest event severity alerted (default high).
	MinSeverity secevent.Severity
	// GroupWindow groups identical alerts (same event type and source):
	// at most one message per group per window (default 5m; negative = no
	// grouping).
	GroupWindow time.Duration
	// BaseBackoff is the delay after the first failure (default 5s); it
	// doubles per attempt up to MaxBackoff (default 5m), with jitter.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// MaxAge is how long delivery is retried before the row is marked dead
	// (default 72h).
	MaxAge time.Duration
	// Retention is how long delivered and dead rows are kept (default 7d).
	Retention time.Duration
	// PollInterval is how often the worker looks for due rows when idle
	// (default 1s).
	PollInterval time.Duration
	// Lease is how long a claimed row is reserved for one attempt
	// (default 1m; it must exceed the client timeout).
	Lease time.Duration
	// Concurrency bounds simultaneous deliveries (default 4).
	Concurrency int
	// CatchUpWindow bounds how far back Run looks for high and critical
	// events that were persisted but never enqueued (a crash between the
	// two), when nothing was enqueued recently (default 1h).
	CatchUpWindow time.Duration
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if !c.MinSeverity.Valid() {
		c.MinSeverity = secevent.High
	}
	def(&c.GroupWindow, 5*time.Minute)
	def(&c.BaseBackoff, 5*time.Second)
	def(&c.MaxBackoff, 5*time.Minute)
	def(&c.MaxAge, 72*time.Hour)
	def(&c.Retention, 7*24*time.Hour)
	def(&c.PollInterval, time.Second)
	def(&c.Lease, time.Minute)
	def(&c.CatchUpWindow, time.Hour)
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
}

// catchUpSlack is how far before the newest enqueued event catching up
// starts, to cover events persisted out of time order.
const catchUpSlack = 10 * time.Minute

// maxResponseBody is how much of a receiver's response is read (and
// discarded) so the connection can be reused.
const maxResponseBody = 64 << 10

// Outbox queues alerts durably in the store and delivers them to the
// webhook. It is safe for concurrent use.
type Outbox struct {
	cfg    Config
	store  Store
	client *http.Client
	log    *slog.Logger
	now    func() time.Time
	wake   chan struct{}

	mu        sync.Mutex
	lostSince time.Time // earliest event that could not be enqueued
}

// NewOutbox returns an outbox. client is the HTTP client (nil: NewClient
// with cfg.AllowPrivate). A URL that is set must be an absolute http(s) URL
// without a fragment; with an empty URL the outbox is disabled.
func NewOutbox(cfg Config, st Store, client *http.Client, log *slog.Logger, now func() time.Time) (*Outbox, error) {
	cfg.defaults()
	if cfg.URL != "" {
		u, err := url.Parse(cfg.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" || u.Opaque != "" {
			return nil, fmt.Errorf("%w: SECURITY_ALERT_WEBHOOK must be an absolute http(s) URL", ErrInvalidConfig)
		}
	}
	if st == nil {
		return nil, fmt.Errorf("%w: no store", ErrInvalidConfig)
	}
	if client == nil {
		client = NewClient(ClientConfig{AllowPrivate: cfg.AllowPrivate})
	}
	if client.Timeout <= 0 || cfg.Lease <= client.Timeout {
		return nil, fmt.Errorf("%w: the client needs a timeout shorter than the lease (%v)", ErrInvalidConfig, cfg.Lease)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Outbox{cfg: cfg, store: st, client: client, log: log, now: now, wake: make(chan struct{}, 1)}, nil
}

// Enabled reports whether a webhook is configured.
func (o *Outbox) Enabled() bool { return o.cfg.URL != "" }

// Send queues one message of kind with data (marshalled to JSON) under the
// idempotency key key: sending the same key twice queues it once. It
// returns ErrDisabled when no webhook is configured.
func (o *Outbox) Send(ctx context.Context, kind, key string, data any) error {
	if !o.Enabled() {
		return ErrDisabled
	}
	if !validKey(key) {
		return fmt.Errorf("%w: idempotency key must be 1-200 characters without spaces or dots", ErrInvalidConfig)
	}
	payload, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("alert: encoding %s: %w", kind, err)
	}
	now := o.now().UTC()
	if _, err := o.store.EnqueueAlert(ctx, Entry{ID: key, Kind: kind, Payload: payload, CreatedAt: now, LastAt: now, NextAt: now}, 0); err != nil {
		return fmt.Errorf("alert: queueing %s: %w", kind, err)
	}
	o.poke()
	return nil
}

// validKey accepts printable ASCII ids without spaces or dots (the dot
// separates the signed fields).
func validKey(k string) bool {
	if k == "" || len(k) > 200 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c <= ' ' || c > '~' || c == '.' {
			return false
		}
	}
	return true
}

// OnEvents is a secevent.Subscriber: it queues every event at or above
// MinSeverity, grouped by type and source. A failure is logged and
// remembered, and the next Run iteration re-reads the missed events from
// the store.
func (o *Outbox) OnEvents(ctx context.Context, es []secevent.Event) {
	if !o.Enabled() {
		return
	}
	queued := false
	for _, e := range es {
		if e.Severity.Rank() < o.cfg.MinSeverity.Rank() {
			continue
		}
		if err := o.enqueueEvent(ctx, e); err != nil {
			o.log.Error("security alert not queued; will retry from the event store", "event_id", e.ID, "type", string(e.Type), "error", err)
			o.noteLost(e.Time)
			continue
		}
		queued = true
	}
	if queued {
		o.poke()
	}
}

func (o *Outbox) enqueueEvent(ctx context.Context, e secevent.Event) error {
	payload, err := json.Marshal(e)
	if err != nil {
		return err
	}
	now := o.now().UTC()
	last := e.Time
	if last.IsZero() {
		last = now
	}
	en := Entry{ID: e.ID, Kind: KindEvent, Group: GroupKey(e), EventID: e.ID, Payload: payload, CreatedAt: now, LastAt: last, NextAt: now}
	window := o.cfg.GroupWindow
	if window < 0 {
		en.Group, window = "", 0
	}
	if !validKey(en.ID) {
		en.ID = newID("alt_")
	}
	_, err = o.store.EnqueueAlert(ctx, en, window)
	return err
}

// GroupKey is the grouping key of an event: its type and its target
// (secevent.Target: the key it names, else its user, else its route), never
// its client address, so one attacker's events from many addresses (IPv6
// /64s, a botnet) make one message per GroupWindow, not one per address.
func GroupKey(e secevent.Event) string {
	return string(e.Type) + "|" + secevent.Target(e)
}

func (o *Outbox) noteLost(at time.Time) {
	if at.IsZero() {
		at = o.now()
	}
	o.mu.Lock()
	if o.lostSince.IsZero() || at.Before(o.lostSince) {
		o.lostSince = at
	}
	o.mu.Unlock()
}

func (o *Outbox) poke() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Run delivers due messages until ctx ends: it first catches up on events
// that were persisted but never queued, then polls every PollInterval (or
// at once when a message is queued), and purges old rows hourly. It
// returns nil at once when the outbox is disabled.
func (o *Outbox) Run(ctx context.Context) error {
	if !o.Enabled() {
		return nil
	}
	if err := o.CatchUp(ctx); err != nil && ctx.Err() == nil {
		o.log.Error("alert catch-up failed", "error", err)
		o.noteLost(o.now().Add(-o.cfg.CatchUpWindow))
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	lastPurge := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-o.wake:
		}
		o.mu.Lock()
		lost := !o.lostSince.IsZero()
		o.mu.Unlock()
		if lost {
			if err := o.CatchUp(ctx); err != nil && ctx.Err() == nil {
				o.log.Error("alert catch-up failed", "error", err)
			}
		}
		n, err := o.DeliverDue(ctx)
		if err != nil && ctx.Err() == nil {
			o.log.Error("alert delivery: claiming failed", "error", err)
		}
		if now := o.now(); now.Sub(lastPurge) >= time.Hour {
			lastPurge = now
			if _, err := o.store.PurgeAlerts(ctx, now.Add(-o.cfg.Retention)); err != nil && ctx.Err() == nil {
				o.log.Error("alert purge failed", "error", err)
			}
		}
		next := o.cfg.PollInterval
		if n == o.cfg.Concurrency {
			next = 0 // more may be due
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(next)
	}
}

// CatchUp queues high and critical events from the store that were never
// queued: those since the newest queued event (less a slack), or within
// CatchUpWindow when none was queued recently, or since the earliest event
// OnEvents failed to queue. Events already queued are skipped by the store.
func (o *Outbox) CatchUp(ctx context.Context) error {
	if !o.Enabled() {
		return nil
	}
	o.mu.Lock()
	lost := o.lostSince
	o.lostSince = time.Time{}
	o.mu.Unlock()
	now := o.now()
	since := now.Add(-o.cfg.CatchUpWindow)
	last, err := o.store.LastAlertedEventTime(ctx)
	if err != nil {
		o.noteLost(lost)
		return err
	}
	if !last.IsZero() && last.Add(-catchUpSlack).Before(since) {
		since = last.Add(-catchUpSlack)
	}
	if !lost.IsZero() && lost.Before(since) {
		since = lost
	}
	if floor := now.Add(-o.cfg.MaxAge); since.Before(floor) {
		since = floor
	}
	for {
		es, err := o.store.AlertableEvents(ctx, since, 500)
		if err != nil {
			o.noteLost(since)
			return err
		}
		for _, e := range es {
			if e.Severity.Rank() < o.cfg.MinSeverity.Rank() {
				continue
			}
			if err := o.enqueueEvent(ctx, e); err != nil {
				o.noteLost(e.Time)
				return err
			}
		}
		if len(es) < 500 {
			return nil
		}
		next := es[len(es)-1].Time
		if !next.After(since) {
			next = since.Add(time.Nanosecond) // 500 events at one instant: move on
		}
		since = next
	}
}

// DeliverDue claims the messages due now (at most Concurrency) and
// delivers them concurrently, recording each outcome. It returns how many
// it claimed.
func (o *Outbox) DeliverDue(ctx context.Context) (int, error) {
	if !o.Enabled() {
		return 0, nil
	}
	es, err := o.store.ClaimAlerts(ctx, o.now().UTC(), o.cfg.Lease, o.cfg.Concurrency)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, e := range es {
		wg.Go(func() { o.attempt(ctx, e) })
	}
	wg.Wait()
	return len(es), nil
}

// attempt delivers one claimed entry and records the outcome. Outcomes are
// written even when ctx was cancelled meanwhile, so a shutdown does not
// leave a delivered row looking undelivered longer than needed.
func (o *Outbox) attempt(ctx context.Context, e Entry) {
	err := o.deliver(ctx, e)
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	now := o.now().UTC()
	if err == nil {
		if merr := o.store.MarkAlertDelivered(wctx, e.ID, e.Attempts, now); merr != nil {
			o.log.Error("alert delivered but not marked; it may be sent again with the same id", "alert_id", e.ID, "error", merr)
		}
		return
	}
	dead := now.Sub(e.CreatedAt) >= o.cfg.MaxAge
	msg := err.Error()
	if dead {
		msg = fmt.Sprintf("gave up after %d attempts: %s", e.Attempts, msg)
	}
	next := now.Add(o.backoff(e.Attempts))
	if merr := o.store.MarkAlertFailed(wctx, e.ID, e.Attempts, truncate(msg, 300), next, dead, now); merr != nil {
		o.log.Error("alert failure not recorded", "alert_id", e.ID, "error", merr)
	}
	level := slog.LevelWarn
	if dead {
		level = slog.LevelError
	}
	o.log.Log(ctx, level, "alert delivery failed", "alert_id", e.ID, "kind", e.Kind, "attempt", e.Attempts, "dead", dead, "error", msg)
}

// deliver POSTs e once.
func (o *Outbox) deliver(ctx context.Context, e Entry) error {
	body, err := Body(e)
	if err != nil {
		return fmt.Errorf("alert: encoding: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: bad webhook URL", ErrInvalidConfig)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "samo-alert/1")
	SetHeaders(req.Header, o.cfg.Secret, e.ID, o.now(), body)
	resp, err := o.client.Do(req)
	if err != nil {
		return describe(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return fmt.Errorf("%w: status %d", ErrRedirect, resp.StatusCode)
	}
	return fmt.Errorf("%w: status %d", ErrStatus, resp.StatusCode)
}

// describe strips the URL from a client error: webhook URLs often carry a
// token in their path or query, and last_error is shown to admins.
func describe(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("alert: %s timed out: %w", strings.ToLower(ue.Op), ue.Err)
		}
		return fmt.Errorf("alert: %s failed: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

// backoff returns the delay after the attempts-th failure: BaseBackoff
// doubled per earlier failure, capped at MaxBackoff, with "equal jitter"
// (half fixed, half random) so replicas and groups do not retry in step.
func (o *Outbox) backoff(attempts int) time.Duration {
	d := o.cfg.BaseBackoff
	for i := 1; i < attempts && d < o.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, o.cfg.MaxBackoff)
	half := d / 2
	return half + randDuration(d-half)
}

// randDuration returns a uniformly random duration in [0, n).
func randDuration(n time.Duration) time.Duration {
	if n <= 0 {
		return 0
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return time.Duration(binary.LittleEndian.Uint64(b[:]) % uint64(n))
}

func newID(prefix string) string { return randid.New(prefix, 12) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// List returns outbox rows for admins, newest first.
func (o *Outbox) List(ctx context.Context, f Filter) ([]Entry, error) {
	return o.store.ListAlerts(ctx, f)
}

// Stats counts outbox rows by state.
func (o *Outbox) Stats(ctx context.Context) (Stats, error) {
	return o.store.AlertStats(ctx)
}
