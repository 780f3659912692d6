package token_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/token"
	"github.com/samo-brain/samo/internal/token/tokentest"
)

// mapLog is an in-memory token.DenyLog whose writes can be made to fail.
type mapLog struct {
	mu                  sync.Mutex
	ids                 map[string]time.Time
	before, beforeUntil time.Time
	fail                error // writes fail
	failRead            error // LoadCutoff fails
}

func newMapLog() *mapLog { return &mapLog{ids: map[string]time.Time{}} }

func (l *mapLog) SaveDenial(_ context.Context, id string, until time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		return l.fail
	}
	if until.After(l.ids[id]) {
		l.ids[id] = until
	}
	return nil
}

func (l *mapLog) SaveCutoff(_ context.Context, t, until time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		return l.fail
	}
	if t.After(l.before) {
		l.before = t
	}
	if until.After(l.beforeUntil) {
		l.beforeUntil = until
	}
	return nil
}

func (l *mapLog) LoadCutoff(context.Context) (time.Time, time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failRead != nil {
		return time.Time{}, time.Time{}, l.failRead
	}
	return l.before, l.beforeUntil, nil
}

func (l *mapLog) LoadDenials(_ context.Context, now time.Time) (token.Denials, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := token.Denials{IDs: map[string]time.Time{}}
	for id, until := range l.ids {
		if until.After(now) {
			d.IDs[id] = until
		}
	}
	if l.beforeUntil.After(now) {
		d.Before, d.BeforeUntil = l.before, l.beforeUntil
	}
	return d, nil
}

func newDurable(t *testing.T, log token.DenyLog) token.DenyList {
	t.Helper()
	d, err := token.NewDurableDenyList(context.Background(), token.NewMemoryStoreWith(token.MemoryOptions{}), log, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDurableDenyListConformance(t *testing.T) {
	tokentest.DenyLog(t, func(*testing.T) token.DenyLog { return newMapLog() })
	tokentest.DenyList(t, func(t *testing.T) token.DenyList { return newDurable(t, newMapLog()) })
}

// TestDurableDenyListSurvivesRestart: a second list over the same log (a
// restarted process) refuses what the first revoked, cut-off included.
func TestDurableDenyListSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	log := newMapLog()
	first := newDurable(t, log)
	until := time.Now().Add(time.Hour)
	cut := time.Now().Truncate(time.Second).Add(time.Second)
	if err := first.Deny(ctx, "AAAAAAAAAAAAAAAAAAAAAA", until); err != nil {
		t.Fatal(err)
	}
	if err := first.DenyIssuedBefore(ctx, cut, until); err != nil {
		t.Fatal(err)
	}
	if err := first.Deny(ctx, "EXPIREDAAAAAAAAAAAAAAA", time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	second := newDurable(t, log)
	if denied, err := second.Denied(ctx, "AAAAAAAAAAAAAAAAAAAAAA"); err != nil || !denied {
		t.Errorf("after a restart Denied = %v, %v; want true", denied, err)
	}
	if got, err := second.IssuedBefore(ctx); err != nil || !got.Equal(cut) {
		t.Errorf("after a restart IssuedBefore = %v, %v; want %v", got, err, cut)
	}
	if denied, _ := second.Denied(ctx, "BBBBBBBBBBBBBBBBBBBBBB"); denied {
		t.Error("an id never denied is denied after a restart")
	}
}

// TestDurableDenyListLogFailure: when the log cannot be written the call
// fails, but the revocation already holds in this process.
func TestDurableDenyListLogFailure(t *testing.T) {
	ctx := context.Background()
	log := newMapLog()
	d := newDurable(t, log)
	log.fail = errors.New("disk full")
	if err := d.Deny(ctx, "AAAAAAAAAAAAAAAAAAAAAA", time.Now().Add(time.Hour)); !errors.Is(err, log.fail) {
		t.Errorf("Deny with a failing log = %v, want its error", err)
	}
	if denied, _ := d.Denied(ctx, "AAAAAAAAAAAAAAAAAAAAAA"); !denied {
		t.Error("a revocation whose log write failed is not in force")
	}
	cut := time.Now().Truncate(time.Second).Add(time.Second)
	if err := d.DenyIssuedBefore(ctx, cut, time.Now().Add(time.Hour)); !errors.Is(err, log.fail) {
		t.Errorf("DenyIssuedBefore with a failing log = %v, want its error", err)
	}
	if got, _ := d.IssuedBefore(ctx); !got.Equal(cut) {
		t.Errorf("IssuedBefore = %v, want %v in force", got, cut)
	}
}

// failingLoad is a DenyLog that cannot be read.
type failingLoad struct{ *mapLog }

func (failingLoad) LoadDenials(context.Context, time.Time) (token.Denials, error) {
	return token.Denials{}, errors.New("database down")
}

// TestDurableDenyListLoadFailure: a list that cannot read its log is not
// built (the server does not start forgetting revocations).
func TestDurableDenyListLoadFailure(t *testing.T) {
	_, err := token.NewDurableDenyList(context.Background(), token.NewMemoryStoreWith(token.MemoryOptions{}), failingLoad{newMapLog()}, time.Now())
	if err == nil {
		t.Fatal("NewDurableDenyList over an unreadable log succeeded")
	}
}

// TestDurableDenyListSeesAnotherProcess: a cut-off written to the log by
// another process (samo sessions end-all on the same database) is in force
// in a running list at its next IssuedBefore, without a restart; when the
// log cannot be read, IssuedBefore fails (closed).
func TestDurableDenyListSeesAnotherProcess(t *testing.T) {
	ctx := context.Background()
	log := newMapLog()
	now := time.Now()
	server, err := token.NewDurableDenyList(ctx, token.NewMemoryStoreWith(token.MemoryOptions{}), log, now)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := token.NewDurableDenyList(ctx, token.NewMemoryStoreWith(token.MemoryOptions{}), log, now)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := server.IssuedBefore(ctx); err != nil || !got.IsZero() {
		t.Fatalf("IssuedBefore before any sign-out = %v, %v", got, err)
	}
	cut := now.Truncate(time.Second).Add(time.Second)
	if err := cli.DenyIssuedBefore(ctx, cut, cut.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, err := server.IssuedBefore(ctx); err != nil || !got.Equal(cut) {
		t.Errorf("the running list's IssuedBefore after another process's sign-out = %v, %v; want %v", got, err, cut)
	}
	log.mu.Lock()
	log.failRead = errors.New("database down")
	log.mu.Unlock()
	if _, err := server.IssuedBefore(ctx); err == nil {
		t.Error("IssuedBefore with the log unreadable succeeded; want an error (fail closed)")
	}
}
