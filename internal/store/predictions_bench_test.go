package store

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/randid"
)

// benchRecords returns n records of user with 13 random terms each, as a
// 70-character text would have, and a 100-byte sealed text.
func benchRecords(rng *rand.Rand, user string, at time.Time, n int) []prediction.Record {
	rs := make([]prediction.Record, n)
	for i := range rs {
		terms := make([]byte, 13*prediction.TermSize)
		for j := 0; j < len(terms); j += 8 {
			binary.LittleEndian.PutUint64(terms[j:], rng.Uint64())
		}
		sealed := make([]byte, 100)
		rs[i] = prediction.Record{
			ID: randid.Timed("pred_", at), UserID: user, KeyID: "key_bench", Sealed: sealed, TextKeyID: "k1",
			TextChars: 70, Taxonomy: "goemotions", Primary: "joy", Confidence: 0.9, ModelVersion: "m1",
			Emotions:  []prediction.Score{{Emotion: "joy", Confidence: 0.9}, {Emotion: "excitement", Confidence: 0.6}},
			CreatedAt: at, Terms: terms[:11*8], PIITerms: terms[11*8:],
		}
	}
	return rs
}

// fillStore saves n records of user in commits of 256.
func fillStore(b *testing.B, st *Store, rng *rand.Rand, user string, n int) {
	b.Helper()
	at := time.Now().Add(-time.Hour) // old enough for search blocks
	for i := 0; i < n; i += 256 {
		at = at.Add(time.Millisecond)
		if err := st.SavePredictions(context.Background(), benchRecords(rng, user, at, min(256, n-i))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSavePredictions is the store's write path: 32 predictions per
// commit (a group commit under load), SQLite with synchronous=FULL.
func BenchmarkSavePredictions(b *testing.B) {
	st, err := Open(context.Background(), "", b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	for b.Loop() {
		if err := st.SavePredictions(context.Background(), benchRecords(rng, "usr_bench", time.Now(), 32)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*32)/1000, "µs/prediction")
}

// BenchmarkSearchUser is a word search that matches nothing for a user
// with 20,000 predictions (make bench measures 100,000 end to end), in
// four cases:
//
//   - unchanged: the database does not change between searches, so each
//     read connection keeps its page cache;
//   - after-commit: another user's prediction is committed before each
//     search, as on a server that is also storing predictions. SQLite
//     drops a connection's whole page cache when another connection has
//     changed the database, so every page the search reads is fetched and
//     parsed again. The commit itself is in the figure (≈ 0.4 ms of CPU,
//     most of it fsync);
//   - blocks: the user's search blocks are built, so the search reads the
//     blocks' filters and the few blocks they let through;
//   - scan: no blocks (the builder stopped): every index entry of the
//     user is read, the worst case, as before the blocks.
func BenchmarkSearchUser(b *testing.B) {
	const n = 20_000
	for _, commit := range []bool{false, true} {
		for _, blocks := range []bool{true, false} {
			name := map[bool]string{false: "unchanged", true: "after-commit"}[commit] + "/" + map[bool]string{false: "scan", true: "blocks"}[blocks]
			b.Run(name, func(b *testing.B) { benchSearch(b, n, commit, blocks) })
		}
	}
}

func benchSearch(b *testing.B, n int, commit, blocks bool) {
	ctx := context.Background()
	st, err := Open(ctx, "", b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	fillStore(b, st, rng, "usr_other", n/4)
	fillStore(b, st, rng, "usr_bench", n)
	st.blocks.stop()
	if blocks {
		if err := st.buildUserBlocks(ctx, "usr_bench"); err != nil {
			b.Fatal(err)
		}
	}
	// A term is a keyed hash: random bytes, like the stored ones.
	term := binary.LittleEndian.AppendUint64(nil, rng.Uint64())
	q := prediction.Query{UserID: "usr_bench", Term: term, TermInPII: true, Limit: 21}
	b.ResetTimer()
	// CPU time per search, less disturbed by other load than wall time.
	var r0, r1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
	for b.Loop() {
		if commit {
			if err := st.SavePredictions(ctx, benchRecords(rng, "usr_other", time.Now(), 1)); err != nil {
				b.Fatal(err)
			}
		}
		got, err := st.ListPredictions(ctx, q)
		if err != nil || len(got) != 0 {
			b.Fatalf("search: %d records, %v", len(got), err)
		}
	}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
	cpu := r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano()
	b.ReportMetric(float64(cpu)/1e6/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(r1.Minflt-r0.Minflt)/float64(b.N), "page-faults/op")
}
