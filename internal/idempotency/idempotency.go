// Package idempotency makes retried creating requests safe: a client sends an
// Idempotency-Key header, and the first answer for that key is stored and
// replayed to every retry with the same request for 24 hours.
//
// Use a Service built on a Store (internal/store implements it on SQLite and
// PostgreSQL, so replicas sharing a database share the keys):
//
//	svc := idempotency.New(st, keyring, time.Now)
//	replay, err := svc.Begin(ctx, principal, key, idempotency.Fingerprint(method, path, ctype, body))
//	switch {
//	case errors.Is(err, idempotency.ErrMismatch):   // 422: the key was used for another request
//	case errors.Is(err, idempotency.ErrInProgress): // 409: the first request is still running
//	case replay != nil:                             // send replay, do nothing else
//	default:                                        // run the request, then Finish or Abandon
//	}
//
// Keys are scoped per principal, so two users never see each other's
// answers. Stored answers are sealed (they may hold prediction text or a
// newly created API key) with the key and scope as associated data.
package idempotency

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors of Begin.
var (
	// ErrMismatch means the key was already used with a different request.
	ErrMismatch = errors.New("idempotency: key reused with a different request")
	// ErrInProgress means the first request with this key has not finished.
	ErrInProgress = errors.New("idempotency: request with this key in progress")
	// ErrInvalidKey means the key is empty, too long or not printable ASCII.
	ErrInvalidKey = errors.New("idempotency: invalid key")
)

// TTL is how long an answer is replayed.
const TTL = 24 * time.Hour

// Lease is how long an unfinished first request holds its key; after it a
// retry runs again (the first request's server died before finishing).
const Lease = 2 * time.Minute

// MaxKeyLen is the longest accepted key.
const MaxKeyLen = 255

// Record is one stored key.
type Record struct {
	Scope       string
	Key         string
	Fingerprint []byte
	Status      int    // 0 while the first request runs
	Response    []byte // sealed Response, set with Status
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Store keeps the records. Implementations must make ClaimIdempotency
// atomic across every process sharing the store.
type Store interface {
	// ClaimIdempotency inserts rec unless a live record exists for its scope
	// and key; expired records, and unfinished ones created before
	// staleBefore, do not count and are replaced. It returns claimed=true
	// when rec was inserted, else the existing record.
	ClaimIdempotency(ctx context.Context, rec Record, staleBefore time.Time) (existing Record, claimed bool, err error)
	// CompleteIdempotency stores the answer of a claimed record.
	CompleteIdempotency(ctx context.Context, scope, key string, status int, response []byte) error
	// ReleaseIdempotency deletes an unfinished record, so a retry runs again.
	ReleaseIdempotency(ctx context.Context, scope, key string) error
	// PurgeIdempotency deletes records that expired before now.
	PurgeIdempotency(ctx context.Context, now time.Time) (int64, error)
}

// Sealer encrypts stored answers (seal.Keyring).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Response is a replayable answer.
type Response struct {
	Status      int    `json:"status"`
	ContentType string `json:"content_type,omitempty"`
	Location    string `json:"location,omitempty"`
	Body        []byte `json:"body"`
}

// Service stores and replays answers.
type Service struct {
	store Store
	seal  Sealer
	now   func() time.Time
}

// New returns a Service; now defaults to time.Now.
func New(st Store, seal Sealer, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, seal: seal, now: now}
}

// ValidKey reports whether k is 1 to MaxKeyLen printable ASCII characters
// (a UUID is the usual choice).
func ValidKey(k string) bool {
	if k == "" || len(k) > MaxKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// Fingerprint identifies a request: its method, path, content type and
// body. The same key with another fingerprint is refused.
func Fingerprint(method, path, contentType string, body []byte) []byte {
	h := sha256.New()
	for _, s := range []string{method, path, contentType} {
		_, _ = fmt.Fprintf(h, "%d:%s\n", len(s), s)
	}
	_, _ = h.Write(body)
	return h.Sum(nil)
}

func aad(scope, key string) []byte {
	return fmt.Appendf(nil, "samo idempotency\x00%s\x00%s", scope, key)
}

// Begin claims key for scope, or returns the stored answer to replay. When
// it returns (nil, nil) the caller runs the request and must then call
// Finish or Abandon.
func (s *Service) Begin(ctx context.Context, scope, key string, fingerprint []byte) (*Response, error) {
	if !ValidKey(key) {
		return nil, ErrInvalidKey
	}
	now := s.now()
	rec := Record{Scope: scope, Key: key, Fingerprint: fingerprint, CreatedAt: now, ExpiresAt: now.Add(TTL)}
	got, claimed, err := s.store.ClaimIdempotency(ctx, rec, now.Add(-Lease))
	if err != nil {
		return nil, fmt.Errorf("idempotency: claim: %w", err)
	}
	if claimed {
		return nil, nil
	}
	if subtle.ConstantTimeCompare(got.Fingerprint, fingerprint) != 1 {
		return nil, ErrMismatch
	}
	if got.Status == 0 {
		return nil, ErrInProgress
	}
	plain, err := s.seal.Open(got.Response, aad(scope, key))
	if err != nil {
		return nil, fmt.Errorf("idempotency: open stored answer: %w", err)
	}
	var resp Response
	if err := json.Unmarshal(plain, &resp); err != nil {
		return nil, fmt.Errorf("idempotency: decode stored answer: %w", err)
	}
	return &resp, nil
}

// Finish stores the answer of a request begun with Begin.
func (s *Service) Finish(ctx context.Context, scope, key string, resp Response) error {
	plain, err := json.Marshal(resp)
	if err != nil {
		return fmt.Errorf("idempotency: encode answer: %w", err)
	}
	sealed, err := s.seal.Seal(plain, aad(scope, key))
	if err != nil {
		return fmt.Errorf("idempotency: seal answer: %w", err)
	}
	if err := s.store.CompleteIdempotency(ctx, scope, key, resp.Status, sealed); err != nil {
		return fmt.Errorf("idempotency: store answer: %w", err)
	}
	return nil
}

// Abandon releases a key whose request failed in a way worth retrying
// (5xx, 429): the next request with it runs again.
func (s *Service) Abandon(ctx context.Context, scope, key string) error {
	if err := s.store.ReleaseIdempotency(ctx, scope, key); err != nil {
		return fmt.Errorf("idempotency: release: %w", err)
	}
	return nil
}

// Purge deletes expired records and returns how many.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	return s.store.PurgeIdempotency(ctx, s.now())
}
