package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

// PurgeEvents deletes exactly the events older than the cut-off, on every
// backend, across several batches.
func TestPurgeEvents(t *testing.T) {
	t.Parallel()
	for name, st := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			cut := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			var es []secevent.Event
			old := purgeEventsBatch + 7
			for i := range old {
				es = append(es, secevent.Event{ID: fmt.Sprintf("evt_old_%s_%d", name, i), Type: secevent.AuthFailure, Severity: secevent.Low,
					Time: cut.Add(-time.Duration(i+1) * time.Second), ClientIP: "192.0.2.1"})
			}
			for i := range 5 {
				es = append(es, secevent.Event{ID: fmt.Sprintf("evt_new_%s_%d", name, i), Type: secevent.AuthFailure, Severity: secevent.Low,
					Time: cut.Add(time.Duration(i) * time.Second), ClientIP: "192.0.2.1"})
			}
			if err := st.WriteEvents(ctx, es); err != nil {
				t.Fatal(err)
			}
			n, err := st.PurgeEvents(ctx, cut)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(old) {
				t.Errorf("purged %d, want %d", n, old)
			}
			left, err := st.ListEvents(ctx, secevent.Filter{Limit: 10000})
			if err != nil {
				t.Fatal(err)
			}
			kept := 0
			for _, e := range left {
				if e.Time.Before(cut) {
					t.Errorf("event %s at %v survived the purge", e.ID, e.Time)
				}
				if e.ClientIP == "192.0.2.1" {
					kept++
				}
			}
			if kept != 5 {
				t.Errorf("%d recent events kept, want 5", kept)
			}
		})
	}
}
