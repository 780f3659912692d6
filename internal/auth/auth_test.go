package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/auth"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/reqctx"
)

// request builds a GET with the given headers (name, value pairs).
func request(target string, headers ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return r
}

// failure asserts that err is a *auth.Failure wrapping want with reason.
func failure(t *testing.T, err error, want error, reason string) *auth.Failure {
	t.Helper()
	var f *auth.Failure
	if !errors.As(err, &f) {
		t.Fatalf("error = %v (%T), want *auth.Failure", err, err)
	}
	if !errors.Is(err, want) || string(f.Reason) != reason {
		t.Fatalf("failure = %v (reason %q), want %v with reason %q", f.Err, f.Reason, want, reason)
	}
	return f
}

func TestAPIKeyAuthenticates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, err := f.a.Authenticate(request("/v1/predict", "X-API-Key", f.key))
	if err != nil {
		t.Fatal(err)
	}
	want := reqctx.Principal{UserID: "u-admin", UserName: "alice", Role: rbac.RoleAdmin, KeyID: f.rec.ID, Method: "api_key"}
	if p.UserID != want.UserID || p.UserName != want.UserName || p.Role != want.Role || p.KeyID != want.KeyID ||
		p.Method != want.Method || p.Scope != nil || p.TokenID != "" {
		t.Errorf("principal = %+v, want %+v", *p, want)
	}
	if !p.Can(rbac.Admin) {
		t.Error("an admin's API key cannot do admin work")
	}
}

func TestCredentialsInURLRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, param := range []string{"api_key", "apikey", "key", "token", "access_token", "jwt", "refresh_token"} {
		t.Run(param, func(t *testing.T) {
			// Even with a valid header: the URL leaked the credential already.
			_, err := f.a.Authenticate(request("/v1/predict?"+param+"="+f.key, "X-API-Key", f.key))
			failure(t, err, auth.ErrCredentialInURL, "key_in_url")
			_, err = f.a.Authenticate(request("/v1/predict?" + param + "="))
			failure(t, err, auth.ErrCredentialInURL, "key_in_url")
		})
	}
	if _, err := f.a.Authenticate(request("/v1/predict?q=keys&limit=5", "X-API-Key", f.key)); err != nil {
		t.Errorf("ordinary query parameters refused: %v", err)
	}
}

func TestBothHeadersRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tok := f.bearer(t, "read_predictions")
	// Each credential alone is valid, so only the ambiguity check refuses.
	for _, r := range []*http.Request{
		request("/", "X-API-Key", f.key), request("/", "Authorization", "Bearer "+tok),
	} {
		if _, err := f.a.Authenticate(r); err != nil {
			t.Fatalf("single credential refused: %v", err)
		}
	}
	_, err := f.a.Authenticate(request("/", "X-API-Key", f.key, "Authorization", "Bearer "+tok))
	failure(t, err, auth.ErrAmbiguous, "ambiguous")
	_, err = f.a.Authenticate(request("/", "X-API-Key", f.key, "Authorization", "Basic Zm9vOmJhcg=="))
	failure(t, err, auth.ErrAmbiguous, "ambiguous")
}

func TestAuthorizationSchemes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tok := f.bearer(t, "read_predictions")
	for _, tc := range []struct {
		name, value string
		ok          bool
	}{
		{"bearer", "Bearer " + tok, true},
		{"lower-case scheme", "bearer " + tok, true},
		{"extra space", "Bearer  " + tok, true},
		{"basic", "Basic Zm9vOmJhcg==", false},
		{"api key as basic", "Basic " + f.key, false},
		{"no credential", "Bearer ", false},
		{"scheme only", "Bearer", false},
		{"token without scheme", tok, false},
		{"other scheme with token", "Token " + tok, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := f.a.Authenticate(request("/", "Authorization", tc.value))
			if tc.ok {
				if err != nil || p.Method != "jwt" {
					t.Fatalf("got (%+v, %v), want a jwt principal", p, err)
				}
				return
			}
			failure(t, err, auth.ErrInvalid, "unsupported_scheme")
		})
	}
}

func TestMissingCredentials(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := f.a.Authenticate(request("/", "X-API-Key", "", "Authorization", ""))
	failure(t, err, auth.ErrMissing, "missing")
}

func TestKeyFailureReasons(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	revoked, rk, _ := f.keySvc.Create(ctx, "u-admin", "revoked")
	suspended, sk, _ := f.keySvc.Create(ctx, "u-admin", "suspended")
	if err := f.keySvc.Revoke(ctx, rk.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.keySvc.Suspend(ctx, sk.ID); err != nil {
		t.Fatal(err)
	}
	unknown, _, _ := newFixture(t).keySvc.Create(ctx, "u-admin", "elsewhere")
	for _, tc := range []struct {
		name, key, reason string
		keyID             string
	}{
		{"malformed", "samo_nope", "malformed_key", ""},
		{"unknown", unknown, "unknown_key", ""},
		{"revoked", revoked, "revoked", rk.ID},
		{"suspended", suspended, "suspended", sk.ID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.a.Authenticate(request("/", "X-API-Key", tc.key))
			fl := failure(t, err, auth.ErrInvalid, tc.reason)
			if fl.KeyID != tc.keyID {
				t.Errorf("KeyID = %q, want %q", fl.KeyID, tc.keyID)
			}
			if fl.Hint == "" || strings.Contains(tc.key, fl.Hint) || strings.Contains(fl.Error(), tc.key) {
				t.Errorf("hint %q / error %q: want a non-empty hash prefix that reveals nothing of the key", fl.Hint, fl.Error())
			}
		})
	}
	t.Run("store down", func(t *testing.T) {
		f := newFixture(t)
		f.keys.err = errors.New("disk on fire")
		_, err := f.a.Authenticate(request("/", "X-API-Key", f.key))
		if fl := failure(t, err, auth.ErrUnavailable, "store_error"); fl.Cause == nil {
			t.Error("the cause is lost for the logs")
		}
	})
	t.Run("expired", func(t *testing.T) {
		f := newFixture(t)
		k := f.keys.keys[f.rec.ID]
		past := t0.Add(-time.Minute)
		k.ExpiresAt = &past
		f.keys.keys[f.rec.ID] = k
		_, err := f.a.Authenticate(request("/", "X-API-Key", f.key))
		failure(t, err, auth.ErrInvalid, "expired")
	})
}

// TestUserLookupFailures kills the mutation that ignores a failed user
// lookup: a key whose user is gone, or a user store that cannot answer,
// must never yield a principal (with an empty role or otherwise).
func TestUserLookupFailures(t *testing.T) {
	t.Parallel()
	t.Run("deleted user", func(t *testing.T) {
		f := newFixture(t)
		delete(f.users.users, "u-admin")
		p, err := f.a.Authenticate(request("/", "X-API-Key", f.key))
		if p != nil {
			t.Fatalf("principal %+v for a deleted user", *p)
		}
		if fl := failure(t, err, auth.ErrInvalid, "unknown_user"); fl.KeyID != f.rec.ID {
			t.Errorf("KeyID = %q, want %q", fl.KeyID, f.rec.ID)
		}
	})
	t.Run("store down", func(t *testing.T) {
		f := newFixture(t)
		f.users.err = errors.New("connection refused")
		tok := f.bearer(t, "read_predictions")
		for _, r := range []*http.Request{request("/", "X-API-Key", f.key), request("/", "Authorization", "Bearer "+tok)} {
			p, err := f.a.Authenticate(r)
			if p != nil {
				t.Fatalf("principal %+v while the user store is down", *p)
			}
			failure(t, err, auth.ErrUnavailable, "store_error")
		}
	})
	t.Run("not cached", func(t *testing.T) {
		f := newFixture(t)
		f.users.err = errors.New("connection refused")
		_, _ = f.a.Authenticate(request("/", "X-API-Key", f.key))
		f.users.err = nil
		delete(f.users.users, "u-admin")
		_, err := f.a.Authenticate(request("/", "X-API-Key", f.key))
		failure(t, err, auth.ErrInvalid, "unknown_user")
	})
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, err := f.a.Authenticate(request("/", "Authorization", "Bearer "+f.bearer(t, "read_predictions", "admin")))
	if err != nil {
		t.Fatal(err)
	}
	if p.Method != "jwt" || p.UserID != "u-admin" || p.KeyID != f.rec.ID || p.TokenID == "" || p.Role != rbac.RoleAdmin {
		t.Errorf("principal = %+v", *p)
	}
	if got := p.Scope; !slices.Equal(got, []rbac.Permission{rbac.ReadPredictions, rbac.Admin}) {
		t.Errorf("scope = %v", got)
	}
}

// TestTokenPermissionsOnlyNarrow: a token's permissions claim narrows the
// role; it never adds what the role lacks.
func TestTokenPermissionsOnlyNarrow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, err := f.a.Authenticate(request("/", "Authorization", "Bearer "+f.bearer(t, "read_predictions")))
	if err != nil {
		t.Fatal(err)
	}
	if !p.Can(rbac.ReadPredictions) || p.Can(rbac.Admin) || p.Can(rbac.WritePredictions) {
		t.Errorf("admin token scoped to read_predictions: Can(read)=%v Can(admin)=%v Can(write)=%v, want true false false",
			p.Can(rbac.ReadPredictions), p.Can(rbac.Admin), p.Can(rbac.WritePredictions))
	}
	// A token with no permissions can do nothing, not everything.
	p, err = f.a.Authenticate(request("/", "Authorization", "Bearer "+f.bearer(t)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Scope == nil || p.Can(rbac.ReadPredictions) {
		t.Errorf("token without permissions: scope %#v, Can(read)=%v; want an empty scope allowing nothing", p.Scope, p.Can(rbac.ReadPredictions))
	}
	// A token claiming admin for a user demoted to "user" gets no admin.
	tok := f.bearer(t, "read_predictions", "admin")
	f.users.setRole("u-admin", rbac.RoleUser)
	f.clk.Add(2 * time.Second) // past the user cache
	p, err = f.a.Authenticate(request("/", "Authorization", "Bearer "+tok))
	if err != nil {
		t.Fatal(err)
	}
	if p.Role != rbac.RoleUser || p.Can(rbac.Admin) {
		t.Errorf("demoted user's admin-claiming token: role %q, Can(admin)=%v; want user, false", p.Role, p.Can(rbac.Admin))
	}
}

func TestTokenOfRevokedKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(*fixture) error
		reason string
	}{
		{"revoked", func(f *fixture) error { return f.keySvc.Revoke(context.Background(), f.rec.ID) }, "revoked"},
		{"suspended", func(f *fixture) error { return f.keySvc.Suspend(context.Background(), f.rec.ID) }, "suspended"},
		{"deleted", func(f *fixture) error { delete(f.keys.keys, f.rec.ID); f.keySvc.Invalidate(f.rec.ID); return nil }, "unknown_key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tok := f.bearer(t, "read_predictions")
			if _, err := f.a.Authenticate(request("/", "Authorization", "Bearer "+tok)); err != nil {
				t.Fatalf("before: %v", err)
			}
			if err := tc.change(f); err != nil {
				t.Fatal(err)
			}
			p, err := f.a.Authenticate(request("/", "Authorization", "Bearer "+tok))
			if p != nil {
				t.Fatalf("principal %+v from a token of a %s key", *p, tc.name)
			}
			failure(t, err, auth.ErrInvalid, tc.reason)
		})
	}
}

func TestTokenFailures(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tok := f.bearer(t, "read_predictions")
	t.Run("forged", func(t *testing.T) {
		_, err := f.a.Authenticate(request("/", "Authorization", "Bearer "+tok[:len(tok)-2]+"xx"))
		failure(t, err, auth.ErrInvalid, "invalid_token")
	})
	t.Run("expired", func(t *testing.T) {
		f := newFixture(t)
		tok := f.bearer(t, "read_predictions")
		f.clk.Add(24 * time.Hour)
		_, err := f.a.Authenticate(request("/", "Authorization", "Bearer "+tok))
		failure(t, err, auth.ErrInvalid, "invalid_token")
	})
	t.Run("logged out", func(t *testing.T) {
		f := newFixture(t)
		tok := f.bearer(t, "read_predictions")
		c, err := f.tokSvc.Authenticate(context.Background(), tok)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.tokSvc.Logout(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		_, err = f.a.Authenticate(request("/", "Authorization", "Bearer "+tok))
		failure(t, err, auth.ErrInvalid, "revoked_token")
	})
	t.Run("no token service", func(t *testing.T) {
		a := auth.New(f.keySvc, nil, f.users, f.clk.Now)
		_, err := a.Authenticate(request("/", "Authorization", "Bearer "+tok))
		failure(t, err, auth.ErrInvalid, "invalid_token")
	})
	t.Run("key store down", func(t *testing.T) {
		f := newFixture(t)
		tok := f.bearer(t, "read_predictions")
		f.keySvc.Invalidate(f.rec.ID)
		f.keys.err = errors.New("timeout")
		_, err := f.a.Authenticate(request("/", "Authorization", "Bearer "+tok))
		failure(t, err, auth.ErrUnavailable, "store_error")
	})
}

// TestUserCache: the role is cached for one second at most, so a role
// change applies to existing keys and tokens within that second; within
// it, the store is asked once.
func TestUserCache(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := func() *reqctx.Principal {
		t.Helper()
		p, err := f.a.Authenticate(request("/", "X-API-Key", f.key))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	r()
	r()
	if n := f.users.lookups(); n != 1 {
		t.Errorf("user lookups for two requests within the TTL = %d, want 1", n)
	}
	f.users.setRole("u-admin", rbac.RoleUser)
	f.clk.Add(999 * time.Millisecond)
	if p := r(); p.Role != rbac.RoleAdmin {
		t.Errorf("role within the TTL = %q, want the cached admin", p.Role)
	}
	f.clk.Add(time.Millisecond) // exactly one second after the lookup
	if p := r(); p.Role != rbac.RoleUser || p.Can(rbac.Admin) {
		t.Errorf("role after the TTL = %q, want user: a demotion must apply within a second", p.Role)
	}
	if n := f.users.lookups(); n != 2 {
		t.Errorf("user lookups = %d, want 2", n)
	}
	// A user deleted after being cached is refused once the entry expires.
	delete(f.users.users, "u-admin")
	f.clk.Add(time.Second)
	_, err := f.a.Authenticate(request("/", "X-API-Key", f.key))
	failure(t, err, auth.ErrInvalid, "unknown_user")
}

// TestGraceMarksReplacedKeys: a key replaced by rotation (and a token it
// issued) authenticates with Principal.Grace set during its grace period;
// any other key without it.
func TestGraceMarksReplacedKeys(t *testing.T) {
	f := newFixture(t)
	tok := f.bearer(t, "read_predictions")
	for _, r := range []*http.Request{request("/", "X-API-Key", f.key), request("/", "Authorization", "Bearer "+tok)} {
		if p, err := f.a.Authenticate(r); err != nil || p.Grace {
			t.Fatalf("current key: grace %v, %v; want false", p != nil && p.Grace, err)
		}
	}
	k := f.keys.keys[f.rec.ID]
	until := t0.Add(time.Hour)
	k.ReplacedBy, k.GraceUntil = "key_new", &until
	f.keys.keys[f.rec.ID] = k
	f.keySvc.Invalidate(f.rec.ID)
	for _, r := range []*http.Request{request("/", "X-API-Key", f.key), request("/", "Authorization", "Bearer "+tok)} {
		if p, err := f.a.Authenticate(r); err != nil || !p.Grace {
			t.Errorf("replaced key (%s): grace %v, %v; want true", r.Header, p != nil && p.Grace, err)
		}
	}
}
