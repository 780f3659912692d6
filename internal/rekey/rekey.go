// Package rekey rotates the data-encryption key online: it adds a key to the
// keyring, waits until every replica can open values under it, makes it
// active, re-encrypts every stored sealed value (prediction texts and TOTP
// secrets) in batches while the server keeps serving, and finally retires
// the old keys once nothing uses them.
//
// The keyring lives wrapped in the store; every change is a compare-and-swap
// on the stored blob, and servers reload it (Reloader) every few seconds.
// Re-encryption writes each row with a compare-and-swap too, so a row that
// is deleted or rewritten meanwhile is never clobbered. A rotation is
// resumable: run it again after an interruption and it continues with the
// rows still under old keys instead of adding another key.
package rekey

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/samo-brain/samo/internal/seal"
)

// Sealed is one stored sealed value.
type Sealed struct {
	ID    string
	Value []byte
}

// Store is what a rotation needs from the database. Sealed values live in
// named columns (store.ColumnPredictionText, store.ColumnTOTPSecret); the
// counts cover every one of them, so a key still sealing any value is never
// retired.
type Store interface {
	Keyring(ctx context.Context) ([]byte, error)
	SwapKeyring(ctx context.Context, old, updated []byte) error
	CountSealed(ctx context.Context) (map[string]int, error)
	SealedBatch(ctx context.Context, column, keyID, afterID string, limit int) ([]Sealed, error)
	ReplaceSealed(ctx context.Context, column, id string, old, updated []byte, keyID string) (bool, error)
}

// AAD returns the associated data of a stored value by its row id.
type AAD func(id string) []byte

// Progress is one report of a rotation.
type Progress struct {
	Phase  string `json:"phase"` // adding_key, waiting, activating, reencrypting, retiring, done
	KeyID  string `json:"key_id"`
	Done   int    `json:"done"`
	Total  int    `json:"total"`
	Errors int    `json:"errors"`
}

// Rotator runs rotations.
type Rotator struct {
	Store  Store
	Master *seal.MasterKey
	// Columns are the sealed columns to re-encrypt, each with the
	// associated data of its rows; they must be every column CountSealed
	// counts, or the rotation never ends.
	Columns map[string]AAD
	Alg     seal.Algorithm
	// Settle is how long to wait after a keyring change so every replica
	// reloads it (at least twice the reload interval).
	Settle time.Duration
	Batch  int
	Now    func() time.Time
	// Sleep waits (tests replace it); it returns early when ctx ends.
	Sleep func(ctx context.Context, d time.Duration) error
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ErrChanged means another process changed the keyring during a step.
var ErrChanged = errors.New("rekey: keyring changed concurrently; run the rotation again")

// Run rotates (or resumes a rotation) and reports progress after every
// batch. It returns when every stored text is under the active key and the
// old keys are retired.
func (r *Rotator) Run(ctx context.Context, report func(Progress)) error {
	if r.Sleep == nil {
		r.Sleep = sleep
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Batch <= 0 {
		r.Batch = 200
	}
	ring, blob, err := r.load(ctx)
	if err != nil {
		return err
	}
	counts, err := r.Store.CountSealed(ctx)
	if err != nil {
		return err
	}
	active := ring.Active().ID
	if pending(counts, active) == 0 {
		// Start a new rotation: add a key, let replicas learn it, activate.
		report(Progress{Phase: "adding_key"})
		id, err := ring.AddKey(r.Alg)
		if err != nil {
			return err
		}
		if blob, err = r.save(ctx, ring, blob); err != nil {
			return err
		}
		report(Progress{Phase: "waiting", KeyID: id})
		if err := r.Sleep(ctx, r.Settle); err != nil {
			return err
		}
		report(Progress{Phase: "activating", KeyID: id})
		if err := ring.SetActive(id); err != nil {
			return err
		}
		if blob, err = r.save(ctx, ring, blob); err != nil {
			return err
		}
		active = id
		// Replicas that have not reloaded yet still seal under the old key
		// for up to Settle: the loop below catches those rows too.
	}
	p := Progress{Phase: "reencrypting", KeyID: active}
	for {
		if counts, err = r.Store.CountSealed(ctx); err != nil {
			return err
		}
		p.Total = p.Done + pending(counts, active)
		report(p)
		if pending(counts, active) == 0 {
			break
		}
		if err := r.pass(ctx, ring, active, &p, report); err != nil {
			return err
		}
		if err := r.Sleep(ctx, r.Settle); err != nil { // let lagging replicas catch up, then recount
			return err
		}
	}
	// Retire every key that no stored value uses any more.
	p.Phase = "retiring"
	report(p)
	changed := false
	for _, k := range ring.Keys() {
		if !k.Active && counts[k.ID] == 0 {
			if err := ring.RemoveKey(k.ID); err != nil {
				return err
			}
			changed = true
		}
	}
	if changed {
		if _, err := r.save(ctx, ring, blob); err != nil {
			return err
		}
	}
	p.Phase = "done"
	report(p)
	return nil
}

// pass re-encrypts every value not under active, once, column by column.
func (r *Rotator) pass(ctx context.Context, ring *seal.Keyring, active string, p *Progress, report func(Progress)) error {
	cols := make([]string, 0, len(r.Columns))
	for c := range r.Columns {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	for _, c := range cols {
		if err := r.passColumn(ctx, ring, c, r.Columns[c], active, p, report); err != nil {
			return err
		}
	}
	return nil
}

// passColumn re-encrypts every value of one column not under active.
func (r *Rotator) passColumn(ctx context.Context, ring *seal.Keyring, column string, aad AAD, active string, p *Progress, report func(Progress)) error {
	after := ""
	for {
		batch, err := r.Store.SealedBatch(ctx, column, active, after, r.Batch)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		for _, s := range batch {
			after = s.ID
			updated, changed, err := ring.Reseal(s.Value, aad(s.ID))
			if err != nil {
				p.Errors++ // unreadable value: leave it, report it
				continue
			}
			if !changed {
				continue
			}
			if ok, err := r.Store.ReplaceSealed(ctx, column, s.ID, s.Value, updated, active); err != nil {
				return err
			} else if ok {
				p.Done++
			}
		}
		report(*p)
	}
}

func pending(counts map[string]int, active string) int {
	n := 0
	for id, c := range counts {
		if id != active {
			n += c
		}
	}
	return n
}

func (r *Rotator) load(ctx context.Context) (*seal.Keyring, []byte, error) {
	blob, err := r.Store.Keyring(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("rekey: read keyring: %w", err)
	}
	ring, err := seal.Unwrap(blob, r.Master, r.Now)
	if err != nil {
		return nil, nil, fmt.Errorf("rekey: unwrap keyring: %w", err)
	}
	return ring, blob, nil
}

func (r *Rotator) save(ctx context.Context, ring *seal.Keyring, old []byte) ([]byte, error) {
	updated, err := ring.Wrap(r.Master)
	if err != nil {
		return nil, err
	}
	if err := r.Store.SwapKeyring(ctx, old, updated); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrChanged, err)
	}
	return updated, nil
}

// Reloader keeps a live keyring in step with the stored one.
type Reloader struct {
	Store    Store
	Master   *seal.MasterKey
	Ring     *seal.Keyring
	Interval time.Duration
	Now      func() time.Time
	// OnError reports a failed reload (logged by the caller).
	OnError func(error)
}

// Run reloads every Interval until ctx ends.
func (l *Reloader) Run(ctx context.Context) error {
	t := time.NewTicker(l.Interval)
	defer t.Stop()
	var last []byte
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		blob, err := l.Store.Keyring(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			l.OnError(err)
			continue
		}
		if string(blob) == string(last) {
			continue
		}
		newer, err := seal.Unwrap(blob, l.Master, l.Now)
		if err == nil {
			_, err = l.Ring.Update(newer)
		}
		if err != nil {
			l.OnError(err)
			continue
		}
		last = blob
	}
}
