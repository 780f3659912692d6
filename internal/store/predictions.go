package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/prediction"
)

var _ prediction.Store = (*Store)(nil)

// SavePredictions inserts records with their emotion rows and blind-index
// terms in one transaction.
func (s *Store) SavePredictions(ctx context.Context, rs []prediction.Record) error {
	return s.tx(ctx, func(t *txn) error {
		for _, r := range rs {
			emo, err := json.Marshal(r.Emotions)
			if err != nil {
				return err
			}
			if _, err := t.exec(ctx, `INSERT INTO predictions (id, user_id, key_id, text_sealed, text_key_id, text_chars,
				taxonomy, emotions, primary_emotion, confidence, model_version, request_id, flags, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				r.ID, r.UserID, r.KeyID, r.Sealed, r.TextKeyID, r.TextChars, r.Taxonomy, string(emo),
				r.Primary, r.Confidence, r.ModelVersion, r.RequestID, strings.Join(r.Flags, ","), ns(r.CreatedAt)); err != nil {
				return fmt.Errorf("store: save prediction: %w", err)
			}
			emotions := make([]any, len(r.Emotions))
			for i, e := range r.Emotions {
				emotions[i] = e.Emotion
			}
			if err := t.insertPairs(ctx, `INSERT INTO prediction_emotions (prediction_id, emotion) VALUES `, r.ID, emotions); err != nil {
				return fmt.Errorf("store: save prediction emotion: %w", err)
			}
			terms := make([]any, len(r.Terms))
			for i, term := range r.Terms {
				terms[i] = term
			}
			if err := t.insertPairs(ctx, `INSERT INTO prediction_terms (prediction_id, term) VALUES `, r.ID, terms); err != nil {
				return fmt.Errorf("store: save prediction term: %w", err)
			}
		}
		return nil
	})
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
func (s *Store) ListPredictions(ctx context.Context, q prediction.Query) ([]prediction.Record, error) {
	var where []string
	var args []any
	from := `predictions p`
	if q.Emotion != "" {
		from += ` JOIN prediction_emotions e ON e.prediction_id = p.id AND e.emotion = ?`
		args = append(args, q.Emotion)
	}
	if q.Term != nil {
		from += ` JOIN prediction_terms t ON t.prediction_id = p.id AND t.term = ?`
		args = append(args, q.Term)
	}
	if q.UserID != "" {
		where = append(where, `p.user_id = ?`)
		args = append(args, q.UserID)
	}
	if !q.After.IsZero() {
		at := q.After.At.UnixNano()
		where = append(where, `(p.created_at < ? OR (p.created_at = ? AND p.id < ?))`)
		args = append(args, at, at, q.After.ID)
	}
	sqlq := `SELECT ` + predictionColumns + ` FROM ` + from
	if len(where) > 0 {
		sqlq += ` WHERE ` + strings.Join(where, ` AND `)
	}
	// The limit is an int, written into the SQL rather than bound: SQLite
	// (3.47+) lets a bound LIMIT steer the plan, which expires the statement
	// on every bind and so compiled each listing twice (see BENCHMARKS.md).
	sqlq += ` ORDER BY p.created_at DESC, p.id DESC LIMIT ` + strconv.Itoa(q.Limit)
	rows, err := s.query(ctx, sqlq, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list predictions: %w", err)
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

// DeletePrediction removes one record (of userID, or any owner when
// userID is "") with its emotion rows, terms and feedback.
func (s *Store) DeletePrediction(ctx context.Context, id, userID string) error {
	return s.tx(ctx, func(t *txn) error {
		q, args := `DELETE FROM predictions WHERE id = ?`, []any{id}
		if userID != "" {
			q, args = q+` AND user_id = ?`, append(args, userID)
		}
		res, err := t.exec(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("store: delete prediction: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return prediction.ErrNotFound
		}
		return nil
	})
}

// DeleteUserPredictions removes every record of userID.
func (s *Store) DeleteUserPredictions(ctx context.Context, userID string) (int, error) {
	res, err := s.exec(ctx, `DELETE FROM predictions WHERE user_id = ?`, userID)
	if err != nil {
		return 0, fmt.Errorf("store: erase user predictions: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// PurgePredictions removes records created before before, in batches so a
// large purge never holds the write lock for long.
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
			return total, nil
		}
	}
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

// pairChunk bounds the rows of one multi-row INSERT (2 parameters each),
// far below SQLite's and PostgreSQL's parameter limits.
const pairChunk = 200

// insertPairs inserts (id, v) for every v with multi-row INSERT statements
// of at most pairChunk rows: one statement to compile and run instead of
// one per row. prefix is "INSERT INTO t (a, b) VALUES ".
func (t *txn) insertPairs(ctx context.Context, prefix, id string, vs []any) error {
	for len(vs) > 0 {
		n := min(len(vs), pairChunk)
		var b strings.Builder
		b.Grow(len(prefix) + n*8)
		b.WriteString(prefix)
		args := make([]any, 0, 2*n)
		for i, v := range vs[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?)")
			args = append(args, id, v)
		}
		if _, err := t.exec(ctx, b.String(), args...); err != nil {
			return err
		}
		vs = vs[n:]
	}
	return nil
}
