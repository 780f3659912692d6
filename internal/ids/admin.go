package ids

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/samo-brain/samo/internal/secevent"
)

// maxTextLen bounds a manual block's reason and actor, in bytes.
const maxTextLen = 200

// Block blocks ip (its Subject, for IPv6 the enclosing prefix) for dur, on
// behalf of by (the admin's user id or name), with a reason shown to
// operators. It replaces any existing block, counts no offence, and records
// an ip_blocked event. Allowlisted addresses cannot be blocked.
func (d *Detector) Block(ctx context.Context, ip netip.Addr, dur time.Duration, reason, by string) error {
	if !ip.IsValid() {
		return fmt.Errorf("%w: address", ErrInvalidBlock)
	}
	if dur < time.Second || dur > d.cfg.MaxBlock {
		return fmt.Errorf("%w: duration %v outside 1s..%v", ErrInvalidBlock, dur, d.cfg.MaxBlock)
	}
	if !validText(reason) || !validText(by) {
		return fmt.Errorf("%w: reason and actor must be 1-%d printable characters", ErrInvalidBlock, maxTextLen)
	}
	ip = Normalize(ip)
	if d.Allowlisted(ip) {
		return ErrAllowlisted
	}
	now, _ := d.clock()
	subj := subjectOf(ip, d.cfg.IPv6PrefixLen)
	b := Block{IP: subj, Until: now.Add(dur), Reason: reason, By: by, Created: now}
	if err := d.store.Block(ctx, b); err != nil {
		return fmt.Errorf("ids: storing block: %w", err)
	}
	d.setOverlay(subj, overlayEntry{b: b})
	d.noteBlock(subj, now, b.Until)
	d.record(ctx, secevent.IPBlocked, secevent.Medium, now, ip, subj, map[string]string{
		"reason": reason, "by": by, "ttl": dur.String(), "until": b.Until.UTC().Format(time.RFC3339),
	})
	return nil
}

// Unblock lifts the block on ip (its Subject), forgets its offences and its
// current suspicion, and records an ip_unblocked event. It returns
// ErrNotBlocked when there was no block.
func (d *Detector) Unblock(ctx context.Context, ip netip.Addr, by string) error {
	if !ip.IsValid() {
		return fmt.Errorf("%w: address", ErrInvalidBlock)
	}
	if !validText(by) {
		return fmt.Errorf("%w: actor must be 1-%d printable characters", ErrInvalidBlock, maxTextLen)
	}
	ip = Normalize(ip)
	subj := subjectOf(ip, d.cfg.IPv6PrefixLen)
	had, err := d.store.Unblock(ctx, subj)
	if err != nil {
		return fmt.Errorf("ids: removing block: %w", err)
	}
	now, t := d.clock()
	d.setOverlay(subj, overlayEntry{removed: true})
	s := d.shard(subj)
	s.mu.Lock()
	if tr := s.get(subj, &d.rules, t, false); tr != nil {
		tr.forgive()
		tr.counts = [nCounters]ring{}
		tr.blockEnd = 0 // an unblock says the block was a mistake
	}
	s.mu.Unlock()
	if !had {
		return ErrNotBlocked
	}
	d.record(ctx, secevent.IPUnblocked, secevent.Medium, now, ip, subj, map[string]string{"by": by})
	return nil
}

// validText accepts 1..maxTextLen bytes of valid UTF-8 without control
// characters, so reasons cannot forge log lines or terminal sequences.
func validText(s string) bool {
	if s == "" || len(s) > maxTextLen || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// Suspect is a client with a nonzero suspicion score.
type Suspect struct {
	IP       netip.Addr `json:"ip"`
	Score    int        `json:"score"`
	Reasons  []string   `json:"reasons"`
	LastSeen time.Time  `json:"last_seen"`
}

// Status is the detector's view for the status endpoint and CLI.
type Status struct {
	// Blocked lists active blocks, soonest expiry first.
	Blocked []Block `json:"blocked"`
	// Suspicious lists clients with suspicion, highest score first, at most
	// Config.StatusLimit of them.
	Suspicious []Suspect `json:"suspicious"`
	// SuspiciousTotal counts every client with suspicion.
	SuspiciousTotal int `json:"suspicious_total"`
	// Tracked is the number of clients with tracking state.
	Tracked int `json:"tracked"`
	// Threshold is the score that blocks.
	Threshold int `json:"threshold"`
}

// Status lists the active blocks (read from the store) and the suspicious
// clients this replica tracks.
func (d *Detector) Status(ctx context.Context) (Status, error) {
	now, t := d.clock()
	blocks, err := d.store.List(ctx, now)
	if err != nil {
		return Status{}, fmt.Errorf("ids: listing blocks: %w", err)
	}
	slices.SortFunc(blocks, func(a, b Block) int {
		return cmp.Or(a.Until.Compare(b.Until), a.IP.Compare(b.IP))
	})
	st := Status{Blocked: blocks, Threshold: d.cfg.SuspicionThreshold}
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		st.Tracked += len(s.m)
		for _, tr := range s.m {
			tr.advance(&d.rules, t)
			if score := tr.score.sum(); score > 0 {
				st.Suspicious = append(st.Suspicious, Suspect{
					IP: tr.addr, Score: score, Reasons: tr.reasons.names(),
					LastSeen: d.base.Add(time.Duration(tr.lastSeen)),
				})
			}
		}
		s.mu.Unlock()
	}
	slices.SortFunc(st.Suspicious, func(a, b Suspect) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), a.IP.Compare(b.IP))
	})
	st.SuspiciousTotal = len(st.Suspicious)
	if len(st.Suspicious) > d.cfg.StatusLimit {
		st.Suspicious = st.Suspicious[:d.cfg.StatusLimit]
	}
	return st, nil
}

// Tracked returns the number of clients with tracking state.
func (d *Detector) Tracked() int {
	n := 0
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

// BlockPage selects one page of the active blocks, ordered by expiry then
// address text (Until, then IP.String()): those strictly after the
// position (AfterUntil, AfterIP) when AfterIP is set, at most Limit.
type BlockPage struct {
	AfterUntil time.Time
	AfterIP    string
	Limit      int
}

// BlockPager is implemented by block stores that read one page with a
// keyset query (the SQL store). Detector.Blocks pages the other stores
// (process memory, Redis) from their whole list, which their size cap
// bounds.
type BlockPager interface {
	// ListPage returns the page p of the blocks active at now.
	ListPage(ctx context.Context, now time.Time, p BlockPage) ([]Block, error)
}

// Blocks returns one page of the blocks active now, soonest expiry first.
func (d *Detector) Blocks(ctx context.Context, p BlockPage) ([]Block, error) {
	if p.Limit <= 0 {
		p.Limit = 100
	}
	now, _ := d.clock()
	if pg, ok := d.store.(BlockPager); ok {
		bs, err := pg.ListPage(ctx, now, p)
		if err != nil {
			return nil, fmt.Errorf("ids: listing blocks: %w", err)
		}
		return bs, nil
	}
	all, err := d.store.List(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("ids: listing blocks: %w", err)
	}
	return PageBlocks(all, p), nil
}

// PageBlocks returns the page p of blocks (any order), sorted by expiry
// then address text: the reference order of BlockPager.
func PageBlocks(blocks []Block, p BlockPage) []Block {
	blocks = slices.Clone(blocks)
	slices.SortFunc(blocks, func(a, b Block) int {
		return cmp.Or(a.Until.Compare(b.Until), cmp.Compare(a.IP.String(), b.IP.String()))
	})
	out := []Block{}
	for _, b := range blocks {
		if p.AfterIP != "" && !(b.Until.After(p.AfterUntil) || b.Until.Equal(p.AfterUntil) && b.IP.String() > p.AfterIP) {
			continue
		}
		if len(out) == p.Limit {
			break
		}
		out = append(out, b)
	}
	return out
}
