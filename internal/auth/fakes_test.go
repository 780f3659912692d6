package auth_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/auth"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/token"
	"github.com/samo-brain/samo/internal/users"
)

var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// keyStore is an in-memory apikey.Store; err, when set, fails every lookup.
type keyStore struct {
	mu   sync.Mutex
	keys map[string]apikey.Key
	err  error
}

var _ apikey.Store = (*keyStore)(nil)

func (s *keyStore) CreateKey(_ context.Context, k apikey.Key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[k.ID] = k
	return nil
}

func (s *keyStore) KeyByHash(_ context.Context, hash []byte) (apikey.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return apikey.Key{}, s.err
	}
	for _, k := range s.keys {
		if bytes.Equal(k.Hash, hash) {
			return k, nil
		}
	}
	return apikey.Key{}, apikey.ErrNotFound
}

func (s *keyStore) KeyByID(_ context.Context, id string) (apikey.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return apikey.Key{}, s.err
	}
	k, ok := s.keys[id]
	if !ok {
		return apikey.Key{}, apikey.ErrNotFound
	}
	return k, nil
}

func (s *keyStore) ListKeys(context.Context, string) ([]apikey.Key, error) { return nil, nil }
func (s *keyStore) ListKeysPage(context.Context, apikey.KeyPage) ([]apikey.Key, error) {
	return nil, nil
}

func (s *keyStore) UpdateKeyStatus(_ context.Context, id string, st apikey.Status, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[id]
	if !ok {
		return apikey.ErrNotFound
	}
	k.Status, k.RevokedAt = st, &at
	s.keys[id] = k
	return nil
}

func (s *keyStore) RotateKey(context.Context, string, apikey.Key, time.Time, int) error {
	return errors.New("fake: not implemented")
}

func (s *keyStore) TouchKeys(context.Context, map[string]time.Time) error { return nil }

// userStore holds users by id, counts lookups and can fail them.
type userStore struct {
	mu    sync.Mutex
	users map[string]users.User
	calls int
	err   error
}

func (s *userStore) UserByID(_ context.Context, id string) (users.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.err != nil {
		return users.User{}, s.err
	}
	u, ok := s.users[id]
	if !ok {
		return users.User{}, users.ErrNotFound
	}
	return u, nil
}

func (s *userStore) setRole(id string, r rbac.Role) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	u.Role = r
	s.users[id] = u
}

func (s *userStore) lookups() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// allGrants lets every key refresh with every permission (refresh is not
// what these tests are about).
type allGrants struct{}

func (allGrants) Permissions(context.Context, string, string) ([]string, error) {
	return []string{"read_predictions"}, nil
}

// fixture is an Authenticator over fakes with one admin user holding one key.
type fixture struct {
	clk    *clock
	keys   *keyStore
	users  *userStore
	keySvc *apikey.Service
	tokSvc *token.Service
	a      *auth.Authenticator
	key    string     // the admin's plaintext key
	rec    apikey.Key // its record
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{clk: &clock{t: t0}, keys: &keyStore{keys: map[string]apikey.Key{}},
		users: &userStore{users: map[string]users.User{
			"u-admin": {ID: "u-admin", Name: "alice", Role: rbac.RoleAdmin},
		}}}
	f.keySvc = apikey.NewService(apikey.Config{}, f.keys, f.clk.Now)
	secret := sha256.Sum256([]byte("samo auth test secret"))
	ks, err := token.NewHMACKeySet(secret[:])
	if err != nil {
		t.Fatal(err)
	}
	iss, err := token.NewIssuer(token.Config{}, ks, f.clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	mem := token.NewMemoryStoreWith(token.MemoryOptions{Now: f.clk.Now})
	f.tokSvc, err = token.NewService(token.Deps{Issuer: iss, Store: mem, DenyList: mem, Grants: allGrants{}})
	if err != nil {
		t.Fatal(err)
	}
	f.a = auth.New(f.keySvc, f.tokSvc, f.users, f.clk.Now)
	f.key, f.rec, err = f.keySvc.Create(context.Background(), "u-admin", "laptop")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// bearer issues an access token for the admin's key with perms.
func (f *fixture) bearer(t *testing.T, perms ...string) string {
	t.Helper()
	p, err := f.tokSvc.IssuePair(context.Background(), "u-admin", f.rec.ID, perms)
	if err != nil {
		t.Fatal(err)
	}
	return p.AccessToken
}
