package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/prediction"
)

var _ prediction.Store = (*Store)(nil)

// insertPrediction writes one record; SQLite runs it prepared (Open prepares
// it on the writer connection, s.insertPred).
const insertPrediction = `INSERT INTO predictions (id, user_id, key_id, text_sealed, text_key_id, text_chars,
	taxonomy, emotions, emotion_bits, primary_emotion, confidence, model_version, request_id, flags,
	terms, pii_terms, term_filter, created_at)
	VALUES ` + predictionValues

// predictionValues is one record's tuple of insertPrediction.
const predictionValues = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// maxInsertRows bounds the records of one multi-row INSERT on PostgreSQL
// (18 parameters each, far below its 65,535).
const maxInsertRows = 256

// SavePredictions inserts records, one row each, in one transaction. On
// SQLite each row is an execution of the prepared statement (in process);
// on PostgreSQL one INSERT carries up to maxInsertRows rows, so a group
// commit costs one round trip for its rows instead of one per row.
func (s *Store) SavePredictions(ctx context.Context, rs []prediction.Record) error {
	return s.tx(ctx, func(t *txn) error {
		if s.insertPred == nil {
			for len(rs) > 0 {
				n := min(len(rs), maxInsertRows)
				if err := insertPredictions(ctx, t, rs[:n]); err != nil {
					return err
				}
				rs = rs[n:]
			}
			return nil
		}
		ins := t.stmt(ctx, s.insertPred, insertPrediction)
		for _, r := range rs {
			args, err := predictionArgs(r, nil)
			if err != nil {
				return err
			}
			if _, err := ins(ctx, args...); err != nil {
				return fmt.Errorf("store: save prediction: %w", err)
			}
		}
		return s.dropBlocksOf(ctx, t, rs)
	})
}

// insertPredictions writes rs with one INSERT statement.
func insertPredictions(ctx context.Context, t *txn, rs []prediction.Record) error {
	var q strings.Builder
	q.Grow(len(insertPrediction) + len(rs)*(len(predictionValues)+2))
	q.WriteString(insertPrediction)
	args := make([]any, 0, len(rs)*18)
	for i, r := range rs {
		if i > 0 {
			q.WriteString(", ")
			q.WriteString(predictionValues)
		}
		var err error
		if args, err = predictionArgs(r, args); err != nil {
			return err
		}
	}
	if _, err := t.exec(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("store: save %d predictions: %w", len(rs), err)
	}
	return nil
}

// predictionArgs appends r's column values, in insertPrediction's order, to args.
func predictionArgs(r prediction.Record, args []any) ([]any, error) {
	emo, err := json.Marshal(r.Emotions)
	if err != nil {
		return nil, err
	}
	return append(args, r.ID, r.UserID, r.KeyID, r.Sealed, r.TextKeyID, r.TextChars, r.Taxonomy, string(emo),
		int64(prediction.EmotionBits(r.Emotions)), r.Primary, r.Confidence, r.ModelVersion, r.RequestID,
		strings.Join(r.Flags, ","), nonNil(r.Terms), nonNil(r.PIITerms), prediction.TermFilter(r.Terms, r.PIITerms),
		ns(r.CreatedAt)), nil
}

// nonNil stores an empty byte string rather than NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

const predictionColumns = `p.id, p.user_id, p.key_id, p.text_sealed, p.text_key_id, p.text_chars, p.taxonomy,
	p.emotions, p.primary_emotion, p.confidence, p.model_version, p.request_id, p.flags, p.created_at`

type scanner interface{ Scan(dest ...any) error }

func scanPrediction(sc scanner) (prediction.Record, error) {
	var r prediction.Record
	var emo, flags string
	var created int64
	if err := sc.Scan(&r.ID, &r.UserID, &r.KeyID, &r.Sealed, &r.TextKeyID, &r.TextChars, &r.Taxonomy,
		&emo, &r.Primary, &r.Confidence, &r.ModelVersion, &r.RequestID, &flags, &created); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(emo), &r.Emotions); err != nil {
		return r, fmt.Errorf("store: prediction %s: corrupt emotions: %w", r.ID, err)
	}
	if flags != "" {
		r.Flags = strings.Split(flags, ",")
	}
	r.CreatedAt = fromNS(created)
	return r, nil
}

// PredictionByID returns one record or prediction.ErrNotFound.
func (s *Store) PredictionByID(ctx context.Context, id string) (prediction.Record, error) {
	r, err := scanPrediction(s.queryRow(ctx, `SELECT `+predictionColumns+` FROM predictions p WHERE p.id = ?`, id))
	if err = s.wrap(err); errors.Is(err, ErrNotFound) {
		return r, prediction.ErrNotFound
	}
	return r, err
}

// ListPredictions returns records matching q, newest first.
//
// A per-user listing walks the (user_id, created_at, id) index, which also
// holds each row's emotion bits and packed terms. A filtered listing runs in
// two steps: it finds the ids of a page in the index alone, then reads
// those rows by id (SQLite seeks a WITHOUT ROWID table's row as soon as it
// reads an index entry, so one query would read every row it filters out).
// A word search passes over rows whose term filter (a 64-bit Bloom filter
// of their terms, prediction.TermFilter) lacks the word's bits, matches the
// term anywhere in the packed terms in SQL (instr, position) and then at a
// term boundary here; a row that only matched across a boundary is skipped
// and the scan goes on after it, so pages stay exact.
func (s *Store) ListPredictions(ctx context.Context, q prediction.Query) ([]prediction.Record, error) {
	if q.Emotion == "" && q.Term == nil {
		sqlq, args := s.listQuery(q, predictionColumns, span{hi: cursorPos(q.After)})
		recs, err := s.scanPredictions(ctx, sqlq, args)
		if err != nil {
			return nil, fmt.Errorf("store: list predictions: %w", err)
		}
		return recs, nil
	}
	ids, err := s.matchingIDs(ctx, q)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	sqlq := `SELECT ` + predictionColumns + ` FROM predictions p WHERE p.id IN (?` + strings.Repeat(`, ?`, len(ids)-1) +
		`) ORDER BY p.created_at DESC, p.id DESC`
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	recs, err := s.scanPredictions(ctx, sqlq, args)
	if err != nil {
		return nil, fmt.Errorf("store: list predictions: %w", err)
	}
	return recs, nil
}

// matchingIDs returns the ids of the page q selects, from the index alone.
// A word search of one user on SQLite goes through the search blocks
// (searchblocks.go).
func (s *Store) matchingIDs(ctx context.Context, q prediction.Query) ([]string, error) {
	if s.blocks != nil && q.UserID != "" && q.Term != nil {
		return s.blockSearch(ctx, q)
	}
	return s.scanIDs(ctx, q, span{hi: cursorPos(q.After)}, q.Limit)
}

// pos is a place in the listing order, created_at then id.
type pos struct {
	at int64
	id string
}

// cursorPos is where a listing after c starts: past every row for the start.
func cursorPos(c prediction.Cursor) pos {
	if c.IsZero() {
		return pos{at: math.MaxInt64}
	}
	return pos{at: c.At.UnixNano(), id: c.ID}
}

// span bounds a scan: rows below hi (or at it when hiIn) and, when lo is
// set, above lo (or at it when loIn).
type span struct {
	hi   pos
	hiIn bool
	lo   *pos
	loIn bool
}

// scanIDs returns the ids of up to want rows of q's page within sp, newest
// first, from the index alone.
func (s *Store) scanIDs(ctx context.Context, q prediction.Query, sp span, want int) ([]string, error) {
	cols := `p.id, p.created_at`
	if q.Term != nil {
		cols += `, p.terms, p.pii_terms`
	}
	var ids []string
	for {
		sqlq, args := s.listQuery(q, cols, sp)
		rows, err := s.query(ctx, sqlq, args...)
		if err != nil {
			return nil, fmt.Errorf("store: list predictions: %w", err)
		}
		var lastID string
		var lastAt int64
		scanned := 0
		for rows.Next() {
			var terms, pii []byte
			dest := []any{&lastID, &lastAt}
			if q.Term != nil {
				dest = append(dest, &terms, &pii)
			}
			if err := rows.Scan(dest...); err != nil {
				return nil, s.wrap(errors.Join(err, rows.Close()))
			}
			scanned++
			if q.Term == nil || prediction.Contains(terms, q.Term) || (q.TermInPII && prediction.Contains(pii, q.Term)) {
				ids = append(ids, lastID)
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, s.wrap(err)
		}
		if len(ids) >= want || scanned < q.Limit {
			return ids[:min(len(ids), want)], nil
		}
		// A search skipped a row: continue after the last row scanned.
		sp.hi, sp.hiIn = pos{at: lastAt, id: lastID}, false
	}
}

func (s *Store) scanPredictions(ctx context.Context, sqlq string, args []any) ([]prediction.Record, error) {
	rows, err := s.query(ctx, sqlq, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []prediction.Record
	for rows.Next() {
		r, err := scanPrediction(rows)
		if err != nil {
			return nil, s.wrap(err)
		}
		out = append(out, r)
	}
	return out, s.wrap(rows.Err())
}

// listQuery builds the SQL selecting cols for the rows of q within sp,
// newest first, at most q.Limit of them.
func (s *Store) listQuery(q prediction.Query, cols string, sp span) (string, []any) {
	where := []string{}
	var args []any
	if q.UserID != "" {
		where = append(where, `p.user_id = ?`)
		args = append(args, q.UserID)
	}
	if q.Emotion != "" {
		where = append(where, `(p.emotion_bits & ?) <> 0`)
		args = append(args, int64(prediction.EmotionBit(q.Emotion)))
	}
	if q.Term != nil {
		// The filter first, most rows fail it without their terms being
		// read; in a CASE, because PostgreSQL orders a WHERE clause's
		// conditions by estimated cost and would search every row's terms.
		f := prediction.TermFilter(q.Term)
		args = append(args, f, f)
		match := `instr(%s, ?) > 0`
		if s.dialect == Postgres {
			match = `position(? in %s) > 0`
		}
		cond := fmt.Sprintf(match, "p.terms")
		args = append(args, q.Term)
		if q.TermInPII {
			cond = `(` + cond + ` OR ` + fmt.Sprintf(match, "p.pii_terms") + `)`
			args = append(args, q.Term)
		}
		where = append(where, `CASE WHEN (p.term_filter & ?) = ? THEN `+cond+` ELSE FALSE END`)
	}
	if sp.lo != nil {
		op := ">"
		if sp.loIn {
			op = ">="
		}
		where = append(where, `p.created_at >= ? AND (p.created_at > ? OR (p.created_at = ? AND p.id `+op+` ?))`)
		args = append(args, sp.lo.at, sp.lo.at, sp.lo.at, sp.lo.id)
	}
	op := "<"
	if sp.hiIn {
		op = "<="
	}
	// Each bound repeats its time alone, which the index range can use
	// (SQLite does not seek on an OR).
	where = append(where, `p.created_at <= ? AND (p.created_at < ? OR (p.created_at = ? AND p.id `+op+` ?))`)
	args = append(args, sp.hi.at, sp.hi.at, sp.hi.at, sp.hi.id)
	// The limit is an int, written into the SQL rather than bound: SQLite
	// (3.47+) lets a bound LIMIT steer the plan, which expires the statement
	// on every bind and so compiled each listing twice (see BENCHMARKS.md).
	return `SELECT ` + cols + ` FROM predictions p WHERE ` + strings.Join(where, ` AND `) +
		` ORDER BY p.created_at DESC, p.id DESC LIMIT ` + strconv.Itoa(q.Limit), args
}

// DeletePrediction removes one record (of userID, or any owner when
// userID is "") with its feedback.
func (s *Store) DeletePrediction(ctx context.Context, id, userID string) error {
	return s.tx(ctx, func(t *txn) error {
		q, args := `DELETE FROM predictions WHERE id = ?`, []any{id}
		if userID != "" {
			q, args = q+` AND user_id = ?`, append(args, userID)
		}
		var owner string
		var at int64
		err := t.queryRow(ctx, q+` RETURNING user_id, created_at`, args...).Scan(&owner, &at)
		if errors.Is(err, sql.ErrNoRows) {
			return prediction.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: delete prediction: %w", s.wrap(err))
		}
		if s.blocks != nil {
			if _, err := t.exec(ctx, dropBlocksFrom, owner, at); err != nil {
				return fmt.Errorf("store: delete prediction: %w", err)
			}
		}
		return nil
	})
}

// DeleteUserPredictions removes every record of userID.
func (s *Store) DeleteUserPredictions(ctx context.Context, userID string) (int, error) {
	var n int64
	err := s.tx(ctx, func(t *txn) error {
		res, err := t.exec(ctx, `DELETE FROM predictions WHERE user_id = ?`, userID)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		if s.blocks != nil {
			_, err = t.exec(ctx, `DELETE FROM search_blocks WHERE user_id = ?`, userID)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: erase user predictions: %w", err)
	}
	return int(n), nil
}

// PurgePredictions removes records created before before, in batches so a
// large purge never holds the write lock for long, then the search blocks
// that start before it.
func (s *Store) PurgePredictions(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		res, err := s.exec(ctx, `DELETE FROM predictions WHERE id IN (SELECT id FROM predictions WHERE created_at < ? LIMIT 500)`, ns(before))
		if err != nil {
			return total, fmt.Errorf("store: purge predictions: %w", err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
		if n < 500 {
			break
		}
	}
	if s.blocks != nil {
		if _, err := s.exec(ctx, `DELETE FROM search_blocks WHERE first_at < ?`, ns(before)); err != nil {
			return total, fmt.Errorf("store: purge search blocks: %w", err)
		}
	}
	return total, nil
}

// SaveFeedback stores (or replaces) the true labels of a prediction.
func (s *Store) SaveFeedback(ctx context.Context, predictionID, userID string, labels []string, at time.Time) error {
	b, err := json.Marshal(labels)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO feedback (prediction_id, user_id, labels, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (prediction_id) DO UPDATE SET user_id = excluded.user_id, labels = excluded.labels, created_at = excluded.created_at`,
		predictionID, userID, string(b), ns(at))
	if err != nil {
		return fmt.Errorf("store: save feedback: %w", err)
	}
	return nil
}
