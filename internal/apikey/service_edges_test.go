package apikey

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Labels of exactly the maximum length (in characters, not bytes) are
// accepted; TestCreateRejectsBadLabels refuses one more.
func TestCreateAcceptsLongestLabels(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	user, name := strings.Repeat("ü", MaxUserIDLength), strings.Repeat("é", MaxNameLength)
	if _, k, err := f.svc.Create(context.Background(), user, name); err != nil || k.UserID != user || k.Name != name {
		t.Errorf("Create with the longest user id and name: %v", err)
	}
}

// Rotate accepts a grace period of exactly MaxGrace (TestRotateRefused
// refuses one more second).
func TestRotateLongestGrace(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{BackupCount: 1})
	_, k := f.create(t)
	if _, _, err := f.svc.Rotate(context.Background(), k.ID, MaxGrace); err != nil {
		t.Errorf("Rotate with grace MaxGrace: %v", err)
	}
}

// ListPage pages a user's keys, newest first, and refuses to work under an
// invalid Config.
func TestListPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	_, a := f.create(t)
	f.clock.Advance(time.Second)
	_, b := f.create(t)
	keys, err := f.svc.ListPage(context.Background(), KeyPage{UserID: a.UserID, Limit: 10})
	if err != nil || len(keys) != 2 || keys[0].ID != b.ID || keys[1].ID != a.ID {
		t.Errorf("ListPage = %v, %v; want [%s %s]", keys, err, b.ID, a.ID)
	}
	bad := NewService(Config{Length: 8}, newFakeStore(), newClock().Now)
	if _, err := bad.ListPage(context.Background(), KeyPage{Limit: 10}); !errors.Is(err, ErrInvalid) {
		t.Errorf("ListPage under an invalid Config = %v, want ErrInvalid", err)
	}
}

// A failed change notice is logged with the key id; a delivered one is not.
func TestOnChangeFailureLogged(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	hookErr := errors.New("redis down")
	f := newFixture(t, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		OnChange: func(context.Context, string, string) error { return hookErr }})
	_, a := f.create(t)
	_, b := f.create(t)
	mustDo(t, f.svc.Revoke(context.Background(), a.ID))
	if got := logs.String(); !strings.Contains(got, "change notice failed") || !strings.Contains(got, a.ID) || !strings.Contains(got, "redis down") {
		t.Errorf("log after a failed notice = %q", got)
	}
	logs.Reset()
	hookErr = nil
	mustDo(t, f.svc.Revoke(context.Background(), b.ID))
	if logs.Len() != 0 {
		t.Errorf("a delivered notice was logged: %q", logs.String())
	}
}

// Run logs a failed periodic flush with the number of uses still pending.
func TestRunLogsFailedFlush(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var logs syncBuffer
		st := newFakeStore()
		svc := NewService(Config{FlushInterval: time.Second, Logger: slog.New(slog.NewTextHandler(&logs, nil))}, st, time.Now)
		plain, _, err := svc.Create(context.Background(), "u", "")
		mustDo(t, err)
		_, err = svc.Authenticate(context.Background(), plain)
		mustDo(t, err)
		st.mu.Lock()
		st.failTouch = true
		st.mu.Unlock()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- svc.Run(ctx) }()
		time.Sleep(time.Second + time.Millisecond)
		synctest.Wait()
		if got := logs.String(); !strings.Contains(got, "last_used flush failed") || !strings.Contains(got, "pending=1") {
			t.Errorf("log after a failed periodic flush = %q", got)
		}
		cancel()
		if err := <-done; err == nil {
			t.Error("Run = nil after a failed final flush")
		}
	})
}

// Uses written more than retain ago are forgotten, not those written
// exactly retain ago or later, nor those not written yet.
func TestUsagePrune(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	u := newUsage()
	u.record("written", t0)
	u.settle(u.take(), false, t0)
	u.record("dirty", t0)
	u.prune(t0.Add(time.Second), time.Second)
	if _, ok := u.last("written"); !ok {
		t.Error("a use written exactly retain ago was forgotten")
	}
	u.prune(t0.Add(time.Second+1), time.Second)
	if _, ok := u.last("written"); ok {
		t.Error("a use written more than retain ago was kept")
	}
	if _, ok := u.last("dirty"); !ok {
		t.Error("a use not written yet was forgotten")
	}
	if n := u.pending(); n != 1 {
		t.Errorf("pending = %d, want 1", n)
	}
}
