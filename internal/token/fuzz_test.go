package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzVerify fuzzes the whole token string against an HS256 verifier. It
// must never panic, every rejection must wrap exactly one sentinel, and an
// accepted token must be byte-for-byte one of the tokens we signed: strict
// parsing leaves no malleable encodings, and nothing the fuzzer builds can
// carry a valid signature under our secrets.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	base := baseClaims()
	known := map[string]bool{}
	for _, tok := range []string{
		fx.signHS(base),
		fx.signHS(with(base, "aud", `["x","samo-api"]`)),
		fx.signHS(with(with(base, "fam", `"fam1"`), "nbf", unix(t0.Add(-time.Hour)))),
		jwtHS(`{"alg":"HS256","kid":"`+fx.prevKID+`"}`, obj(base), fx.prev),
	} {
		known[tok] = true
		f.Add(tok)
	}
	for _, tok := range []string{
		"", ".", "..", "a.b.c", "e30.e30.", "e30.e30.e30",
		fx.signHS(with(base, "EXP", "1")),
		fx.signHS(plus(base, "exp", "1")),
		jwtHS(`{"alg":"none","kid":"`+fx.hsKID+`"}`, obj(base), fx.cur),
		jwtHS(fx.hsHeader(), obj(with(base, "user_id", `"\ud800"`)), fx.cur),
	} {
		f.Add(tok)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := fx.hs.Verify(tok, t0)
		if err != nil {
			if n := countSentinels(err); n != 1 {
				t.Fatalf("Verify(%q) error %v wraps %d sentinels, want 1", tok, err, n)
			}
			return
		}
		if !known[tok] {
			t.Fatalf("Verify accepted a token we did not sign: %q (claims %+v)", tok, c)
		}
		// Independent check: the signature verifies with one of our secrets.
		dot := strings.LastIndexByte(tok, '.')
		sig, derr := base64.RawURLEncoding.DecodeString(tok[dot+1:])
		if derr != nil || !(hmacOK(fx.cur, tok[:dot], sig) || hmacOK(fx.prev, tok[:dot], sig)) {
			t.Fatalf("accepted token %q does not carry our signature", tok)
		}
	})
}

func hmacOK(secret []byte, input string, sig []byte) bool {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return hmac.Equal(m.Sum(nil), sig)
}

// FuzzVerifyPayload fuzzes the claims JSON of correctly signed tokens, so
// the claims parser and checks are reached. Whatever it accepts must satisfy
// every documented rule, checked here against an independent decoding.
func FuzzVerifyPayload(f *testing.F) {
	fx := newFixture(f)
	base := baseClaims()
	for _, p := range []string{
		obj(base),
		obj(with(base, "aud", `["a","samo-api"]`)),
		obj(with(base, "EXP", "1")),
		obj(plus(base, `\u0065xp`, "1")),
		obj(with(base, "nbf", unix(t0))),
		obj(with(base, "permissions", `[]`)),
		`{}`, `[]`, `null`, "{\"iss\":\"samo\"}",
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		c, err := fx.hs.Verify(jwtHS(fx.hsHeader(), payload, fx.cur), t0)
		if err != nil {
			if n := countSentinels(err); n != 1 {
				t.Fatalf("error %v wraps %d sentinels, want 1", err, n)
			}
			return
		}
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(payload))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("accepted payload %q that encoding/json cannot decode: %v", payload, err)
		}
		for name := range m {
			if !isKnownClaim(name) {
				t.Fatalf("accepted payload %q with claim %q", payload, name)
			}
		}
		if m["iss"] != "samo" || c.Issuer != "samo" || c.Audience != "samo-api" {
			t.Fatalf("accepted payload %q: iss %v, claims %+v", payload, m["iss"], c)
		}
		if !t0.Before(c.ExpiresAt) || c.IssuedAt.After(t0.Add(30*time.Second)) || c.ExpiresAt.Sub(c.IssuedAt) > 24*time.Hour || c.ExpiresAt.Sub(c.IssuedAt) <= 0 {
			t.Fatalf("accepted payload %q with times iat=%v exp=%v", payload, c.IssuedAt, c.ExpiresAt)
		}
		if exp, ok := m["exp"].(json.Number); !ok || exp.String() != unix(c.ExpiresAt) {
			t.Fatalf("accepted payload %q: exp %v, claims exp %v", payload, m["exp"], c.ExpiresAt)
		}
		if u, ok := m["user_id"].(string); !ok || u != c.UserID || c.UserID == "" {
			t.Fatalf("accepted payload %q: user_id %v, claims %q", payload, m["user_id"], c.UserID)
		}
	})
}

func isKnownClaim(name string) bool {
	for _, k := range knownClaims {
		if name == k {
			return true
		}
	}
	return false
}

// FuzzRefreshFormat checks the refresh-token shape check: no panic, and any
// accepted string is the prefix plus 43 strict base64url characters that
// decode to 32 bytes and re-encode to the same text.
func FuzzRefreshFormat(f *testing.F) {
	tok, _ := newRefreshToken()
	for _, s := range []string{tok, "", RefreshPrefix, tok + "=", strings.ToUpper(tok), tok[:len(tok)-1] + "B"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !validRefreshFormat(s) {
			return
		}
		body := strings.TrimPrefix(s, RefreshPrefix)
		b, err := base64.RawURLEncoding.Strict().DecodeString(body)
		if err != nil || len(b) != refreshRandomBytes || base64.RawURLEncoding.EncodeToString(b) != body {
			t.Fatalf("accepted refresh token %q (err %v)", s, errors.Join(err))
		}
	})
}
