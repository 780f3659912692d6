package ids

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// Blocks pages the active blocks, soonest expiry first and by address text
// among equal expiries; a page starts strictly after the (until, address)
// it is given, and a limit of 0 or less means 100.
func TestBlocksPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	ips := []string{"198.51.100.2", "198.51.100.10", "198.51.100.1", "203.0.113.5"}
	durs := []time.Duration{time.Hour, time.Hour, 2 * time.Hour, 30 * time.Minute}
	for i, s := range ips {
		if err := f.d.Block(ctx, netip.MustParseAddr(s), durs[i], "test", "admin"); err != nil {
			t.Fatal(err)
		}
	}
	// Expiry order; at one hour, "198.51.100.10" < "198.51.100.2" as text.
	want := []string{"203.0.113.5", "198.51.100.10", "198.51.100.2", "198.51.100.1"}
	names := func(bs []Block) string {
		out := make([]string, len(bs))
		for i, b := range bs {
			out[i] = b.IP.String()
		}
		return fmt.Sprint(out)
	}
	for _, limit := range []int{0, -1} {
		all, err := f.d.Blocks(ctx, BlockPage{Limit: limit})
		if err != nil || names(all) != fmt.Sprint(want) {
			t.Errorf("Blocks(limit %d) = %s, %v; want %v", limit, names(all), err, want)
		}
	}
	page, err := f.d.Blocks(ctx, BlockPage{Limit: 2})
	if err != nil || names(page) != fmt.Sprint(want[:2]) {
		t.Fatalf("first page = %s, %v; want %v", names(page), err, want[:2])
	}
	last := page[len(page)-1]
	page, err = f.d.Blocks(ctx, BlockPage{Limit: 2, AfterUntil: last.Until, AfterIP: last.IP.String()})
	if err != nil || names(page) != fmt.Sprint(want[2:]) {
		t.Errorf("second page = %s, %v; want %v", names(page), err, want[2:])
	}
	// Strictly after: the last block of all starts an empty page.
	page, _ = f.d.Blocks(ctx, BlockPage{Limit: 2, AfterUntil: t0.Add(2 * time.Hour), AfterIP: "198.51.100.1"})
	if len(page) != 0 {
		t.Errorf("page after the last block = %s, want empty", names(page))
	}
	f.clock.Advance(45 * time.Minute) // 203.0.113.5 has expired
	if all, _ := f.d.Blocks(ctx, BlockPage{}); names(all) != fmt.Sprint(want[1:]) {
		t.Errorf("after an expiry: %s, want %v", names(all), want[1:])
	}
}

// pagerStore is a MemoryBlockStore that also pages by itself (as the SQL
// store does), recording the page asked for, and can fail.
type pagerStore struct {
	*MemoryBlockStore
	asked BlockPage
	fail  error
}

func (p *pagerStore) ListPage(_ context.Context, _ time.Time, pg BlockPage) ([]Block, error) {
	p.asked = pg
	if p.fail != nil {
		return nil, p.fail
	}
	return []Block{{IP: ipA}}, nil
}

// A store that pages by itself is asked for the page (limit 0 made 100),
// and its failure is returned, not an empty list.
func TestBlocksFromPager(t *testing.T) {
	t.Parallel()
	st := &pagerStore{MemoryBlockStore: NewMemoryBlockStore(0)}
	f := newFixture(t, nil)
	d, err := New(DefaultConfig(), st, f.rec, f.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := d.Blocks(context.Background(), BlockPage{AfterIP: "x"})
	if err != nil || len(bs) != 1 || st.asked.Limit != 100 || st.asked.AfterIP != "x" {
		t.Errorf("Blocks = %v, %v; store asked for %+v", bs, err, st.asked)
	}
	st.fail = errors.New("database down")
	if bs, err := d.Blocks(context.Background(), BlockPage{Limit: 5}); err == nil || bs != nil || st.asked.Limit != 5 {
		t.Errorf("store failing: Blocks = %v, %v (asked %+v); want the error", bs, err, st.asked)
	}
}

// The watch list holds at most MaxWatched subjects: past it the watch
// ending soonest (never the one just added) is dropped. Ended watches are
// dropped whenever the list is rebuilt.
func TestWatchListBounded(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	_, now := f.d.clock()
	addr := func(k int) netip.Addr { return netip.AddrFrom4([4]byte{10, byte(k >> 16), byte(k >> 8), byte(k)}) }
	full := make(watchSet, MaxWatched)
	for k := 1; k <= MaxWatched; k++ { // addr(k) watched for k minutes
		full[addr(k)] = now + int64(time.Duration(k)*time.Minute)
	}
	f.d.watches.Store(&full)
	if err := f.d.Watch(ctx, ipA, t0.Add(time.Minute/2), "newest, ending soonest"); err != nil {
		t.Fatal(err)
	}
	ws := *f.d.watches.Load()
	if len(ws) != MaxWatched {
		t.Errorf("%d watched, want %d", len(ws), MaxWatched)
	}
	for _, c := range []struct {
		ip      netip.Addr
		watched bool
	}{{ipA, true}, {addr(1), false}, {addr(2), true}, {addr(MaxWatched), true}} {
		if _, ok := f.d.Watched(c.ip); ok != c.watched {
			t.Errorf("Watched(%v) = %v, want %v", c.ip, ok, c.watched)
		}
	}
	// Two minutes on: addr(2)'s watch ends exactly now and ipA's has
	// ended; the next Watch drops both.
	f.clock.Advance(2 * time.Minute)
	if err := f.d.Watch(ctx, ipB, t0.Add(time.Hour), "another"); err != nil {
		t.Fatal(err)
	}
	ws = *f.d.watches.Load()
	_, okA := ws[ipA]
	_, ok2 := ws[addr(2)]
	_, ok3 := ws[addr(3)]
	if okA || ok2 || !ok3 || len(ws) != MaxWatched-2+1 {
		t.Errorf("after two minutes: ipA kept %v, addr(2) kept %v, addr(3) kept %v, %d watched (want false, false, true, %d)",
			okA, ok2, ok3, len(ws), MaxWatched-1)
	}
}

// Manual blocks last 1 s to MaxBlock, the bounds included; reasons are up
// to maxTextLen bytes without C0 or C1 controls (U+0080-U+009F), and other
// non-ASCII text is fine.
func TestManualBlockEdges(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	for _, c := range []struct {
		dur    time.Duration
		reason string
		ok     bool
	}{
		{time.Second, "r", true},
		{time.Second - 1, "r", false},
		{f.d.cfg.MaxBlock, "r", true},
		{f.d.cfg.MaxBlock + 1, "r", false},
		{365 * 24 * time.Hour, "r", true}, // the default MaxBlock
		{time.Hour, strings.Repeat("x", maxTextLen), true},
		{time.Hour, "café, non-breaking\u00a0space", true},
		{time.Hour, "c1 \u0080", false},
		{time.Hour, "c1 \u0085 next line", false},
		{time.Hour, "c1 \u009f", false},
	} {
		err := f.d.Block(ctx, ipA, c.dur, c.reason, "admin")
		if (err == nil) != c.ok {
			t.Errorf("Block(%v, %q) = %v, want ok=%v", c.dur, c.reason, err, c.ok)
		}
	}
}

// Unblock clears the subject's counts: right after it, one more injection
// does not block again.
func TestUnblockClearsCounts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.observe(t, ipA, SignalInjection, "", 6)
	if _, ok := f.check(t, ipA); !ok {
		t.Fatal("not blocked after 6 injections")
	}
	if err := f.d.Unblock(context.Background(), ipA, "admin"); err != nil {
		t.Fatal(err)
	}
	f.observe(t, ipA, SignalInjection, "", 1)
	if b, ok := f.check(t, ipA); ok {
		t.Errorf("blocked again by one injection after Unblock: %+v", b)
	}
}
