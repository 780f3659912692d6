package store

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/samo-brain/samo/internal/ids"
)

var (
	_ ids.BlockStore = (*Store)(nil)
	_ ids.BlockPager = (*Store)(nil)
)

const blockGeneration = "ip_blocks"

func bumpCounter(ctx context.Context, t *txn, name string) error {
	_, err := t.exec(ctx, `INSERT INTO counters (name, value) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1`, name)
	return err
}

func scanBlock(sc scanner) (ids.Block, error) {
	var b ids.Block
	var ip string
	var until, created int64
	if err := sc.Scan(&ip, &until, &b.Reason, &b.By, &created, &b.Offence); err != nil {
		return b, err
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return b, fmt.Errorf("store: corrupt blocked address %q", ip)
	}
	b.IP, b.Until, b.Created = addr, fromNS(until), fromNS(created)
	return b, nil
}

const blockColumns = `ip, until_at, reason, blocked_by, created_at, offence`

func upsertBlock(ctx context.Context, t *txn, b ids.Block) error {
	_, err := t.exec(ctx, `INSERT INTO ip_blocks (`+blockColumns+`) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (ip) DO UPDATE SET until_at = excluded.until_at, reason = excluded.reason,
		blocked_by = excluded.blocked_by, created_at = excluded.created_at, offence = excluded.offence`,
		b.IP.String(), ns(b.Until), b.Reason, b.By, ns(b.Created), b.Offence)
	return err
}

// Escalate blocks e.IP with a TTL that grows with its remembered offences,
// unless it is already blocked (one transaction).
func (s *Store) Escalate(ctx context.Context, e ids.Escalation) (ids.Block, bool, error) {
	if !e.IP.IsValid() {
		return ids.Block{}, false, ids.ErrInvalidBlock
	}
	var out ids.Block
	var added bool
	err := s.tx(ctx, func(t *txn) error {
		// Concurrent escalations of one address (several replicas) queue here.
		if err := t.lockName(ctx, lockIPBlock, e.IP.String()); err != nil {
			return err
		}
		cur, err := scanBlock(t.queryRow(ctx, `SELECT `+blockColumns+` FROM ip_blocks WHERE ip = ? AND until_at > ?`, e.IP.String(), ns(e.Now)))
		if err == nil {
			out = cur
			return nil
		}
		if err = s.wrap(err); !errors.Is(err, ErrNotFound) {
			return err
		}
		var count int
		var last int64
		err = s.wrap(t.queryRow(ctx, `SELECT offences, last_at FROM ip_offences WHERE ip = ?`, e.IP.String()).Scan(&count, &last))
		switch {
		case errors.Is(err, ErrNotFound):
			count = 0
		case err != nil:
			return err
		case e.Memory > 0 && !e.Now.Before(fromNS(last).Add(e.Memory)):
			count = 0
		}
		count++
		if _, err := t.exec(ctx, `INSERT INTO ip_offences (ip, offences, last_at) VALUES (?, ?, ?)
			ON CONFLICT (ip) DO UPDATE SET offences = excluded.offences, last_at = excluded.last_at`,
			e.IP.String(), count, ns(e.Now)); err != nil {
			return err
		}
		out = ids.Block{IP: e.IP, Until: e.Now.Add(e.TTL(count)), Reason: e.Reason, By: e.By, Created: e.Now, Offence: count}
		if err := upsertBlock(ctx, t, out); err != nil {
			return err
		}
		added = true
		return bumpCounter(ctx, t, blockGeneration)
	})
	if err != nil {
		return ids.Block{}, false, fmt.Errorf("store: escalate block: %w", err)
	}
	return out, added, nil
}

// Block stores b, replacing any block of b.IP.
func (s *Store) Block(ctx context.Context, b ids.Block) error {
	if !b.IP.IsValid() {
		return ids.ErrInvalidBlock
	}
	return s.tx(ctx, func(t *txn) error {
		if err := upsertBlock(ctx, t, b); err != nil {
			return fmt.Errorf("store: block: %w", err)
		}
		return bumpCounter(ctx, t, blockGeneration)
	})
}

// Unblock removes ip's block and offences; it reports whether one existed.
func (s *Store) Unblock(ctx context.Context, ip netip.Addr) (bool, error) {
	var had bool
	err := s.tx(ctx, func(t *txn) error {
		res, err := t.exec(ctx, `DELETE FROM ip_blocks WHERE ip = ?`, ip.String())
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		had = n > 0
		if _, err := t.exec(ctx, `DELETE FROM ip_offences WHERE ip = ?`, ip.String()); err != nil {
			return err
		}
		if had {
			return bumpCounter(ctx, t, blockGeneration)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: unblock: %w", err)
	}
	return had, nil
}

// Blocked returns ip's block when active at now.
func (s *Store) Blocked(ctx context.Context, ip netip.Addr, now time.Time) (ids.Block, bool, error) {
	if !ip.IsValid() {
		return ids.Block{}, false, nil
	}
	b, err := scanBlock(s.queryRow(ctx, `SELECT `+blockColumns+` FROM ip_blocks WHERE ip = ? AND until_at > ?`, ip.String(), ns(now)))
	if err = s.wrap(err); errors.Is(err, ErrNotFound) {
		return ids.Block{}, false, nil
	}
	if err != nil {
		return ids.Block{}, false, err
	}
	return b, true, nil
}

// List returns every block active at now.
func (s *Store) List(ctx context.Context, now time.Time) ([]ids.Block, error) {
	return s.listBlocks(ctx, `SELECT `+blockColumns+` FROM ip_blocks WHERE until_at > ? ORDER BY until_at`, ns(now))
}

// ListPage returns one page of the blocks active at now, soonest expiry
// first (until_at, then ip), with a keyset query after p's position.
func (s *Store) ListPage(ctx context.Context, now time.Time, p ids.BlockPage) ([]ids.Block, error) {
	if p.Limit <= 0 || p.Limit > 1000 {
		p.Limit = 100
	}
	q, args := `SELECT `+blockColumns+` FROM ip_blocks WHERE until_at > ?`, []any{ns(now)}
	if p.AfterIP != "" {
		at := ns(p.AfterUntil)
		q, args = q+` AND (until_at > ? OR (until_at = ? AND ip > ?))`, append(args, at, at, p.AfterIP)
	}
	return s.listBlocks(ctx, q+` ORDER BY until_at, ip LIMIT `+strconv.Itoa(p.Limit), args...)
}

func (s *Store) listBlocks(ctx context.Context, q string, args ...any) ([]ids.Block, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list blocks: %w", err)
	}
	defer rows.Close()
	var out []ids.Block
	for rows.Next() {
		b, err := scanBlock(rows)
		if err != nil {
			return nil, s.wrap(err)
		}
		out = append(out, b)
	}
	return out, s.wrap(rows.Err())
}

// Generation changes whenever a block is added, replaced or removed.
func (s *Store) Generation(ctx context.Context) (uint64, error) {
	var v int64
	err := s.wrap(s.queryRow(ctx, `SELECT value FROM counters WHERE name = ?`, blockGeneration).Scan(&v))
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	return uint64(max(v, 0)), err // #nosec G115 -- clamped to non-negative
}
