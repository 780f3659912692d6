package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/prediction"
)

func TestBlockFilter(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	term := func() []byte { return binary.LittleEndian.AppendUint64(nil, rng.Uint64()) }
	f := make(blockFilter, filterBytes)
	var packed []byte
	for range blockTerms {
		packed = append(packed, term()...)
	}
	f.addTerms(packed)
	for i := 0; i < len(packed); i += prediction.TermSize {
		if !f.mayHold(packed[i : i+prediction.TermSize]) {
			t.Fatalf("term %d of %d is not in the filter", i/prediction.TermSize, blockTerms)
		}
	}
	// False positives of a full block: ≈ 0.6 % expected (592 with this
	// seed; a seventh bit set per term would make it ≈ 1.1 %).
	fp := 0
	for range 100_000 {
		if f.mayHold(term()) {
			fp++
		}
	}
	if fp > 800 {
		t.Errorf("%d false positives in 100,000 absent terms (%.2f %%)", fp, float64(fp)/1000)
	}
	if !blockFilter(nil).mayHold(packed[:prediction.TermSize]) || !f.mayHold([]byte("short")) {
		t.Error("a filter of the wrong size, or a malformed term, must let the search through")
	}
}

// blockModel is a SQLite store with a stopped builder, a clock far ahead
// (every row is old enough for a block) and the rows of one user as the
// test wrote them.
type blockModel struct {
	t     *testing.T
	st    *Store
	rng   *rand.Rand
	rows  map[string]prediction.Record
	next  int
	vocab [][]byte
}

const blockUser = "usr_blocks"

func newBlockModel(t *testing.T, seed uint64) *blockModel {
	st := openStoppedBuilder(t, Options{Now: func() time.Time { return time.Now().Add(24 * time.Hour) }})
	m := &blockModel{t: t, st: st, rng: rand.New(rand.NewPCG(seed, 7)), rows: map[string]prediction.Record{}}
	for range 200 {
		m.vocab = append(m.vocab, binary.LittleEndian.AppendUint64(nil, m.rng.Uint64()))
	}
	return m
}

// openStoppedBuilder opens a SQLite store in a temporary directory, closed
// when the test ends, with its block builder stopped.
func openStoppedBuilder(t *testing.T, opt Options) *Store {
	t.Helper()
	st, err := Open(context.Background(), "", t.TempDir(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	st.blocks.stop()
	return st
}

// rareWords of the vocabulary are only in late rows, so that the blocks'
// filters lack them and a late row that no filter holds would be missed.
const rareWords = 4

// save stores n records of user at times from base on, a few sharing a
// time, each with 1–30 words of the vocabulary past the rare ones.
func (m *blockModel) save(user string, base int64, n int) {
	m.t.Helper()
	times := make([]int64, n)
	for i := range times {
		times[i] = base + int64(i/3)*1000
	}
	m.saveAt(user, times, nil)
}

// saveAt stores, in one commit, a record of user at each of times, each
// also holding the word extra.
func (m *blockModel) saveAt(user string, times []int64, extra []byte) {
	m.t.Helper()
	rs := make([]prediction.Record, len(times))
	for i := range rs {
		terms, pii := slices.Clone(extra), []byte(nil)
		for range 1 + m.rng.IntN(30) {
			w := m.vocab[rareWords+m.rng.IntN(len(m.vocab)-rareWords)]
			if m.rng.IntN(8) == 0 {
				pii = append(pii, w...)
			} else {
				terms = append(terms, w...)
			}
		}
		m.next++
		rs[i] = prediction.Record{ID: fmt.Sprintf("pred_%06d", m.next), UserID: user, KeyID: "k", Sealed: []byte{1},
			TextKeyID: "k1", TextChars: 1, Taxonomy: "goemotions", Primary: "joy", ModelVersion: "m",
			Emotions:  []prediction.Score{{Emotion: "joy", Confidence: 0.5}},
			CreatedAt: time.Unix(0, times[i]), Terms: terms, PIITerms: pii}
		if user == blockUser {
			m.rows[rs[i].ID] = rs[i]
		}
	}
	if err := m.st.SavePredictions(context.Background(), rs); err != nil {
		m.t.Fatal(err)
	}
}

func (m *blockModel) build() {
	m.t.Helper()
	if err := m.st.buildUserBlocks(context.Background(), blockUser); err != nil {
		m.t.Fatal(err)
	}
}

// check compares every page of a search for each vocabulary word with the
// rows that hold it, and the blocks with their invariant.
func (m *blockModel) check(step string) {
	m.t.Helper()
	ctx := context.Background()
	for wi, w := range m.vocab[:8] {
		for _, pii := range []bool{false, true} {
			var want []string
			for _, r := range m.rows {
				if prediction.Contains(r.Terms, w) || (pii && prediction.Contains(r.PIITerms, w)) {
					want = append(want, r.ID)
				}
			}
			slices.SortFunc(want, func(a, b string) int { return m.order(b, a) })
			var got []string
			q := prediction.Query{UserID: blockUser, Term: w, TermInPII: pii, Limit: 1 + wi*13}
			for {
				page, err := m.st.ListPredictions(ctx, q)
				if err != nil {
					m.t.Fatal(err)
				}
				if len(page) > q.Limit {
					m.t.Fatalf("%s: word %d: a page of %d records, limit %d", step, wi, len(page), q.Limit)
				}
				for _, r := range page {
					got = append(got, r.ID)
				}
				if len(page) < q.Limit {
					break
				}
				last := page[len(page)-1]
				q.After = prediction.Cursor{At: last.CreatedAt, ID: last.ID}
			}
			if !slices.Equal(got, want) {
				m.t.Fatalf("%s: word %d (pii %v, pages of %d): got %d ids, want %d\ngot  %v\nwant %v", step, wi, pii, 1+wi*13, len(got), len(want), got, want)
			}
		}
	}
	m.checkInvariant(step)
}

// noBlocks fails the test if a block of the user meets cond.
func (m *blockModel) noBlocks(cond string, arg any) {
	m.t.Helper()
	var n int
	if err := m.st.queryRow(context.Background(), `SELECT count(*) FROM search_blocks WHERE user_id = ? AND `+cond, blockUser, arg).Scan(&n); err != nil || n != 0 {
		m.t.Fatalf("%d blocks where %s (%v)", n, cond, err)
	}
}

// order compares two stored rows of the user in listing order (oldest first).
func (m *blockModel) order(a, b string) int {
	ra, rb := m.rows[a], m.rows[b]
	if c := ra.CreatedAt.Compare(rb.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// blocks returns all the user's blocks, newest first.
func (m *blockModel) blocks() []searchBlock {
	m.t.Helper()
	var blocks []searchBlock
	for hi := cursorPos(prediction.Cursor{}); ; {
		chunk, err := m.st.blocksBelow(context.Background(), blockUser, hi)
		if err != nil {
			m.t.Fatal(err)
		}
		blocks = append(blocks, chunk...)
		if len(chunk) < blockChunk {
			return blocks
		}
		hi = chunk[len(chunk)-1].first
	}
}

// checkInvariant: the user's blocks are contiguous, every row in a block's
// range is in its filter, and no block reaches past the newest row.
func (m *blockModel) checkInvariant(step string) {
	m.t.Helper()
	blocks := m.blocks()
	ids := make([]string, 0, len(m.rows))
	for id := range m.rows {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return m.order(b, a) }) // newest first
	in := func(id string, b searchBlock) int {
		p := pos{at: m.rows[id].CreatedAt.UnixNano(), id: id}
		switch {
		case p.at > b.last.at || (p.at == b.last.at && p.id > b.last.id):
			return 1
		case p.at < b.first.at || (p.at == b.first.at && p.id < b.first.id):
			return -1
		}
		return 0
	}
	for i, b := range blocks {
		for _, id := range ids {
			r := m.rows[id]
			switch in(id, b) {
			case 0:
				for j := 0; j < len(r.Terms); j += prediction.TermSize {
					if !b.filter.mayHold(r.Terms[j : j+prediction.TermSize]) {
						m.t.Fatalf("%s: block %d lacks a term of %s", step, i, id)
					}
				}
				for j := 0; j < len(r.PIITerms); j += prediction.TermSize {
					if !b.pii.mayHold(r.PIITerms[j : j+prediction.TermSize]) {
						m.t.Fatalf("%s: block %d lacks a personal-data term of %s", step, i, id)
					}
				}
			case 1:
				if i > 0 && in(id, blocks[i-1]) == -1 {
					m.t.Fatalf("%s: %s lies between blocks %d and %d", step, id, i-1, i)
				}
			}
		}
	}
}

// TestBlockSearchMatchesModel runs random saves, late saves, builds,
// deletions, purges and erasures, and after each compares every page of
// word searches with the rows the test wrote.
func TestBlockSearchMatchesModel(t *testing.T) {
	t.Parallel()
	m := newBlockModel(t, 11)
	ctx := context.Background()
	start := int64(1_000_000_000)
	now := start
	m.save("usr_other", now, 300)
	for step := range 40 {
		name := fmt.Sprintf("step %d", step)
		switch op := m.rng.IntN(10); {
		case op < 4: // new rows, in time order
			m.save(blockUser, now, 1+m.rng.IntN(400))
			now += 1_000_000
			name += " save"
		case op < 6:
			m.build()
			name += " build"
		case op == 6: // late rows, inside the blocks' ranges
			m.build()
			for range 1 + m.rng.IntN(20) {
				// A current row first, in the same commit: the blocks to
				// drop are those of the commit's oldest row.
				m.saveAt(blockUser, []int64{now, start + m.rng.Int64N(now-start+1)}, m.vocab[m.rng.IntN(rareWords)])
			}
			name += " late save"
		case op == 7: // delete one row
			for id := range m.rows {
				if err := m.st.DeletePrediction(ctx, id, blockUser); err != nil {
					t.Fatal(err)
				}
				// Its terms leave the filters with the blocks from its time on.
				m.noBlocks(`last_at >= ?`, m.rows[id].CreatedAt.UnixNano())
				delete(m.rows, id)
				break
			}
			name += " delete"
		case op == 8: // purge the oldest part
			cut := time.Unix(0, start+m.rng.Int64N((now-start)/2+1))
			if _, err := m.st.PurgePredictions(ctx, cut); err != nil {
				t.Fatal(err)
			}
			m.noBlocks(`first_at < ?`, cut.UnixNano())
			for id, r := range m.rows {
				if r.CreatedAt.Before(cut) {
					delete(m.rows, id)
				}
			}
			name += " purge"
		default: // another user's rows and erasure leave this user's alone
			if _, err := m.st.DeleteUserPredictions(ctx, "usr_other"); err != nil {
				t.Fatal(err)
			}
			m.save("usr_other", now, 50)
			name += " other user"
		}
		m.check(name)
	}
	var n int
	if err := m.st.queryRow(ctx, `SELECT count(*) FROM search_blocks WHERE user_id = ?`, blockUser).Scan(&n); err != nil || n == 0 {
		t.Fatalf("the run ended with %d blocks (%v): it did not exercise them", n, err)
	}
}

// TestBlockSearchUsesFilters shows that a search trusts the filters: a
// block whose filter is emptied hides its rows (so the invariant that
// TestBlockSearchMatchesModel checks is what keeps searches exact), and
// erasing the user removes the blocks.
func TestBlockSearchUsesFilters(t *testing.T) {
	t.Parallel()
	m := newBlockModel(t, 12)
	ctx := context.Background()
	m.save(blockUser, 1_000_000_000, 3*blockRows)
	m.build()
	w := m.vocab[rareWords]
	count := func() int {
		got, err := m.st.ListPredictions(ctx, prediction.Query{UserID: blockUser, Term: w, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return len(got)
	}
	before := count()
	if _, err := m.st.exec(ctx, `UPDATE search_blocks SET filter = zeroblob(length(filter)), pii_filter = zeroblob(length(pii_filter)) WHERE user_id = ?`, blockUser); err != nil {
		t.Fatal(err)
	}
	if after := count(); after >= before {
		t.Fatalf("emptied filters: %d matches, before %d: the search does not use the blocks", after, before)
	}
	if _, err := m.st.DeleteUserPredictions(ctx, blockUser); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := m.st.queryRow(ctx, `SELECT count(*) FROM search_blocks`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d blocks left after erasing the user (%v)", n, err)
	}
}

// TestBlockBuilderRunsOnSearch: a first-page search that finds many rows
// outside blocks gets them built in the background; rows younger than
// blockMargin are left out.
func TestBlockBuilderRunsOnSearch(t *testing.T) {
	t.Parallel()
	st, err := Open(context.Background(), "", t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(8, 9))
	old := benchRecords(rng, blockUser, time.Now().Add(-time.Hour), 3*blockRows)
	young := benchRecords(rng, blockUser, time.Now().Add(time.Hour), 3*blockRows)
	if err := st.SavePredictions(ctx, append(old, young...)); err != nil {
		t.Fatal(err)
	}
	term := binary.LittleEndian.AppendUint64(nil, rng.Uint64())
	deadline := time.Now().Add(20 * time.Second)
	var n int
	for n < 3 && time.Now().Before(deadline) {
		if _, err := st.ListPredictions(ctx, prediction.Query{UserID: blockUser, Term: term, Limit: 10}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
		if err := st.queryRow(ctx, `SELECT count(*) FROM search_blocks WHERE user_id = ?`, blockUser).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	if n != 3 {
		t.Fatalf("%d blocks built, want 3 (the old rows only)", n)
	}
}

// TestBlockSearchManyBlocks: more blocks than a search reads at once.
func TestBlockSearchManyBlocks(t *testing.T) {
	t.Parallel()
	m := newBlockModel(t, 13)
	m.vocab = m.vocab[:20]
	for i := range 3 {
		m.save(blockUser, int64(1+i)*1_000_000_000, (blockChunk+2)*blockRows/3)
	}
	m.build()
	m.check("many blocks")
	var n int
	if err := m.st.queryRow(context.Background(), `SELECT count(*) FROM search_blocks`).Scan(&n); err != nil || n <= blockChunk {
		t.Fatalf("%d blocks (%v), want more than %d", n, err, blockChunk)
	}
}

// TestBlockPIIFilterApart: a word found only among personal-data terms
// opens a block for a reader who may search personal data, not for one
// who may not, so the time of an analyst's search does not depend on it.
func TestBlockPIIFilterApart(t *testing.T) {
	t.Parallel()
	m := newBlockModel(t, 14)
	piiWord := m.vocab[0] // a rare word: save never uses it
	m.save(blockUser, 1_000_000_000, 2*blockRows)
	// The oldest row, in the first block, also holds piiWord as personal data.
	ctx := context.Background()
	var oldest prediction.Record
	for _, r := range m.rows {
		if oldest.ID == "" || m.order(r.ID, oldest.ID) < 0 {
			oldest = r
		}
	}
	if _, err := m.st.exec(ctx, `UPDATE predictions SET pii_terms = ? WHERE id = ?`, append(slices.Clone(oldest.PIITerms), piiWord...), oldest.ID); err != nil {
		t.Fatal(err)
	}
	m.build()
	blocks := m.blocks()
	if b := blocks[len(blocks)-1]; b.mayHold(piiWord, false) || !b.mayHold(piiWord, true) {
		t.Errorf("a personal-data word: may hold it without personal data %v, with %v; want false, true",
			b.mayHold(piiWord, false), b.mayHold(piiWord, true))
	}
}

// TestBlockBuildLeavesNewestSecond: a build covers only rows at least
// blockMargin old, so a late row of the last second does not drop blocks.
func TestBlockBuildLeavesNewestSecond(t *testing.T) {
	t.Parallel()
	now := time.Now()
	st := openStoppedBuilder(t, Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(10, 11))
	old := benchRecords(rng, blockUser, now.Add(-time.Hour), blockRows)
	young := benchRecords(rng, blockUser, now.Add(-blockMargin/2), blockRows)
	if err := st.SavePredictions(ctx, append(old, young...)); err != nil {
		t.Fatal(err)
	}
	if err := st.buildUserBlocks(ctx, blockUser); err != nil {
		t.Fatal(err)
	}
	var n int
	var last int64
	if err := st.queryRow(ctx, `SELECT count(*), coalesce(max(last_at), 0) FROM search_blocks WHERE user_id = ?`, blockUser).Scan(&n, &last); err != nil {
		t.Fatal(err)
	}
	if n != 1 || last >= ns(now.Add(-blockMargin)) {
		t.Errorf("%d blocks ending at %v, want 1 ending before %v (the last second's rows stay out)", n, time.Unix(0, last), now.Add(-blockMargin))
	}
}

// TestBlockRequestNeedsTwoBlocks: a first-page search asks the builder
// only once two blocks' worth of the user's rows lie outside blocks.
func TestBlockRequestNeedsTwoBlocks(t *testing.T) {
	t.Parallel()
	st := openStoppedBuilder(t, Options{})
	queue := make(chan string, 1)
	st.blocks.queue = queue
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(12, 13))
	rs := benchRecords(rng, blockUser, time.Now().Add(-time.Hour), 2*blockRows)
	if err := st.SavePredictions(ctx, rs[:2*blockRows-1]); err != nil {
		t.Fatal(err)
	}
	if err := st.requestBlocksIfNeeded(ctx, blockUser, nil); err != nil {
		t.Fatal(err)
	}
	if len(queue) != 0 {
		t.Fatalf("builder asked with %d rows outside blocks, want only from %d", 2*blockRows-1, 2*blockRows)
	}
	if err := st.SavePredictions(ctx, rs[2*blockRows-1:]); err != nil {
		t.Fatal(err)
	}
	if err := st.requestBlocksIfNeeded(ctx, blockUser, nil); err != nil {
		t.Fatal(err)
	}
	if len(queue) != 1 || <-queue != blockUser {
		t.Fatalf("builder not asked with %d rows outside blocks", 2*blockRows)
	}
}
