package apikey

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// TestLastUsedBatching: N authentications make no store write until Flush,
// which writes once with the latest time per key.
func TestLastUsedBatching(t *testing.T) {
	t.Parallel()
	const n = 250
	f := newFixture(t, Config{})
	a, ka := f.create(t)
	b, kb := f.create(t)
	var lastA, lastB time.Time
	for i := range n {
		f.clock.Advance(10 * time.Millisecond)
		mustDo(t, f.auth(t, a))
		lastA = f.clock.Now()
		if i%5 == 0 {
			mustDo(t, f.auth(t, b))
			lastB = f.clock.Now()
		}
	}
	if got := f.store.Calls("TouchKeys"); got != 0 {
		t.Fatalf("TouchKeys calls before Flush = %d, want 0", got)
	}
	mustDo(t, f.svc.Flush(context.Background()))
	touches := f.store.Touches()
	if len(touches) != 1 {
		t.Fatalf("TouchKeys calls = %d, want 1", len(touches))
	}
	if got := touches[0]; len(got) != 2 || !got[ka.ID].Equal(lastA) || !got[kb.ID].Equal(lastB) {
		t.Errorf("batch = %v, want {%s: %v, %s: %v}", got, ka.ID, lastA, kb.ID, lastB)
	}
	if got := f.store.get(ka.ID).LastUsed; got == nil || !got.Equal(lastA) {
		t.Errorf("stored LastUsed = %v, want %v", got, lastA)
	}
	mustDo(t, f.svc.Flush(context.Background()))
	if got := f.store.Calls("TouchKeys"); got != 1 {
		t.Errorf("TouchKeys calls after an idle Flush = %d, want 1", got)
	}
}

func TestRefusedKeysAreNotTouched(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	plain, k := f.create(t)
	mustDo(t, f.svc.Revoke(context.Background(), k.ID))
	_ = f.auth(t, plain)
	_ = f.auth(t, mustGenerate(t, DefaultLength))
	mustDo(t, f.svc.Flush(context.Background()))
	if got := f.store.Calls("TouchKeys"); got != 0 {
		t.Errorf("TouchKeys calls = %d, want 0 (no successful use)", got)
	}
}

func TestFlushFailureKeepsUses(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	plain, k := f.create(t)
	mustDo(t, f.auth(t, plain))
	used := f.clock.Now()
	f.store.failTouch = true
	if err := f.svc.Flush(context.Background()); err == nil {
		t.Fatal("Flush with a failing store = nil, want an error")
	}
	f.store.failTouch = false
	mustDo(t, f.svc.Flush(context.Background()))
	touches := f.store.Touches()
	if len(touches) != 1 || !touches[0][k.ID].Equal(used) {
		t.Errorf("batches after retry = %v, want one with %s at %v", touches, k.ID, used)
	}
}

func TestRunFlushesPeriodicallyAndAtEnd(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		st := newFakeStore()
		svc := NewService(Config{FlushInterval: 5 * time.Second}, st, time.Now)
		plain, _, err := svc.Create(context.Background(), "u", "")
		mustDo(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- svc.Run(ctx) }()

		_, err = svc.Authenticate(context.Background(), plain)
		mustDo(t, err)
		time.Sleep(4 * time.Second)
		synctest.Wait()
		if got := st.Calls("TouchKeys"); got != 0 {
			t.Errorf("TouchKeys calls before the interval = %d, want 0", got)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if got := st.Calls("TouchKeys"); got != 1 {
			t.Errorf("TouchKeys calls after one interval = %d, want 1", got)
		}
		_, err = svc.Authenticate(context.Background(), plain)
		mustDo(t, err)
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
		if got := st.Calls("TouchKeys"); got != 2 {
			t.Errorf("TouchKeys calls after Run ended = %d, want 2 (final flush)", got)
		}
	})
}

func TestListAndGetShowEffectiveState(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{IdleExpiry: time.Hour, BackupCount: 1})
	plain, k := f.create(t)
	other, _, err := f.svc.Create(context.Background(), "user-2", "ci")
	mustDo(t, err)
	_ = other
	f.clock.Advance(time.Minute)
	mustDo(t, f.auth(t, plain))
	used := f.clock.Now()
	_, nk, err := f.svc.Rotate(context.Background(), k.ID, time.Minute)
	mustDo(t, err)
	f.clock.Advance(2 * time.Minute)

	keys, err := f.svc.List(context.Background(), "user-1")
	mustDo(t, err)
	if len(keys) != 2 {
		t.Fatalf("List(user-1) = %d keys, want 2", len(keys))
	}
	byID := map[string]Key{}
	for _, x := range keys {
		byID[x.ID] = x
	}
	if got := byID[k.ID]; got.Status != StatusExpired || got.LastUsed == nil || !got.LastUsed.Equal(used) {
		t.Errorf("old key listed as %s, last used %v; want expired, %v", got.Status, got.LastUsed, used)
	}
	if got := byID[nk.ID].Status; got != StatusActive {
		t.Errorf("new key listed as %s, want active", got)
	}
	all, err := f.svc.List(context.Background(), "")
	mustDo(t, err)
	if len(all) != 3 {
		t.Errorf("List(all) = %d keys, want 3", len(all))
	}
	got, err := f.svc.Get(context.Background(), k.ID)
	if err != nil || got.Status != StatusExpired {
		t.Errorf("Get(old) = %s, %v; want expired", got.Status, err)
	}
	if _, err := f.svc.Get(context.Background(), "key_missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(missing) = %v, want ErrNotFound", err)
	}
	if err := f.svc.Revoke(context.Background(), "key_missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Revoke(missing) = %v, want ErrNotFound", err)
	}
}

func TestRevokedIsFinal(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	_, k := f.create(t)
	mustDo(t, f.svc.Revoke(context.Background(), k.ID))
	mustDo(t, f.svc.Revoke(context.Background(), k.ID)) // idempotent
	if err := f.svc.Suspend(context.Background(), k.ID); !errors.Is(err, ErrRevoked) {
		t.Errorf("Suspend(revoked) = %v, want ErrRevoked", err)
	}
	if got := f.store.get(k.ID).Status; got != StatusRevoked {
		t.Errorf("status = %s, want revoked", got)
	}
}
