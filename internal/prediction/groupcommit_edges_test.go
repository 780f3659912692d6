package prediction

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

// A caller that announced itself and saved is no longer awaited: the next
// commit does not wait for it.
func TestGroupCommitAnnouncementEndsWithSave(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGroupCommit(&recordingStore{})
		g.expect()
		start := time.Now()
		if err := g.saveExpected(context.Background(), recs("a")); err != nil {
			t.Fatal(err)
		}
		if err := g.SavePredictions(context.Background(), recs("b")); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("commits waited %v for a caller that had already saved", waited)
		}
	})
}

// A group holds up to maxGroupRecords records, the bound included.
func TestGroupCommitFillsGroupExactly(t *testing.T) {
	st := &recordingStore{gate: make(chan struct{}, 10), entered: make(chan struct{}, 10)}
	g := newGroupCommit(st)
	done := make(chan error, 3)
	go func() { done <- g.SavePredictions(context.Background(), recs("head")) }()
	<-st.entered // "head" is being written; the next saves queue behind it
	half := func(prefix string) []Record {
		ids := make([]string, maxGroupRecords/2)
		for i := range ids {
			ids[i] = fmt.Sprintf("%s%d", prefix, i)
		}
		return recs(ids...)
	}
	go func() { done <- g.SavePredictions(context.Background(), half("a")) }()
	waitQueued(t, g, 1)
	go func() { done <- g.SavePredictions(context.Background(), half("b")) }()
	waitQueued(t, g, 2)
	for range 3 {
		st.gate <- struct{}{}
	}
	for range 3 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if len(st.calls) != 2 || len(st.calls[1]) != maxGroupRecords {
		sizes := make([]int, len(st.calls))
		for i, c := range st.calls {
			sizes[i] = len(c)
		}
		t.Errorf("transactions of %v records, want [1 %d]", sizes, maxGroupRecords)
	}
}

// A writer that finds maxGroupRecords callers queued commits at once: the
// group is full, so waiting for an announced caller could not add it.
func TestGroupCommitFullQueueDoesNotWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &recordingStore{gate: make(chan struct{}, 2), entered: make(chan struct{}, 2)}
		g := newGroupCommit(st)
		done := make(chan error, maxGroupRecords+1)
		go func() { done <- g.SavePredictions(context.Background(), recs("head")) }()
		<-st.entered // "head" holds the writer slot; the others queue behind it
		for i := range maxGroupRecords {
			go func() { done <- g.SavePredictions(context.Background(), recs(fmt.Sprint("r", i))) }()
		}
		synctest.Wait()
		g.mu.Lock()
		queued := len(g.queue)
		g.mu.Unlock()
		if queued != maxGroupRecords {
			t.Fatalf("%d callers queued, want %d", queued, maxGroupRecords)
		}
		g.expect() // a caller still predicting, which never saves
		start := time.Now()
		st.gate <- struct{}{}
		st.gate <- struct{}{}
		for range maxGroupRecords + 1 {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("a full group waited %v for an announced caller", waited)
		}
		if len(st.calls) != 2 || len(st.calls[1]) != maxGroupRecords {
			t.Errorf("%d transactions, want 2 (the head, then %d records)", len(st.calls), maxGroupRecords)
		}
	})
}
