package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/randid"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/users"
)

// testPredictionEdges checks the edges of the prediction store that the
// main conformance test does not reach: flags, a search match that
// straddles two terms, a page continued past such a match, that feedback
// is stored, and a purge of more than one batch. It leaves the store as it found it.
func testPredictionEdges(t *testing.T, st *Store) {
	ctx := context.Background()
	base := time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)
	mk := func(user string, i int, terms []byte, flags []string) prediction.Record {
		at := base.Add(time.Duration(i) * time.Second)
		return prediction.Record{
			ID: randid.Timed("pred_", at), UserID: user, KeyID: "key_1", Sealed: []byte{9, byte(i), byte(i >> 8)}, TextKeyID: "k1",
			TextChars: 10, Taxonomy: "goemotions", Primary: "joy", Confidence: 0.9, ModelVersion: "m1",
			Emotions: []prediction.Score{{Emotion: "joy", Confidence: 0.9}}, CreatedAt: at, Terms: terms, Flags: flags,
		}
	}
	// Flags come back as saved, and a record without flags has none.
	flagged, plain := mk("usr_edge", 1, term(1), []string{"sql_injection", "xss"}), mk("usr_edge", 2, term(2), nil)
	if err := st.SavePredictions(ctx, []prediction.Record{flagged, plain}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []prediction.Record{flagged, plain} {
		got, err := st.PredictionByID(ctx, want.ID)
		if err != nil || !slices.Equal(got.Flags, want.Flags) {
			t.Errorf("%s: flags %q, %v; want %q", want.ID, got.Flags, err, want.Flags)
		}
	}
	// "ABCDEFGH" straddles the two terms of the newest record (and its
	// filter holds the word's bits), so it is not a match; the two older
	// records hold it as a term. A page of two must skip the straddling
	// record and go on to both real matches.
	word := []byte("ABCDEFGH")
	straddle := mk("usr_edge", 30, []byte("ABCxABCDEFGHzzzz"), nil)
	real1, real2 := mk("usr_edge", 20, append(term(3), word...), nil), mk("usr_edge", 10, slices.Concat(word, term(4)), nil)
	if err := st.SavePredictions(ctx, []prediction.Record{straddle, real1, real2}); err != nil {
		t.Fatal(err)
	}
	got, err := st.ListPredictions(ctx, prediction.Query{UserID: "usr_edge", Term: word, Limit: 2})
	if err != nil || len(got) != 2 || got[0].ID != real1.ID || got[1].ID != real2.ID {
		t.Errorf("search page of 2 = %d records, %v; want the two records holding the word, newest first", len(got), err)
	}
	got, err = st.ListPredictions(ctx, prediction.Query{UserID: "usr_edge", Term: word, Limit: 10})
	if err != nil || len(got) != 2 {
		t.Errorf("search = %d records, %v; want 2 (a match across a term boundary is none)", len(got), err)
	}
	// Feedback is stored: the joined feedback rows grow by one.
	_, before, err := st.FeedbackCounts(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveFeedback(ctx, real1.ID, "usr_edge", []string{"joy"}, base); err != nil {
		t.Fatal(err)
	}
	if _, after, err := st.FeedbackCounts(ctx, 1000); err != nil || after != before+1 {
		t.Errorf("feedback rows %d → %d, %v; want one more", before, after, err)
	}
	if _, err := st.DeleteUserPredictions(ctx, "usr_edge"); err != nil {
		t.Fatal(err)
	}
	// A purge deletes in batches of 500 until a batch is short.
	old := make([]prediction.Record, 600)
	for i := range old {
		old[i] = mk("usr_purge", i, term(i), nil)
	}
	if err := st.SavePredictions(ctx, old); err != nil {
		t.Fatal(err)
	}
	if n, err := st.PurgePredictions(ctx, base.Add(time.Hour)); err != nil || n != 600 {
		t.Errorf("PurgePredictions = %d, %v; want all 600", n, err)
	}
	if left, _ := st.ListPredictions(ctx, prediction.Query{UserID: "usr_purge", Limit: 10}); len(left) != 0 {
		t.Errorf("%d old records left after the purge", len(left))
	}
}

// testKeyEdges checks the edges of the key store that the service-level
// test does not reach: page sizes, the lineage a rotation inherits, and a
// rotation that expires several previous keys at once.
func testKeyEdges(t *testing.T, st *Store) {
	ctx := context.Background()
	now := time.Date(2020, 4, 1, 0, 0, 0, 0, time.UTC) // before the pages test's users
	u, _, err := users.Ensure(ctx, st, "keyedges", rbac.RoleUser, now)
	if err != nil {
		t.Fatal(err)
	}
	key := func(i int, lineage string) apikey.Key {
		return apikey.Key{ID: fmt.Sprintf("key_edge%04d", i), UserID: u.ID, Name: "edge", Hash: []byte(fmt.Sprintf("edge-hash-%d", i)),
			Prefix: "edge", Status: apikey.StatusActive, CreatedAt: now.Add(time.Duration(i) * time.Second), Lineage: lineage}
	}
	for i := range 101 {
		if err := st.CreateKey(ctx, key(i, fmt.Sprintf("key_edge%04d", i))); err != nil {
			t.Fatal(err)
		}
	}
	// p.Limit is 1..1000; anything else means 100.
	for _, c := range []struct{ limit, want int }{{-1, 100}, {0, 100}, {1, 1}, {1000, 101}, {1001, 100}} {
		got, err := st.ListKeysPage(ctx, apikey.KeyPage{UserID: u.ID, Limit: c.limit})
		if err != nil || len(got) != c.want {
			t.Errorf("ListKeysPage(limit %d) = %d keys, %v; want %d", c.limit, len(got), err, c.want)
		}
	}
	// A rotation's new key without a lineage joins the old key's chain; with
	// backups = 0 it expires every other active key of the chain.
	grace := now.Add(24 * time.Hour)
	chain := []apikey.Key{key(0, "")}
	chain[0].ID = "key_edge0000"
	for i := 1; i <= 3; i++ {
		next := key(200+i, "")
		backups := 5
		if i == 3 {
			backups = 0
		}
		if err := st.RotateKey(ctx, chain[i-1].ID, next, grace, backups); err != nil {
			t.Fatalf("rotation %d: %v", i, err)
		}
		chain = append(chain, next)
	}
	for i, k := range chain {
		got, err := st.KeyByID(ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Lineage != "key_edge0000" {
			t.Errorf("key %d of the chain: lineage %q, want the first key's id", i, got.Lineage)
		}
		want := apikey.StatusExpired
		if i == len(chain)-1 {
			want = apikey.StatusActive
		}
		if got.Status != want {
			t.Errorf("key %d of the chain after a rotation with no backups: %s, want %s", i, got.Status, want)
		}
	}
}
