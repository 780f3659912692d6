package store

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/prediction"
)

// TestTermFilterConformance checks that every saved record stores the
// Bloom filter of its terms and that a word search goes through it: a row
// whose filter lacks the word is passed over, and an all-ones filter (rows
// written before the column existed) lets every search reach the terms.
func TestTermFilterConformance(t *testing.T) {
	t.Parallel()
	for _, name := range backendNames() {
		t.Run(name, func(t *testing.T) {
			st := backend(t, name)
			ctx := context.Background()
			rs := benchRecords(rand.New(rand.NewPCG(3, 4)), "usr_filter", time.Now(), 40)
			if err := st.SavePredictions(ctx, rs); err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				var got int64
				if err := st.queryRow(ctx, `SELECT term_filter FROM predictions WHERE id = ?`, r.ID).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if want := prediction.TermFilter(r.Terms, r.PIITerms); got != want {
					t.Fatalf("%s: term_filter %x, want %x", r.ID, uint64(got), uint64(want))
				}
			}
			r := rs[7]
			term := r.Terms[2*prediction.TermSize : 3*prediction.TermSize]
			search := func() int {
				t.Helper()
				got, err := st.ListPredictions(ctx, prediction.Query{UserID: r.UserID, Term: term, Limit: 50})
				if err != nil {
					t.Fatal(err)
				}
				return len(got)
			}
			if n := search(); n != 1 {
				t.Fatalf("search found %d records, want 1", n)
			}
			for _, c := range []struct {
				filter int64
				want   int
			}{{0, 0}, {-1, 1}} {
				if _, err := st.exec(ctx, `UPDATE predictions SET term_filter = ? WHERE id = ?`, c.filter, r.ID); err != nil {
					t.Fatal(err)
				}
				if n := search(); n != c.want {
					t.Errorf("filter %x: search found %d records, want %d", uint64(c.filter), n, c.want)
				}
			}
		})
	}
}
