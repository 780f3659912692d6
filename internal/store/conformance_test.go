package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/randid"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/users"
)

// TestConformance runs the same behavioural suite against every backend.
func TestConformance(t *testing.T) {
	t.Parallel()
	for name, st := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("users", func(t *testing.T) { testUsers(t, st) })
			t.Run("predictions", func(t *testing.T) { testPredictions(t, st) })
			t.Run("large_group", func(t *testing.T) { testLargeGroup(t, st) })
			t.Run("keys", func(t *testing.T) { testKeys(t, st) })
			t.Run("key_addresses", func(t *testing.T) { testKeyAddresses(t, st) })
			t.Run("pages", func(t *testing.T) { testPages(t, st) })
			t.Run("totp", func(t *testing.T) { testTOTP(t, st) })
			t.Run("totp_lock", func(t *testing.T) { testTOTPLock(t, st) })
			t.Run("session_cutoff", func(t *testing.T) { testSessionCutoff(t, st) })
		})
	}
}

func testUsers(t *testing.T, st *Store) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	u, created, err := users.Ensure(ctx, st, "alice", rbac.RoleAnalyst, now)
	if err != nil || !created {
		t.Fatalf("Ensure = %v, %v", created, err)
	}
	got, err := st.UserByID(ctx, u.ID)
	if err != nil || got.Name != "alice" || got.Role != rbac.RoleAnalyst || !got.CreatedAt.Equal(now) {
		t.Fatalf("UserByID = %+v, %v", got, err)
	}
	if _, err := st.UserByName(ctx, "nobody"); !errors.Is(err, users.ErrNotFound) {
		t.Errorf("UserByName(nobody) err = %v, want users.ErrNotFound", err)
	}
	if err := st.CreateUser(ctx, users.User{ID: "usr_x", Name: "alice", Role: rbac.RoleUser, CreatedAt: now}); !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate name err = %v, want ErrConflict", err)
	}
	// Disabling keeps the first time; enabling clears it.
	if got.Disabled() {
		t.Fatalf("a new user is disabled: %+v", got)
	}
	off := now.Add(time.Hour)
	for _, at := range []time.Time{off, off.Add(time.Hour)} {
		if err := st.SetUserDisabled(ctx, u.ID, &at); err != nil {
			t.Fatalf("SetUserDisabled: %v", err)
		}
	}
	got, err = st.UserByName(ctx, "alice")
	if err != nil || got.DisabledAt == nil || !got.DisabledAt.Equal(off) {
		t.Errorf("after disabling twice: %+v, %v; want disabled_at %v", got, err, off)
	}
	if all, err := st.ListUsers(ctx); err != nil || len(all) == 0 || !all[0].Disabled() {
		t.Errorf("ListUsers = %+v, %v; want alice disabled", all, err)
	}
	if err := st.SetUserDisabled(ctx, u.ID, nil); err != nil {
		t.Fatal(err)
	}
	if got, err = st.UserByID(ctx, u.ID); err != nil || got.Disabled() {
		t.Errorf("after enabling: %+v, %v", got, err)
	}
	if err := st.SetUserDisabled(ctx, "usr_nobody", &off); !errors.Is(err, users.ErrNotFound) {
		t.Errorf("SetUserDisabled(unknown) = %v, want users.ErrNotFound", err)
	}
}

// testLargeGroup saves more records in one call than one INSERT carries
// on PostgreSQL (maxInsertRows): every record is stored, none twice.
func testLargeGroup(t *testing.T, st *Store) {
	ctx := context.Background()
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	recs := make([]prediction.Record, maxInsertRows+5)
	for i := range recs {
		recs[i] = prediction.Record{ID: randid.Timed("pred_", base), UserID: "u_group", Sealed: []byte{byte(i)}, TextKeyID: "k1",
			Taxonomy: "goemotions", Primary: "joy", Emotions: []prediction.Score{{Emotion: "joy", Confidence: 0.5}},
			CreatedAt: base.Add(time.Duration(i) * time.Millisecond)}
	}
	if err := st.SavePredictions(ctx, recs); err != nil {
		t.Fatalf("SavePredictions(%d records): %v", len(recs), err)
	}
	seen := map[string]bool{}
	q := prediction.Query{UserID: "u_group", Limit: 100}
	for {
		page, err := st.ListPredictions(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			seen[r.ID] = true
		}
		if len(page) < q.Limit {
			break
		}
		q.After = prediction.Cursor{At: page[len(page)-1].CreatedAt, ID: page[len(page)-1].ID}
	}
	for _, r := range recs {
		if !seen[r.ID] {
			t.Fatalf("record %s of a %d-record group is missing (%d listed)", r.ID, len(recs), len(seen))
		}
	}
	if len(seen) != len(recs) {
		t.Errorf("%d records listed, want %d", len(seen), len(recs))
	}
}

func testPredictions(t *testing.T, st *Store) {
	ctx := context.Background()
	base := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	mk := func(i int, user, emotion string) prediction.Record {
		return prediction.Record{
			ID: randid.Timed("pred_", base), UserID: user, KeyID: "key_1", Sealed: []byte{1, 2, byte(i)}, TextKeyID: "k1",
			TextChars: 10, Taxonomy: "goemotions", Primary: emotion, Confidence: 0.9, ModelVersion: "m1",
			Emotions:  []prediction.Score{{Emotion: emotion, Confidence: 0.9}, {Emotion: "neutral", Confidence: 0.2}},
			CreatedAt: base.Add(time.Duration(i) * time.Second),
			Terms:     append([]byte("common00"), term(i)...),
			PIITerms:  term(100 + i),
		}
	}
	var recs []prediction.Record
	for i := 0; i < 7; i++ {
		user, emo := "u1", "joy"
		if i%2 == 1 {
			user, emo = "u2", "anger"
		}
		recs = append(recs, mk(i, user, emo))
	}
	if err := st.SavePredictions(ctx, recs); err != nil {
		t.Fatalf("SavePredictions: %v", err)
	}
	got, err := st.PredictionByID(ctx, recs[0].ID)
	if err != nil || !bytes.Equal(got.Sealed, recs[0].Sealed) || got.Primary != "joy" || len(got.Emotions) != 2 || !got.CreatedAt.Equal(recs[0].CreatedAt) {
		t.Fatalf("PredictionByID = %+v, %v", got, err)
	}
	if _, err := st.PredictionByID(ctx, "pred_missing"); !errors.Is(err, prediction.ErrNotFound) {
		t.Errorf("missing id err = %v", err)
	}
	// Pagination over u1's 4 records, 3 per page, newest first.
	page1, err := st.ListPredictions(ctx, prediction.Query{UserID: "u1", Limit: 3})
	if err != nil || len(page1) != 3 || page1[0].ID != recs[6].ID || page1[2].ID != recs[2].ID {
		t.Fatalf("page1 = %d records, %v", len(page1), err)
	}
	last := page1[2]
	page2, err := st.ListPredictions(ctx, prediction.Query{UserID: "u1", Limit: 3, After: prediction.Cursor{At: last.CreatedAt, ID: last.ID}})
	if err != nil || len(page2) != 1 || page2[0].ID != recs[0].ID {
		t.Fatalf("page2 = %+v, %v", page2, err)
	}
	// Filters.
	anger, _ := st.ListPredictions(ctx, prediction.Query{Emotion: "anger", Limit: 100})
	if len(anger) != 3 {
		t.Errorf("emotion=anger: %d records, want 3", len(anger))
	}
	neutral, _ := st.ListPredictions(ctx, prediction.Query{UserID: "u2", Emotion: "neutral", Limit: 100})
	if len(neutral) != 3 {
		t.Errorf("u2 emotion=neutral: %d records, want 3", len(neutral))
	}
	byTerm, _ := st.ListPredictions(ctx, prediction.Query{Term: term(4), Limit: 100})
	if len(byTerm) != 1 || byTerm[0].ID != recs[4].ID {
		t.Errorf("term search: %d records", len(byTerm))
	}
	// Personal-data terms are found only when the query asks for them.
	if got, _ := st.ListPredictions(ctx, prediction.Query{Term: term(104), Limit: 100}); len(got) != 0 {
		t.Errorf("a personal-data term was found without TermInPII: %d records", len(got))
	}
	if got, _ := st.ListPredictions(ctx, prediction.Query{Term: term(104), TermInPII: true, Limit: 100}); len(got) != 1 || got[0].ID != recs[4].ID {
		t.Errorf("personal-data term with TermInPII: %d records, want recs[4]", len(got))
	}
	// A term straddling two stored terms ("00" of common00 + 6 bytes of the
	// next) matches in SQL but not at a boundary: skipped, and the page is
	// still filled from the rows after it.
	straddle := append([]byte("00"), term(3)[:prediction.TermSize-2]...)
	if got, _ := st.ListPredictions(ctx, prediction.Query{Term: straddle, Limit: 1}); len(got) != 0 {
		t.Errorf("a match across a term boundary was returned: %d records", len(got))
	}
	common2, _ := st.ListPredictions(ctx, prediction.Query{UserID: "u1", Term: []byte("common00"), Limit: 2})
	if len(common2) != 2 || common2[0].ID != recs[6].ID || common2[1].ID != recs[4].ID {
		t.Errorf("common term, user u1, limit 2: %d records", len(common2))
	}
	// Ownership on delete.
	if err := st.DeletePrediction(ctx, recs[0].ID, "u2"); !errors.Is(err, prediction.ErrNotFound) {
		t.Errorf("delete by non-owner err = %v, want ErrNotFound", err)
	}
	if err := st.SaveFeedback(ctx, recs[0].ID, "u1", []string{"joy"}, base); err != nil {
		t.Fatalf("SaveFeedback: %v", err)
	}
	if err := st.DeletePrediction(ctx, recs[0].ID, "u1"); err != nil {
		t.Fatalf("delete by owner: %v", err)
	}
	common, _ := st.ListPredictions(ctx, prediction.Query{Term: []byte("common00"), Limit: 100})
	if len(common) != 6 {
		t.Errorf("after delete, common term matches %d, want 6 (index entries must go)", len(common))
	}
	n, err := st.DeleteUserPredictions(ctx, "u2")
	if err != nil || n != 3 {
		t.Errorf("DeleteUserPredictions = %d, %v; want 3", n, err)
	}
	n, err = st.PurgePredictions(ctx, base.Add(5*time.Second))
	if err != nil || n != 2 { // u1's records at 2s and 4s
		t.Errorf("PurgePredictions = %d, %v; want 2", n, err)
	}
	left, _ := st.ListPredictions(ctx, prediction.Query{Limit: 100})
	if len(left) != 1 || left[0].ID != recs[6].ID {
		t.Errorf("left %d records, want only the newest", len(left))
	}
	testPredictionEdges(t, st)
}

// term returns a distinct TermSize-byte test term.
func term(i int) []byte {
	return []byte(fmt.Sprintf("t%07d", i))
}

// testSessionCutoff: a user's dashboard-session cut-off is stored to the
// nanosecond, read back by UserByID, UserByName and the listings, never
// moves back, and EndAllSessionsBefore moves every user's.
func testSessionCutoff(t *testing.T, st *Store) {
	ctx := context.Background()
	now := time.Date(2026, 2, 1, 0, 0, 0, 123456789, time.UTC)
	u, _, err := users.Ensure(ctx, st, "cutoff-a", rbac.RoleAnalyst, now)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := users.Ensure(ctx, st, "cutoff-b", rbac.RoleUser, now)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := st.UserByID(ctx, u.ID); got.SessionsAfter != nil || got.SessionEnded(now) {
		t.Fatalf("a new user has a cut-off: %+v", got)
	}
	later := now.Add(time.Hour)
	for _, at := range []time.Time{later, now} { // the second would move it back
		if err := st.EndSessionsBefore(ctx, u.ID, at); err != nil {
			t.Fatalf("EndSessionsBefore: %v", err)
		}
	}
	got, err := st.UserByName(ctx, "cutoff-a")
	if err != nil || got.SessionsAfter == nil || !got.SessionsAfter.Equal(later) {
		t.Fatalf("after EndSessionsBefore(later) then (earlier): %+v, %v; want cut-off %v", got, err, later)
	}
	if !got.SessionEnded(later.Add(-time.Nanosecond)) || got.SessionEnded(later) {
		t.Errorf("SessionEnded around the cut-off: before %v, at %v; want true, false", got.SessionEnded(later.Add(-time.Nanosecond)), got.SessionEnded(later))
	}
	if err := st.EndSessionsBefore(ctx, "usr_nobody", later); !errors.Is(err, users.ErrNotFound) {
		t.Errorf("EndSessionsBefore(unknown) = %v, want users.ErrNotFound", err)
	}
	all := later.Add(time.Minute)
	if err := st.EndAllSessionsBefore(ctx, all); err != nil {
		t.Fatal(err)
	}
	if err := st.EndAllSessionsBefore(ctx, now); err != nil { // never back
		t.Fatal(err)
	}
	list, err := st.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, x := range list {
		if x.ID == u.ID || x.ID == v.ID {
			seen++
			if x.SessionsAfter == nil || !x.SessionsAfter.Equal(all) {
				t.Errorf("after EndAllSessionsBefore: %s cut-off %v, want %v", x.Name, x.SessionsAfter, all)
			}
		}
	}
	if seen != 2 {
		t.Errorf("ListUsers found %d of the 2 users", seen)
	}
}
