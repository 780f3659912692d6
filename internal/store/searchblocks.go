package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/samo-brain/samo/internal/prediction"
)

// Search blocks (SQLite only; table search_blocks). A word search of one
// user would otherwise read every index entry of the user, and SQLite's
// readers drop their page cache whenever another connection commits, so
// on a server that is storing predictions every such search re-reads the
// user's whole index range. A block holds two Bloom filters, of the plain
// and of the personal-data terms of a run of consecutive predictions of one
// user (listing order: created_at, id), and a search scans only the runs
// whose filters may hold the word (the personal one only for readers who may
// search personal data, so a search's time tells an analyst nothing about
// personal data).
//
// Blocks are a cache of the predictions table and never the only copy of
// anything. Their invariant, kept by every write in the writer's
// transactions: a user's blocks are contiguous (no row lies between two
// of them) and every row a block's range covers is in its filters. So:
//
//   - saving a prediction drops the user's blocks whose range ends at or
//     after its created_at (normally none: blocks only cover rows at least
//     blockMargin old, and rows arrive in time order);
//   - deleting one prediction drops the blocks from its time on; erasing a
//     user drops all of the user's; a purge drops every block that starts
//     before the purge time;
//   - the builder only appends a block after the user's newest one.
//
// A search scans directly the rows newer than the newest block (and those
// of a block the cursor is inside) and the rows older than the oldest
// block, and the blocks in between whose filter may hold the word. The
// builder runs in one goroutine, asked by searches that found a long run
// of rows not yet in blocks (data written before migration 0011 included).
const (
	blockRows    = 256         // a block closes at this many predictions…
	blockTerms   = 3000        // …or at this many plain terms…
	blockPII     = 750         // …or at this many personal-data terms
	filterBytes  = 4096        // plain filter: ≈ 0.6 % false positives at blockTerms
	piiBytes     = 1024        // personal-data filter: the same at blockPII
	filterHashes = 6           // bits set per term
	blockMargin  = time.Second // only rows at least this old go into a block
	blocksPerTx  = 8           // blocks built per write transaction
	blockChunk   = 32          // blocks a search reads per query
)

// blockFilter is a Bloom filter of blind-index terms. Terms are keyed
// hashes, so its bits reveal nothing the terms do not.
type blockFilter []byte

// addTerms sets the bits of every term packed in packed.
func (f blockFilter) addTerms(packed []byte) {
	for i := 0; i+prediction.TermSize <= len(packed); i += prediction.TermSize {
		h1, h2 := filterHash(packed[i : i+prediction.TermSize])
		m := uint32(len(f) * 8)
		for j := uint32(0); j < filterHashes; j++ {
			b := (h1 + j*h2) % m
			f[b/8] |= 1 << (b % 8)
		}
	}
}

// mayHold reports whether term may be among the filter's terms; false is
// certain. An empty filter, or a malformed term, may hold anything.
func (f blockFilter) mayHold(term []byte) bool {
	if len(f) == 0 || len(f) > filterBytes || len(term) != prediction.TermSize {
		return true
	}
	h1, h2 := filterHash(term)
	m := uint32(len(f) * 8)
	for j := uint32(0); j < filterHashes; j++ {
		b := (h1 + j*h2) % m
		if f[b/8]&(1<<(b%8)) == 0 {
			return false
		}
	}
	return true
}

// filterHash derives the two hashes of double hashing from a term, mixed
// so that they do not reuse the bytes of the row filter
// (prediction.TermFilter) as they are.
func filterHash(term []byte) (h1, h2 uint32) {
	x := binary.LittleEndian.Uint64(term) * 0x9e3779b97f4a7c15
	return uint32(x >> 32), uint32(x) | 1
}

// searchBlock is one block: its range, inclusive, its number of rows and
// its filters of plain and of personal-data terms.
type searchBlock struct {
	first, last pos
	rows        int
	filter, pii blockFilter
}

// mayHold reports whether the block's rows may hold term (among their
// personal-data terms too when inPII).
func (b searchBlock) mayHold(term []byte, inPII bool) bool {
	return b.filter.mayHold(term) || (inPII && b.pii.mayHold(term))
}

// blockBuilder runs the block builder goroutine.
type blockBuilder struct {
	queue  chan string // users whose blocks to extend
	cancel context.CancelFunc
	done   chan struct{}
}

// startBlocks prepares the writer's statement that drops blocks and starts
// the builder.
func (s *Store) startBlocks(ctx context.Context) error {
	var err error
	if s.dropBlocks, err = s.w.PrepareContext(ctx, dropBlocksFrom); err != nil {
		return fmt.Errorf("store: prepare: %w", s.wrap(err))
	}
	bctx, cancel := context.WithCancel(context.Background())
	b := &blockBuilder{queue: make(chan string, 64), cancel: cancel, done: make(chan struct{})}
	s.blocks = b
	go func() {
		defer close(b.done)
		for {
			select {
			case <-bctx.Done():
				return
			case user := <-b.queue:
				// An error leaves the blocks as they are: the next search
				// that finds the user's rows uncovered asks again.
				_ = s.buildUserBlocks(bctx, user)
			}
		}
	}()
	return nil
}

// stop ends the builder and waits for it.
func (b *blockBuilder) stop() {
	b.cancel()
	<-b.done
}

// request asks the builder to extend user's blocks; it never waits.
func (b *blockBuilder) request(user string) {
	select {
	case b.queue <- user:
	default:
	}
}

// dropBlocksFrom removes a user's blocks whose range ends at or after a
// time: the write path runs it for every user it saves predictions of.
const dropBlocksFrom = `DELETE FROM search_blocks WHERE user_id = ? AND last_at >= ?`

// dropBlocksOf runs dropBlocksFrom in t for the oldest record of each user in rs.
func (s *Store) dropBlocksOf(ctx context.Context, t *txn, rs []prediction.Record) error {
	drop := t.stmt(ctx, s.dropBlocks, dropBlocksFrom)
	oldest := make(map[string]int64, 1)
	for _, r := range rs {
		if at, ok := oldest[r.UserID]; !ok || ns(r.CreatedAt) < at {
			oldest[r.UserID] = ns(r.CreatedAt)
		}
	}
	for user, at := range oldest {
		if _, err := drop(ctx, user, at); err != nil {
			return fmt.Errorf("store: drop search blocks: %w", err)
		}
	}
	return nil
}

// buildUserBlocks appends every full block it can after user's newest,
// blocksPerTx per transaction.
func (s *Store) buildUserBlocks(ctx context.Context, user string) error {
	for {
		n, err := s.buildBlocks(ctx, user, blocksPerTx)
		if err != nil || n < blocksPerTx {
			return err
		}
	}
}

// buildBlocks appends up to max full blocks after user's newest block, in
// one transaction, from rows at least blockMargin old, and returns how many
// it wrote.
func (s *Store) buildBlocks(ctx context.Context, user string, max int) (int, error) {
	var built int
	err := s.tx(ctx, func(t *txn) error {
		built = 0
		after := pos{at: math.MinInt64}
		err := t.queryRow(ctx, `SELECT last_at, last_id FROM search_blocks WHERE user_id = ?
			ORDER BY last_at DESC, last_id DESC LIMIT 1`, user).Scan(&after.at, &after.id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return s.wrap(err)
		}
		rows, err := t.query(ctx, `SELECT id, created_at, terms, pii_terms FROM predictions
			WHERE user_id = ? AND created_at >= ? AND (created_at > ? OR (created_at = ? AND id > ?)) AND created_at < ?
			ORDER BY created_at, id LIMIT `+strconv.Itoa(max*blockRows),
			user, after.at, after.at, after.at, after.id, ns(s.now().Add(-blockMargin)))
		if err != nil {
			return err
		}
		var blocks []searchBlock
		var cur searchBlock
		terms, pii := 0, 0
		for len(blocks) < max && rows.Next() {
			var p pos
			var t1, t2 []byte
			if err := rows.Scan(&p.id, &p.at, &t1, &t2); err != nil {
				return s.wrap(errors.Join(err, rows.Close()))
			}
			if cur.rows == 0 {
				cur = searchBlock{first: p, filter: make(blockFilter, filterBytes), pii: make(blockFilter, piiBytes)}
			}
			cur.filter.addTerms(t1)
			cur.pii.addTerms(t2)
			cur.last = p
			cur.rows++
			terms += len(t1) / prediction.TermSize
			pii += len(t2) / prediction.TermSize
			if cur.rows == blockRows || terms >= blockTerms || pii >= blockPII {
				blocks = append(blocks, cur)
				cur, terms, pii = searchBlock{}, 0, 0
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return s.wrap(err)
		}
		// A last, partial block waits for more rows.
		for _, b := range blocks {
			if _, err := t.exec(ctx, `INSERT INTO search_blocks (user_id, last_at, last_id, first_at, first_id, rows, filter, pii_filter)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, user, b.last.at, b.last.id, b.first.at, b.first.id, b.rows, []byte(b.filter), []byte(b.pii)); err != nil {
				return fmt.Errorf("store: save search block: %w", err)
			}
		}
		built = len(blocks)
		return nil
	})
	return built, err
}

// blockSearch is matchingIDs for a word search of one user: the rows newer
// than the newest block below the cursor, then each block whose filter may
// hold the word, then the rows older than the oldest block. A first page
// that found many rows outside blocks asks the builder for more.
func (s *Store) blockSearch(ctx context.Context, q prediction.Query) ([]string, error) {
	hi := cursorPos(q.After)
	var ids []string
	scan := func(sp span) error {
		got, err := s.scanIDs(ctx, q, sp, q.Limit-len(ids))
		ids = append(ids, got...)
		return err
	}
	var newest *pos // the newest block's end, once read
	for {
		blocks, err := s.blocksBelow(ctx, q.UserID, hi)
		if err != nil {
			return nil, err
		}
		for _, b := range blocks {
			if newest == nil {
				newest = &b.last
				if err := scan(span{hi: hi, lo: newest}); err != nil {
					return nil, err
				}
			}
			if len(ids) < q.Limit && b.mayHold(q.Term, q.TermInPII) {
				if err := scan(span{hi: b.last, hiIn: true, lo: &b.first, loIn: true}); err != nil {
					return nil, err
				}
			}
			if len(ids) >= q.Limit {
				return ids, nil
			}
			hi = b.first
		}
		if len(blocks) < blockChunk {
			break
		}
	}
	if len(ids) < q.Limit {
		if err := scan(span{hi: hi}); err != nil {
			return nil, err
		}
	}
	if q.After.IsZero() {
		if err := s.requestBlocksIfNeeded(ctx, q.UserID, newest); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// blocksBelow reads up to blockChunk of user's blocks that end before hi,
// newest first.
func (s *Store) blocksBelow(ctx context.Context, user string, hi pos) ([]searchBlock, error) {
	rows, err := s.query(ctx, `SELECT first_at, first_id, last_at, last_id, filter, pii_filter FROM search_blocks
		WHERE user_id = ? AND last_at <= ? AND (last_at < ? OR (last_at = ? AND last_id < ?))
		ORDER BY last_at DESC, last_id DESC LIMIT `+strconv.Itoa(blockChunk), user, hi.at, hi.at, hi.at, hi.id)
	if err != nil {
		return nil, fmt.Errorf("store: read search blocks: %w", err)
	}
	var out []searchBlock
	for rows.Next() {
		var b searchBlock
		var f, pii []byte
		if err := rows.Scan(&b.first.at, &b.first.id, &b.last.at, &b.last.id, &f, &pii); err != nil {
			return nil, s.wrap(errors.Join(err, rows.Close()))
		}
		b.filter, b.pii = f, pii
		out = append(out, b)
	}
	return out, s.wrap(errors.Join(rows.Err(), rows.Close()))
}

// requestBlocksIfNeeded asks the builder for user's blocks when at least
// two blocks' worth of rows lie after the newest block (after nothing when
// newest is nil). It reads at most that many index entries.
func (s *Store) requestBlocksIfNeeded(ctx context.Context, user string, newest *pos) error {
	after := pos{at: math.MinInt64}
	if newest != nil {
		after = *newest
	}
	var n int
	err := s.queryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM predictions
		WHERE user_id = ? AND created_at >= ? AND (created_at > ? OR (created_at = ? AND id > ?)) LIMIT `+strconv.Itoa(2*blockRows)+`)`,
		user, after.at, after.at, after.at, after.id).Scan(&n)
	if err != nil {
		return fmt.Errorf("store: count unindexed predictions: %w", s.wrap(err))
	}
	if n >= 2*blockRows {
		s.blocks.request(user)
	}
	return nil
}
