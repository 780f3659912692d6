package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/samo-brain/samo/internal/metrics"
	"github.com/samo-brain/samo/internal/secevent"
)

var _ metrics.Store = (*Store)(nil)

// FeedbackCounts compares, for the newest limit feedback rows, the emotions
// each prediction returned (predictions.emotions, those at or above its
// threshold) with the true labels given as feedback, and counts per
// taxonomy and emotion: TP (predicted and true), FP (predicted, not true),
// FN (true, not predicted). The comparison runs in Go over one joined
// query, the same for both dialects.
func (s *Store) FeedbackCounts(ctx context.Context, limit int) ([]metrics.LabelCounts, int, error) {
	if limit <= 0 || limit > 1_000_000 {
		limit = 50000
	}
	rows, err := s.query(ctx, `SELECT p.taxonomy, p.emotions, f.labels FROM feedback f
		JOIN predictions p ON p.id = f.prediction_id ORDER BY f.created_at DESC, f.prediction_id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("store: feedback counts: %w", err)
	}
	defer rows.Close()
	type key struct{ tax, emo string }
	acc := map[key]*metrics.LabelCounts{}
	get := func(tax, emo string) *metrics.LabelCounts {
		k := key{tax, emo}
		c := acc[k]
		if c == nil {
			c = &metrics.LabelCounts{Taxonomy: tax, Emotion: emo}
			acc[k] = c
		}
		return c
	}
	n := 0
	for rows.Next() {
		var tax, emoJSON, labelsJSON string
		if err := rows.Scan(&tax, &emoJSON, &labelsJSON); err != nil {
			return nil, 0, s.wrap(err)
		}
		var predicted []struct {
			Emotion string `json:"emotion"`
		}
		var truth []string
		if json.Unmarshal([]byte(emoJSON), &predicted) != nil || json.Unmarshal([]byte(labelsJSON), &truth) != nil {
			continue // a corrupt row is skipped, not fatal for the summary
		}
		n++
		isTrue := make(map[string]bool, len(truth))
		for _, l := range truth {
			isTrue[l] = true
		}
		isPredicted := make(map[string]bool, len(predicted))
		for _, p := range predicted {
			if isPredicted[p.Emotion] {
				continue
			}
			isPredicted[p.Emotion] = true
			if isTrue[p.Emotion] {
				get(tax, p.Emotion).TP++
			} else {
				get(tax, p.Emotion).FP++
			}
		}
		for l := range isTrue {
			if !isPredicted[l] {
				get(tax, l).FN++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, s.wrap(err)
	}
	out := make([]metrics.LabelCounts, 0, len(acc))
	for _, c := range acc {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Taxonomy < out[j].Taxonomy || out[i].Taxonomy == out[j].Taxonomy && out[i].Emotion < out[j].Emotion
	})
	return out, n, nil
}

// EventSeverityCounts counts security events at or after since by severity
// (all four severities present, zero when none).
func (s *Store) EventSeverityCounts(ctx context.Context, since time.Time) (map[secevent.Severity]int, error) {
	rows, err := s.query(ctx, `SELECT severity, COUNT(*) FROM security_events WHERE at >= ? GROUP BY severity`, ns(since))
	if err != nil {
		return nil, fmt.Errorf("store: event severity counts: %w", err)
	}
	defer rows.Close()
	out := map[secevent.Severity]int{secevent.Low: 0, secevent.Medium: 0, secevent.High: 0, secevent.Critical: 0}
	for rows.Next() {
		var sev string
		var n int
		if err := rows.Scan(&sev, &n); err != nil {
			return nil, s.wrap(err)
		}
		out[secevent.Severity(sev)] += n
	}
	return out, s.wrap(rows.Err())
}
