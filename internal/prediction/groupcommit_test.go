package prediction

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// recordingStore is a Store whose SavePredictions records every call,
// optionally blocks on gate, and refuses any transaction holding a record
// with ID "bad".
type recordingStore struct {
	Store
	mu      sync.Mutex
	calls   [][]string
	saved   map[string]bool
	gate    chan struct{} // when set, each save waits for a value
	entered chan struct{} // when set, receives a value as each save starts
}

var errBadRecord = errors.New("test: bad record")

func (s *recordingStore) SavePredictions(_ context.Context, rs []Record) error {
	if s.entered != nil {
		s.entered <- struct{}{}
	}
	if s.gate != nil {
		<-s.gate
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
		if r.ID == "bad" {
			s.calls = append(s.calls, ids)
			return errBadRecord
		}
	}
	s.calls = append(s.calls, ids)
	if s.saved == nil {
		s.saved = map[string]bool{}
	}
	for _, id := range ids {
		s.saved[id] = true
	}
	return nil
}

func recs(ids ...string) []Record {
	out := make([]Record, len(ids))
	for i, id := range ids {
		out[i].ID = id
	}
	return out
}

func TestGroupCommitGroupsConcurrentSaves(t *testing.T) {
	st := &recordingStore{gate: make(chan struct{}), entered: make(chan struct{}, 100)}
	g := newGroupCommit(st)
	// The first save holds the writer slot (blocked on gate) while nine more
	// queue up; they must then be written together in one transaction.
	errs := make(chan error, 10)
	go func() { errs <- g.SavePredictions(context.Background(), recs("r0")) }()
	<-st.entered
	var wg sync.WaitGroup
	for i := 1; i < 10; i++ {
		wg.Go(func() { errs <- g.SavePredictions(context.Background(), recs(fmt.Sprintf("r%d", i))) })
	}
	waitQueued(t, g, 9)
	close(st.gate)
	wg.Wait()
	for range 10 {
		if err := <-errs; err != nil {
			t.Errorf("SavePredictions: %v", err)
		}
	}
	if len(st.saved) != 10 {
		t.Errorf("saved %d records, want 10", len(st.saved))
	}
	if len(st.calls) != 2 {
		t.Errorf("%d transactions (%v), want 2: the first alone, then the nine queued behind it", len(st.calls), st.calls)
	}
}

// waitQueued waits until n saves are queued.
func waitQueued(t *testing.T, g *groupCommit, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		g.mu.Lock()
		q := len(g.queue)
		g.mu.Unlock()
		if q >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d saves queued after 5s, want %d", q, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestGroupCommitIsolatesAFailingCall(t *testing.T) {
	st := &recordingStore{gate: make(chan struct{}, 100), entered: make(chan struct{}, 100)}
	g := newGroupCommit(st)
	results := map[string]chan error{}
	for _, id := range []string{"first", "ok1", "bad", "ok2"} {
		results[id] = make(chan error, 1)
	}
	go func() { results["first"] <- g.SavePredictions(context.Background(), recs("first")) }()
	<-st.entered
	for _, id := range []string{"ok1", "bad", "ok2"} {
		go func() { results[id] <- g.SavePredictions(context.Background(), recs(id)) }()
	}
	waitQueued(t, g, 3)
	for range 10 {
		st.gate <- struct{}{}
	}
	tests := []struct {
		id      string
		wantErr error
	}{{"first", nil}, {"ok1", nil}, {"bad", errBadRecord}, {"ok2", nil}}
	for _, tc := range tests {
		if err := <-results[tc.id]; !errors.Is(err, tc.wantErr) {
			t.Errorf("%s: err = %v, want %v", tc.id, err, tc.wantErr)
		}
	}
	for _, id := range []string{"first", "ok1", "ok2"} {
		if !st.saved[id] {
			t.Errorf("record %s not saved", id)
		}
	}
	if st.saved["bad"] {
		t.Errorf("record bad saved")
	}
}

func TestGroupCommitCancelledWhileQueued(t *testing.T) {
	st := &recordingStore{gate: make(chan struct{}), entered: make(chan struct{}, 10)}
	g := newGroupCommit(st)
	first := make(chan error, 1)
	go func() { first <- g.SavePredictions(context.Background(), recs("first")) }()
	<-st.entered
	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() { second <- g.SavePredictions(ctx, recs("cancelled")) }()
	waitQueued(t, g, 1)
	cancel()
	if err := <-second; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled save: err = %v, want context.Canceled", err)
	}
	close(st.gate)
	if err := <-first; err != nil {
		t.Errorf("first save: %v", err)
	}
	if st.saved["cancelled"] {
		t.Errorf("a save withdrawn before it was picked up was written")
	}
}

func TestGroupCommitBoundsGroupSize(t *testing.T) {
	st := &recordingStore{gate: make(chan struct{}, 100), entered: make(chan struct{}, 100)}
	g := newGroupCommit(st)
	done := make(chan error, 4)
	go func() { done <- g.SavePredictions(context.Background(), recs("head")) }()
	<-st.entered
	big := func(prefix string) []Record {
		ids := make([]string, maxGroupRecords/2+1)
		for i := range ids {
			ids[i] = fmt.Sprintf("%s%d", prefix, i)
		}
		return recs(ids...)
	}
	go func() { done <- g.SavePredictions(context.Background(), big("a")) }()
	waitQueued(t, g, 1)
	go func() { done <- g.SavePredictions(context.Background(), big("b")) }()
	waitQueued(t, g, 2)
	for range 10 {
		st.gate <- struct{}{}
	}
	for range 3 {
		if err := <-done; err != nil {
			t.Errorf("SavePredictions: %v", err)
		}
	}
	for _, c := range st.calls {
		if len(c) > maxGroupRecords {
			t.Errorf("a transaction wrote %d records, want ≤ %d", len(c), maxGroupRecords)
		}
	}
	if want := 1 + 2*(maxGroupRecords/2+1); len(st.saved) != want {
		t.Errorf("saved %d records, want %d", len(st.saved), want)
	}
}

// An announced caller (expect) that is still predicting when a commit
// starts joins that commit instead of paying its own.
func TestGroupCommitWaitsForAnnouncedCallers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &recordingStore{}
		g := newGroupCommit(st)
		g.expect() // "b" is predicting
		errs := make(chan error, 2)
		go func() { errs <- g.SavePredictions(context.Background(), recs("a")) }()
		synctest.Wait() // a holds the slot and gathers, waiting for b
		if len(st.calls) != 0 {
			t.Fatalf("committed %v before the announced caller queued", st.calls)
		}
		go func() { errs <- g.saveExpected(context.Background(), recs("b")) }()
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if fmt.Sprint(st.calls) != "[[a b]]" {
			t.Errorf("transactions %v, want [[a b]]", st.calls)
		}
	})
}

// The wait for announced callers is bounded, and a withdrawn announcement
// ends it at once.
func TestGroupCommitGatherIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &recordingStore{}
		g := newGroupCommit(st)
		g.expect() // never saves
		start := time.Now()
		if err := g.SavePredictions(context.Background(), recs("a")); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != maxGatherDelay {
			t.Errorf("waited %v for a caller that never came, want %v", waited, maxGatherDelay)
		}
		done := make(chan error, 1)
		go func() { done <- g.SavePredictions(context.Background(), recs("b")) }()
		synctest.Wait()
		g.unexpect()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != maxGatherDelay {
			t.Errorf("a withdrawn announcement still delayed the commit: %v in all", waited)
		}
		if fmt.Sprint(st.calls) != "[[a] [b]]" {
			t.Errorf("transactions %v, want [[a] [b]]", st.calls)
		}
	})
}
