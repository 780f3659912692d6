package app

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/rekey"
	"github.com/samo-brain/samo/internal/seal"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/store"
)

// rotation runs at most one key rotation at a time inside the server, for
// the admin endpoint; progress is kept for GET.
type rotation struct {
	a       *App
	settle  time.Duration
	mu      sync.Mutex
	running bool
	last    rekey.Progress
	err     string
	started time.Time
}

// RotationStatus is what GET /v1/admin/crypto/rotation shows.
type RotationStatus struct {
	Running  bool           `json:"running"`
	Started  *time.Time     `json:"started,omitempty"`
	Progress rekey.Progress `json:"progress"`
	Error    string         `json:"error,omitempty"`
	Keys     []KeyInfo      `json:"keys"`
}

// KeyInfo describes one keyring key (never its material).
type KeyInfo struct {
	ID        string    `json:"id"`
	Algorithm string    `json:"algorithm"`
	Created   time.Time `json:"created"`
	Active    bool      `json:"active"`
}

// SealedColumns are the stored columns sealed with the keyring, each with
// the associated data of its rows: what a key rotation re-encrypts.
func SealedColumns() map[string]rekey.AAD {
	return map[string]rekey.AAD{store.ColumnPredictionText: prediction.AAD, store.ColumnTOTPSecret: mfa.AAD}
}

// ErrRotationRunning is returned when a rotation is already in progress.
var ErrRotationRunning = errors.New("a key rotation is already running")

// Start begins a rotation in the background; it outlives the request.
func (r *rotation) Start(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running {
		return ErrRotationRunning
	}
	mk, err := MasterKey(r.a.Cfg)
	if err != nil {
		return err
	}
	alg, err := seal.ParseAlgorithm(r.a.Cfg.EncryptionAlgorithm)
	if err != nil {
		return err
	}
	r.running, r.err, r.started, r.last = true, "", time.Now(), rekey.Progress{Phase: "starting"}
	rot := &rekey.Rotator{Store: r.a.Store, Master: mk, Columns: SealedColumns(), Alg: alg, Settle: r.settle}
	bg := context.WithoutCancel(ctx)
	r.a.Events.Record(ctx, secevent.New(ctx, secevent.EncryptionRotation, secevent.Medium, time.Now(), map[string]string{"phase": "started"}))
	go func() {
		err := rot.Run(bg, func(p rekey.Progress) {
			r.mu.Lock()
			r.last = p
			r.mu.Unlock()
		})
		r.mu.Lock()
		r.running = false
		details := map[string]string{"phase": r.last.Phase}
		if err != nil {
			r.err = err.Error()
			details["error"] = "rotation failed"
		}
		r.mu.Unlock()
		if err != nil {
			r.a.Log.Error("key rotation failed", "error", err)
		}
		r.a.Events.Record(bg, secevent.Event{Type: secevent.EncryptionRotation, Severity: secevent.Medium, Details: details})
	}()
	return nil
}

// Status reports the current or last rotation as a RotationStatus.
func (r *rotation) Status() any {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := RotationStatus{Running: r.running, Progress: r.last, Error: r.err}
	if !r.started.IsZero() {
		t := r.started
		s.Started = &t
	}
	for _, k := range r.a.Keyring.Keys() {
		s.Keys = append(s.Keys, KeyInfo{ID: k.ID, Algorithm: string(k.Algorithm), Created: k.Created, Active: k.Active})
	}
	return s
}
