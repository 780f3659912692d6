package apikey

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// The pending batch holds exactly addressPending pairs: the last one that
// fits is kept, the next one dropped.
func TestAddressesPendingBoundExact(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	a := NewAddresses(&memAddresses{rows: map[addrPair]time.Time{}}, func() time.Time { return now }, nil)
	for i := range addressPending {
		a.Seen("k", fmt.Sprint(i))
	}
	if d := a.Dropped(); d != 0 {
		t.Fatalf("Dropped = %d after %d pairs, want 0", d, addressPending)
	}
	a.Seen("k", "one too many")
	if d, n := a.Dropped(), len(a.pending); d != 1 || n != addressPending {
		t.Errorf("one pair over the bound: Dropped = %d, pending %d; want 1, %d", d, n, addressPending)
	}
	a.Seen("k", "0") // already pending: not a new pair, not dropped
	if d := a.Dropped(); d != 1 {
		t.Errorf("a pending pair seen again was dropped (Dropped = %d)", d)
	}
}

// hookAddresses is an AddressStore whose RecordKeyAddresses runs during
// before failing, to model uses arriving while a flush is in progress.
type hookAddresses struct {
	memAddresses
	during func()
}

func (h *hookAddresses) RecordKeyAddresses(ctx context.Context, uses []AddressUse, n int) error {
	if h.during != nil {
		h.during()
	}
	return h.memAddresses.RecordKeyAddresses(ctx, uses, n)
}

// A failed flush puts its pairs back only while the pending batch has room:
// uses that arrived during the flush can fill it, and the bound holds.
func TestAddressesFailedFlushKeepsBound(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	st := &hookAddresses{memAddresses: memAddresses{rows: map[addrPair]time.Time{}, fail: errors.New("down")}}
	a := NewAddresses(st, func() time.Time { return now }, nil)
	a.Seen("k", "old")
	st.during = func() {
		for i := range addressPending - 1 {
			a.Seen("k", fmt.Sprint(i))
		}
	}
	if err := a.Flush(context.Background()); err == nil {
		t.Fatal("Flush with the store down succeeded")
	}
	if _, ok := a.pending[addrPair{"k", "old"}]; !ok || len(a.pending) != addressPending {
		t.Fatalf("room for one: the failed pair is back = %v, pending %d (want true, %d)", ok, len(a.pending), addressPending)
	}
	// Full now: a second failed flush during which the batch fills again
	// cannot put anything back.
	st.during = func() {
		for i := range addressPending {
			a.Seen("k2", fmt.Sprint(i))
		}
	}
	if err := a.Flush(context.Background()); err == nil {
		t.Fatal("Flush with the store down succeeded")
	}
	if n := len(a.pending); n != addressPending {
		t.Errorf("pending after a failed flush into a full batch: %d, want %d", n, addressPending)
	}
	if _, ok := a.pending[addrPair{"k", "old"}]; ok {
		t.Error("a failed pair was put back into a full batch")
	}
}

// The record of written pairs is cleared only when it would pass
// addressWritten: a pair written before is still skipped when the record
// reaches the bound exactly, and written again once it was cleared.
func TestAddressesWrittenBound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		first   int  // pairs in the first flush
		cleared bool // whether the second flush (one pair) clears the record
	}{{addressWritten - 1, false}, {addressWritten, true}} {
		st := &memAddresses{rows: map[addrPair]time.Time{}}
		a := NewAddresses(st, func() time.Time { return now }, nil)
		for i := range tc.first {
			a.Seen("k", fmt.Sprint(i))
		}
		if err := a.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		a.Seen("k", "last")
		if err := a.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		a.Seen("k", "0") // written in the first flush, within the hour
		_, pending := a.pending[addrPair{"k", "0"}]
		if pending != tc.cleared {
			t.Errorf("%d + 1 written pairs (bound %d): a pair of the first flush pending again = %v, want %v",
				tc.first, addressWritten, pending, tc.cleared)
		}
		if n := len(a.written); tc.cleared && n != 1 || !tc.cleared && n != tc.first+1 {
			t.Errorf("%d + 1 written pairs: %d remembered", tc.first, n)
		}
	}
}

// The record of reported strangers is cleared when it reaches
// addressReported, not before: until then a stranger is reported once per
// hour; once cleared, an address reported before can be reported again.
func TestAddressesReportedBound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	a := NewAddresses(&memAddresses{rows: map[addrPair]time.Time{}}, func() time.Time { return now }, nil)
	for i := range addressReported {
		if s, err := a.Stranger(ctx, "k", fmt.Sprint(i)); !s || err != nil {
			t.Fatalf("address %d: stranger = %v, %v; want true", i, s, err)
		}
	}
	if s, _ := a.Stranger(ctx, "k", "0"); s {
		t.Fatal("a stranger reported again within the hour, before the record was full")
	}
	if s, _ := a.Stranger(ctx, "k", "next"); !s {
		t.Fatal("a new stranger not reported")
	}
	if n := len(a.reported); n != 1 {
		t.Errorf("after the record reached %d, it holds %d; want 1 (cleared, then the new one)", addressReported, n)
	}
	if s, _ := a.Stranger(ctx, "k", "0"); !s {
		t.Error("after the record was cleared, an address reported before was not reported again")
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Run flushes at the interval it is given (DefaultFlushInterval for 0),
// logs a failed flush to the logger it was built with, and returns the
// error of its final flush.
func TestAddressesRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		interval, first time.Duration // given; when the first flush happens
	}{{time.Second, time.Second}, {0, DefaultFlushInterval}} {
		synctest.Test(t, func(t *testing.T) {
			var logs syncBuffer
			st := &memAddresses{rows: map[addrPair]time.Time{}, fail: errors.New("store down")}
			a := NewAddresses(st, nil, slog.New(slog.NewTextHandler(&logs, nil)))
			a.Seen("k", "198.51.100.7")
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- a.Run(ctx, tc.interval) }()
			time.Sleep(tc.first - time.Millisecond)
			synctest.Wait()
			if strings.Contains(logs.String(), "flush failed") {
				t.Fatalf("interval %v: flushed before %v", tc.interval, tc.first)
			}
			time.Sleep(time.Millisecond)
			synctest.Wait()
			if got := logs.String(); !strings.Contains(got, "api key addresses flush failed") || !strings.Contains(got, "store down") {
				t.Errorf("interval %v: log after the first failed flush = %q", tc.interval, got)
			}
			cancel()
			if err := <-done; err == nil {
				t.Errorf("interval %v: Run returned nil after a failed final flush", tc.interval)
			}
		})
	}
}

// A written pair is written again once addressRewrite has passed, the
// bound included.
func TestAddressesRewriteAfterInterval(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	st := &memAddresses{rows: map[addrPair]time.Time{}}
	a := NewAddresses(st, func() time.Time { return now }, nil)
	a.Seen("k", "198.51.100.1")
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	now = now.Add(addressRewrite - 1)
	a.Seen("k", "198.51.100.1")
	if len(a.pending) != 0 {
		t.Fatal("a pair written less than addressRewrite ago is pending again")
	}
	now = now.Add(1)
	a.Seen("k", "198.51.100.1")
	if len(a.pending) != 1 {
		t.Error("a pair written addressRewrite ago is not pending again")
	}
}
