package apikey

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// memAddresses is an AddressStore in memory that can be made to fail.
type memAddresses struct {
	mu     sync.Mutex
	rows   map[addrPair]time.Time
	writes int
	fail   error
}

func (m *memAddresses) RecordKeyAddresses(_ context.Context, uses []AddressUse, _ int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writes++
	if m.fail != nil {
		return m.fail
	}
	for _, u := range uses {
		m.rows[addrPair{u.KeyID, u.Address}] = u.At
	}
	return nil
}

func (m *memAddresses) KeyUsedFrom(_ context.Context, keyID, address string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return false, m.fail
	}
	_, ok := m.rows[addrPair{keyID, address}]
	return ok, nil
}

func TestAddressesStranger(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	st := &memAddresses{rows: map[addrPair]time.Time{}}
	a := NewAddresses(st, func() time.Time { return now }, nil)
	a.Seen("k1", "198.51.100.1")
	if s, err := a.Stranger(ctx, "k1", "198.51.100.1"); err != nil || s {
		t.Errorf("an address seen but not yet written: stranger = %v, %v", s, err)
	}
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// A second process over the same store knows the address.
	b := NewAddresses(st, func() time.Time { return now }, nil)
	if s, _ := b.Stranger(ctx, "k1", "198.51.100.1"); s {
		t.Error("an address written by another process is a stranger")
	}
	if s, _ := b.Stranger(ctx, "k1", "203.0.113.1"); !s {
		t.Error("a new address is not a stranger")
	}
	if s, _ := b.Stranger(ctx, "k1", "203.0.113.1"); s {
		t.Error("reported twice within the hour")
	}
	now = now.Add(DefaultReportEvery)
	if s, _ := b.Stranger(ctx, "k1", "203.0.113.1"); !s {
		t.Error("not reported again after an hour")
	}
	if s, _ := b.Stranger(ctx, "", "203.0.113.1"); s {
		t.Error("no key id: reported")
	}
	st.fail = errors.New("down")
	if s, err := b.Stranger(ctx, "k1", "203.0.113.2"); s || err == nil {
		t.Errorf("store down: %v, %v; want false and the error", s, err)
	}
}

func TestAddressesFlushBoundedAndRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	st := &memAddresses{rows: map[addrPair]time.Time{}, fail: errors.New("down")}
	a := NewAddresses(st, func() time.Time { return now }, nil)
	for i := range addressPending + 5 {
		a.Seen("k", fmt.Sprint(i))
	}
	if got := a.Dropped(); got != 5 {
		t.Errorf("Dropped = %d, want 5 (pending is bounded at %d)", got, addressPending)
	}
	if err := a.Flush(ctx); err == nil {
		t.Fatal("Flush with the store down succeeded")
	}
	st.fail = nil
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(st.rows) != addressPending {
		t.Errorf("rows after the retried flush: %d, want %d", len(st.rows), addressPending)
	}
	// A pair written within the hour is not written again.
	writes := st.writes
	a.Seen("k", "0")
	if err := a.Flush(ctx); err != nil || st.writes != writes {
		t.Errorf("a recently written pair was written again (%d writes, %v)", st.writes-writes, err)
	}
	now = now.Add(2 * addressRewrite)
	a.Seen("k", "0")
	if err := a.Flush(ctx); err != nil || st.writes != writes+1 || !st.rows[addrPair{"k", "0"}].Equal(now) {
		t.Errorf("a pair seen again after the rewrite interval: writes %d, last %v, %v", st.writes-writes, st.rows[addrPair{"k", "0"}], err)
	}
}
