package rekey_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/rekey"
	"github.com/samo-brain/samo/internal/seal"
	"github.com/samo-brain/samo/internal/store"
	"github.com/samo-brain/samo/internal/users"
)

// TestRotationUnderLoad rotates while writers keep sealing with a live
// keyring (reloaded from the store like a server does) and readers keep
// opening: nothing is lost, nothing fails to open, and at the end no row is
// left under the old key, which is retired.
func TestRotationUnderLoad(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "", t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mk, _ := seal.NewMasterKey([]byte("0123456789abcdef0123456789abcdef"))
	first, _ := seal.New(seal.AES256GCM, time.Now)
	blob, _ := first.Wrap(mk)
	if _, err := st.InitKeyring(ctx, blob); err != nil {
		t.Fatal(err)
	}
	live, _ := seal.Unwrap(blob, mk, time.Now)
	oldID := live.Active().ID

	var mu sync.Mutex
	written := map[string]string{}
	write := func(i int) {
		id := fmt.Sprintf("pred_%08d", i)
		text := fmt.Sprintf("journal entry %d", i)
		sealed, err := live.Seal([]byte(text), prediction.AAD(id))
		if err != nil {
			t.Error(err)
			return
		}
		kid, _ := seal.KeyID(sealed)
		rec := prediction.Record{ID: id, UserID: "u", Sealed: sealed, TextKeyID: kid, Taxonomy: "goemotions",
			Primary: "joy", ModelVersion: "m", CreatedAt: time.Now(), Emotions: []prediction.Score{{Emotion: "joy", Confidence: 1}}}
		if err := st.SavePredictions(ctx, []prediction.Record{rec}); err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		written[id] = text
		mu.Unlock()
	}
	for i := 0; i < 300; i++ {
		write(i)
	}

	loadCtx, stopLoad := context.WithCancel(ctx)
	reloader := &rekey.Reloader{Store: st, Master: mk, Ring: live, Interval: 5 * time.Millisecond, Now: time.Now,
		OnError: func(err error) { t.Errorf("reload: %v", err) }}
	var wg sync.WaitGroup
	wg.Go(func() { _ = reloader.Run(loadCtx) })
	var next atomic.Int64
	next.Store(300)
	var readErrors atomic.Int64
	wg.Go(func() { // writer
		for loadCtx.Err() == nil {
			write(int(next.Add(1)))
			time.Sleep(time.Millisecond)
		}
	})
	wg.Go(func() { // reader
		for i := 0; loadCtx.Err() == nil; i = (i + 7) % 300 {
			id := fmt.Sprintf("pred_%08d", i)
			r, err := st.PredictionByID(ctx, id)
			if err != nil {
				continue
			}
			if _, err := live.Open(r.Sealed, prediction.AAD(id)); err != nil {
				readErrors.Add(1)
			}
			time.Sleep(time.Millisecond)
		}
	})

	rot := &rekey.Rotator{Store: st, Master: mk, Columns: map[string]rekey.AAD{store.ColumnPredictionText: prediction.AAD, store.ColumnTOTPSecret: mfa.AAD}, Alg: seal.AES256GCM, Settle: 40 * time.Millisecond, Batch: 50}
	var phases []string
	err = rot.Run(ctx, func(p rekey.Progress) {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
	})
	stopLoad()
	wg.Wait()
	if err != nil {
		t.Fatalf("rotation: %v", err)
	}
	if readErrors.Load() > 0 {
		t.Errorf("%d reads failed to open during rotation", readErrors.Load())
	}
	// Finish rows written by the writer after the last pass (it kept going
	// until stopLoad): a resumed run picks them up without adding a key.
	if err := rot.Run(ctx, func(rekey.Progress) {}); err != nil {
		t.Fatalf("resumed rotation: %v", err)
	}
	final, _ := st.Keyring(ctx)
	ring, _ := seal.Unwrap(final, mk, time.Now)
	counts, _ := st.CountSealed(ctx)
	if len(counts) != 1 || counts[ring.Active().ID] != len(written) {
		t.Errorf("rows by key = %v, want all %d under %s", counts, len(written), ring.Active().ID)
	}
	if ring.Active().ID == oldID {
		t.Error("the active key did not change")
	}
	for _, k := range ring.Keys() {
		if k.ID == oldID {
			t.Error("the old key was not retired")
		}
	}
	for id, text := range written {
		r, err := st.PredictionByID(ctx, id)
		if err != nil {
			t.Fatalf("row %s lost: %v", id, err)
		}
		pt, err := ring.Open(r.Sealed, prediction.AAD(id))
		if err != nil || string(pt) != text {
			t.Fatalf("row %s: %q, %v; want %q", id, pt, err, text)
		}
	}
	want := []string{"adding_key", "waiting", "activating", "reencrypting", "retiring", "done"}
	if fmt.Sprint(phases) != fmt.Sprint(want) {
		t.Errorf("phases %v, want %v", phases, want)
	}
}

// TestRotationReencryptsTOTPSecrets: a rotation re-encrypts second-factor
// secrets too and retires the old key only then, so no user loses their
// second factor to a key rotation.
func TestRotationReencryptsTOTPSecrets(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "", t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mk, _ := seal.NewMasterKey([]byte("0123456789abcdef0123456789abcdef"))
	first, _ := seal.New(seal.AES256GCM, time.Now)
	blob, _ := first.Wrap(mk)
	if _, err := st.InitKeyring(ctx, blob); err != nil {
		t.Fatal(err)
	}
	oldID := first.Active().ID
	u, _, err := users.Ensure(ctx, st, "second-factor", rbac.RoleAdmin, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("0123456789abcdefghij")
	sealed, _ := first.Seal(secret, mfa.AAD(u.ID))
	if err := st.PutTOTP(ctx, mfa.Enrolment{UserID: u.ID, Sealed: sealed, KeyID: oldID, EnrolledAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	rot := &rekey.Rotator{Store: st, Master: mk, Alg: seal.AES256GCM, Settle: time.Millisecond,
		Columns: map[string]rekey.AAD{store.ColumnPredictionText: prediction.AAD, store.ColumnTOTPSecret: mfa.AAD}}
	if err := rot.Run(ctx, func(rekey.Progress) {}); err != nil {
		t.Fatal(err)
	}
	final, _ := st.Keyring(ctx)
	ring, _ := seal.Unwrap(final, mk, time.Now)
	for _, k := range ring.Keys() {
		if k.ID == oldID {
			t.Error("the old key was not retired")
		}
	}
	e, err := st.TOTP(ctx, u.ID)
	if err != nil || e.KeyID != ring.Active().ID {
		t.Fatalf("TOTP after rotation = %+v, %v; want under %s", e, err, ring.Active().ID)
	}
	if pt, err := ring.Open(e.Sealed, mfa.AAD(u.ID)); err != nil || string(pt) != string(secret) {
		t.Errorf("secret after rotation = %q, %v", pt, err)
	}
}
