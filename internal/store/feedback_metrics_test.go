package store

import (
	"context"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/metrics"
	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/secevent"
)

func TestFeedbackCounts(t *testing.T) {
	t.Parallel()
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			pred := func(id, tax string, emos ...string) prediction.Record {
				r := prediction.Record{ID: id, UserID: "u1", Sealed: []byte("x"), TextKeyID: "k1", TextChars: 1, Taxonomy: tax,
					Primary: emos[0], Confidence: 0.9, ModelVersion: "m", CreatedAt: t0}
				for _, e := range emos {
					r.Emotions = append(r.Emotions, prediction.Score{Emotion: e, Confidence: 0.9})
				}
				return r
			}
			recs := []prediction.Record{
				pred("p1", "goemotions", "joy", "love"),
				pred("p2", "goemotions", "anger"),
				pred("p3", "goemotions", "joy"),
				pred("p4", "ekman", "joy"),
				pred("p5", "goemotions", "fear"), // no feedback: not counted
			}
			if err := s.SavePredictions(ctx, recs); err != nil {
				t.Fatal(err)
			}
			fb := map[string][]string{
				"p1": {"joy"},             // joy TP, love FP
				"p2": {"annoyance"},       // anger FP, annoyance FN
				"p3": {"joy", "optimism"}, // joy TP, optimism FN
				"p4": {"sadness"},         // ekman joy FP, sadness FN
			}
			i := 0
			for id, labels := range fb {
				if err := s.SaveFeedback(ctx, id, "u1", labels, t0.Add(time.Duration(i)*time.Second)); err != nil {
					t.Fatal(err)
				}
				i++
			}
			got, n, err := s.FeedbackCounts(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			want := []metrics.LabelCounts{
				{Taxonomy: "ekman", Emotion: "joy", FP: 1},
				{Taxonomy: "ekman", Emotion: "sadness", FN: 1},
				{Taxonomy: "goemotions", Emotion: "anger", FP: 1},
				{Taxonomy: "goemotions", Emotion: "annoyance", FN: 1},
				{Taxonomy: "goemotions", Emotion: "joy", TP: 2},
				{Taxonomy: "goemotions", Emotion: "love", FP: 1},
				{Taxonomy: "goemotions", Emotion: "optimism", FN: 1},
			}
			if n != 4 || len(got) != len(want) {
				t.Fatalf("FeedbackCounts = %+v (%d rows), want %+v (4 rows)", got, n, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
				}
			}
			// The window keeps the newest feedback only.
			if _, n, _ := s.FeedbackCounts(ctx, 2); n != 2 {
				t.Errorf("window of 2 read %d rows", n)
			}
		})
	}
}

func TestEventSeverityCounts(t *testing.T) {
	t.Parallel()
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			seedReportEvents(t, s)
			got, err := s.EventSeverityCounts(ctx, t0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			want := map[secevent.Severity]int{secevent.Low: 1, secevent.Medium: 6, secevent.High: 0, secevent.Critical: 0}
			for sev, n := range want {
				if got[sev] != n {
					t.Errorf("%s = %d, want %d", sev, got[sev], n)
				}
			}
		})
	}
}
