package token

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestIsPlaceholderSecret(t *testing.T) {
	t.Parallel()
	cases := []struct {
		s    string
		want bool
	}{
		{"your-super-secret-jwt-key-here", true},
		{"YOUR-SUPER-SECRET-JWT-KEY-HERE", true},
		{"  changeme  ", true},
		{"secret", true},
		{"your-encryption-key-here", true},
		{"", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("abc", 20), true},
		{strings.Repeat("changeme", 4), true},
		{"please-replace-me-with-a-real-key-0123456789", true},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbbbbbbbbbbbb", true}, // 2 distinct bytes
		{"0123456701234567012345670123456701234567", true},        // repeated pattern
		{"kX9#vQ2!mL7@pR4$wT8%zN1^bH6&cJ3*", false},
		{string(testSecret("x")), false},
		{"7f3a9c2e1b8d4f60a5e7c3b9d1f2a4e8c6b0d9f7e5a3c1b8", false},
	}
	for _, tc := range cases {
		if got := IsPlaceholderSecret([]byte(tc.s)); got != tc.want {
			t.Errorf("IsPlaceholderSecret(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestNewHMACKeySet(t *testing.T) {
	t.Parallel()
	good, other := testSecret("a"), testSecret("b")
	cases := []struct {
		name     string
		cur      []byte
		prev     [][]byte
		wantErr  bool
		wantKeys int
	}{
		{"one secret", good, nil, false, 1},
		{"with previous", good, [][]byte{other}, false, 2},
		{"short", good[:31], nil, true, 0},
		{"placeholder padded to 32", []byte("your-super-secret-jwt-key-here!!"), nil, true, 0},
		{"placeholder previous", good, [][]byte{[]byte(strings.Repeat("secret", 6))}, true, 0},
		{"short previous", good, [][]byte{other[:8]}, true, 0},
		{"duplicate previous", good, [][]byte{bytes.Clone(good)}, true, 0},
		{"nil", nil, nil, true, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := NewHMACKeySet(tc.cur, tc.prev...)
			if tc.wantErr {
				if !errors.Is(err, ErrKey) {
					t.Fatalf("NewHMACKeySet = %v, want ErrKey", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewHMACKeySet: %v", err)
			}
			ids := ks.KeyIDs()
			if len(ids) != tc.wantKeys || ks.SigningKeyID() != ids[0] {
				t.Fatalf("key ids %v (signing %q), want %d keys with the signing key first", ids, ks.SigningKeyID(), tc.wantKeys)
			}
			for _, id := range ids {
				if len(id) != hmacKIDLen || strings.Contains(string(tc.cur), id) {
					t.Errorf("kid %q: want %d characters unrelated to the secret text", id, hmacKIDLen)
				}
			}
		})
	}
	// The kid is stable for a secret and differs between secrets.
	a, _ := NewHMACKeySet(good)
	b, _ := NewHMACKeySet(bytes.Clone(good))
	c, _ := NewHMACKeySet(other)
	if a.SigningKeyID() != b.SigningKeyID() || a.SigningKeyID() == c.SigningKeyID() {
		t.Errorf("kids %q %q %q: want equal for equal secrets, different otherwise", a.SigningKeyID(), b.SigningKeyID(), c.SigningKeyID())
	}
	// The caller's slice is copied.
	buf := testSecret("mutable")
	ks, _ := NewHMACKeySet(buf)
	iss := mustIssuer(t, Config{}, ks)
	tok := mustIssue(t, iss)
	buf[0] ^= 0xff
	if _, err := iss.Verify(tok, t0); err != nil {
		t.Errorf("Verify after the caller changed its secret slice: %v", err)
	}
}

func TestKeyRotationByKID(t *testing.T) {
	t.Parallel()
	oldSecret, newSecret := testSecret("2029"), testSecret("2030")
	before, _ := NewHMACKeySet(oldSecret)
	oldTok := mustIssue(t, mustIssuer(t, Config{}, before))

	during, err := NewHMACKeySet(newSecret, oldSecret)
	if err != nil {
		t.Fatal(err)
	}
	rotated := mustIssuer(t, Config{}, during)
	newTok := mustIssue(t, rotated)
	for name, tok := range map[string]string{"old": oldTok, "new": newTok} {
		if _, err := rotated.Verify(tok, t0); err != nil {
			t.Errorf("during rotation, %s token: %v", name, err)
		}
	}
	c, _ := rotated.Verify(newTok, t0)
	if c.KeyID != during.SigningKeyID() || c.KeyID == before.SigningKeyID() {
		t.Errorf("new token kid = %q, want the new key %q", c.KeyID, during.SigningKeyID())
	}

	after, _ := NewHMACKeySet(newSecret)
	retired := mustIssuer(t, Config{}, after)
	if _, err := retired.Verify(oldTok, t0); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("after removing the old key, old token = %v, want ErrUnknownKey", err)
	}
	if _, err := retired.Verify(newTok, t0); err != nil {
		t.Errorf("after removing the old key, new token: %v", err)
	}
}

func TestAsymmetricRotation(t *testing.T) {
	t.Parallel()
	_, oldKey, _ := ed25519.GenerateKey(rand.Reader)
	_, newKey, _ := ed25519.GenerateKey(rand.Reader)
	oldTok := mustIssue(t, mustIssuer(t, Config{Algorithm: EdDSA}, mustAsym(t, EdDSA, oldKey)))
	rotated := mustIssuer(t, Config{Algorithm: EdDSA}, mustAsym(t, EdDSA, newKey, oldKey.Public(), newKey.Public()))
	if got := len(rotated.KeySet().KeyIDs()); got != 2 {
		t.Errorf("key set with the signer's public key listed again has %d keys, want 2", got)
	}
	if _, err := rotated.Verify(oldTok, t0); err != nil {
		t.Errorf("old EdDSA token with the old public key kept: %v", err)
	}
	verifyOnly := mustIssuer(t, Config{Algorithm: EdDSA}, mustAsym(t, EdDSA, nil, newKey.Public()))
	if _, err := verifyOnly.Verify(oldTok, t0); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("old token after removal = %v, want ErrUnknownKey", err)
	}
	if _, _, err := verifyOnly.Issue("u", nil); !errors.Is(err, ErrNoSigningKey) {
		t.Errorf("Issue on a verification-only set = %v, want ErrNoSigningKey", err)
	}
}

func TestParseKeySetPEM(t *testing.T) {
	t.Parallel()
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey := testRSAKey(t)
	rsa2048, _ := rsa.GenerateKey(rand.Reader, 2048)
	sec1, _ := x509.MarshalECPrivateKey(ecKey)
	sec1PEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})
	pkcs1PEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})
	cases := []struct {
		name string
		alg  string
		priv []byte
		pubs [][]byte
		ok   bool
	}{
		{"EdDSA", EdDSA, privatePEM(t, edKey), nil, true},
		{"ES256", ES256, privatePEM(t, ecKey), nil, true},
		{"RS256", RS256, privatePEM(t, rsaKey), nil, true},
		{"PS256", PS256, privatePEM(t, rsaKey), nil, true},
		{"PS256 verify only", PS256, nil, [][]byte{publicPEM(t, rsaKey.Public())}, true},
		{"RSA 2048 for PS256", PS256, privatePEM(t, rsa2048), nil, false},
		{"RSA 2048 for RS256", RS256, privatePEM(t, rsa2048), nil, false},
		{"RSA 2048 previous key", PS256, privatePEM(t, rsaKey), [][]byte{publicPEM(t, rsa2048.Public())}, false},
		{"Ed25519 key for PS256", PS256, privatePEM(t, edKey), nil, false},
		{"RS256 with an EC previous key", RS256, privatePEM(t, rsaKey), [][]byte{publicPEM(t, ecKey.Public())}, false},
		{"EdDSA verify only", EdDSA, nil, [][]byte{publicPEM(t, edKey.Public())}, true},
		{"no keys", EdDSA, nil, nil, false},
		{"ES256 key for EdDSA", EdDSA, privatePEM(t, ecKey), nil, false},
		{"Ed25519 key for RS256", RS256, privatePEM(t, edKey), nil, false},
		{"P-384 for ES256", ES256, privatePEM(t, p384), nil, false},
		{"SEC1 EC key", ES256, sec1PEM, nil, false},
		{"PKCS#1 RSA key", RS256, pkcs1PEM, nil, false},
		{"HS256 is not asymmetric", HS256, privatePEM(t, edKey), nil, false},
		{"public key as private", EdDSA, publicPEM(t, edKey.Public()), nil, false},
		{"garbage", EdDSA, []byte("not a key"), nil, false},
		{"two blocks", EdDSA, append(privatePEM(t, edKey), privatePEM(t, edKey)...), nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := ParseKeySetPEM(tc.alg, tc.priv, tc.pubs...)
			if !tc.ok {
				if !errors.Is(err, ErrKey) {
					t.Fatalf("ParseKeySetPEM = %v, want ErrKey", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseKeySetPEM: %v", err)
			}
			if ks.Algorithm() != tc.alg {
				t.Errorf("Algorithm = %q, want %q", ks.Algorithm(), tc.alg)
			}
			if tc.priv != nil {
				iss := mustIssuer(t, Config{Algorithm: tc.alg}, ks)
				if _, err := iss.Verify(mustIssue(t, iss), t0); err != nil {
					t.Errorf("round trip: %v", err)
				}
			}
		})
	}
	t.Run("RSA 1024", func(t *testing.T) {
		small, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			t.Skip("this Go refuses 1024-bit keys:", err)
		}
		if _, err := NewAsymmetricKeySet(RS256, small); !errors.Is(err, ErrKey) {
			t.Errorf("1024-bit RSA = %v, want ErrKey", err)
		}
	})
}

func TestLoadKeySetFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, oldKey, _ := ed25519.GenerateKey(rand.Reader)
	_, newKey, _ := ed25519.GenerateKey(rand.Reader)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	priv := write("new.pem", privatePEM(t, newKey))
	pub := write("old.pub.pem", publicPEM(t, oldKey.Public()))
	ks, err := LoadKeySetFiles(EdDSA, priv, pub)
	if err != nil {
		t.Fatalf("LoadKeySetFiles: %v", err)
	}
	if n := len(ks.KeyIDs()); n != 2 {
		t.Errorf("%d keys, want 2", n)
	}
	big := write("big.pem", bytes.Repeat([]byte("A"), maxPEMBytes+1))
	for name, files := range map[string][]string{
		"missing private": {filepath.Join(dir, "nope.pem")},
		"missing public":  {priv, filepath.Join(dir, "nope.pem")},
		"oversized":       {big},
	} {
		_, err := LoadKeySetFiles(EdDSA, files[0], files[1:]...)
		if !errors.Is(err, ErrKey) {
			t.Errorf("%s: LoadKeySetFiles = %v, want ErrKey", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "PRIVATE KEY-----") {
			t.Errorf("%s: error quotes key material", name)
		}
	}
}

func TestNewIssuerConfig(t *testing.T) {
	t.Parallel()
	ks, _ := NewHMACKeySet(testSecret("c"))
	edKS := mustAsym(t, EdDSA, ed25519.NewKeyFromSeed(make([]byte, 32)))
	cases := []struct {
		name string
		cfg  Config
		ks   *KeySet
		ok   bool
	}{
		{"defaults", Config{}, ks, true},
		{"explicit", Config{Algorithm: HS256, Issuer: "i", Audience: "a", TTL: 2 * time.Hour, MaxLifetime: 2 * time.Hour, Leeway: time.Second, MaxTokenBytes: 4096, RefreshTTL: time.Hour}, ks, true},
		{"algorithm differs from keys", Config{Algorithm: EdDSA}, ks, false},
		{"EdDSA keys default algorithm", Config{}, edKS, false},
		{"unknown algorithm", Config{Algorithm: "none"}, ks, false},
		{"lower-case algorithm", Config{Algorithm: "hs256"}, ks, false},
		{"bounds included", Config{TTL: time.Second, MaxLifetime: time.Second, Leeway: maxLeeway, MaxTokenBytes: minTokenBytes, RefreshTTL: time.Minute}, ks, true},
		{"largest max bytes", Config{MaxTokenBytes: maxTokenBytes}, ks, true},
		{"TTL under a second", Config{TTL: time.Second - 1, MaxLifetime: time.Second}, ks, false},
		{"max lifetime under a second", Config{TTL: time.Second, MaxLifetime: time.Second - 1}, ks, false},
		{"TTL over max", Config{TTL: 48 * time.Hour}, ks, false},
		{"negative TTL", Config{TTL: -time.Hour}, ks, false},
		{"fractional TTL", Config{TTL: 1500 * time.Millisecond}, ks, false},
		{"leeway too large", Config{Leeway: maxLeeway + 1}, ks, false},
		{"negative leeway", Config{Leeway: -1}, ks, false},
		{"max bytes too small", Config{MaxTokenBytes: minTokenBytes - 1}, ks, false},
		{"max bytes too large", Config{MaxTokenBytes: maxTokenBytes + 1}, ks, false},
		{"refresh TTL too small", Config{RefreshTTL: time.Minute - 1}, ks, false},
		{"family max age equal to refresh TTL", Config{RefreshTTL: time.Hour, RefreshFamilyMaxAge: time.Hour}, ks, true},
		{"family max age below refresh TTL", Config{RefreshTTL: time.Hour, RefreshFamilyMaxAge: time.Hour - 1}, ks, false},
		{"default family max age below refresh TTL", Config{RefreshTTL: DefaultRefreshFamilyMaxAge + time.Hour}, ks, false},
		{"negative family max age", Config{RefreshFamilyMaxAge: -time.Hour}, ks, false},
		{"issuer with control", Config{Issuer: "a\nb"}, ks, false},
		{"nil keys", Config{}, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			i, err := NewIssuer(tc.cfg, tc.ks, nil)
			if tc.ok != (err == nil) {
				t.Fatalf("NewIssuer = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrConfig) {
				t.Errorf("error %v does not wrap ErrConfig", err)
			}
			if tc.ok && tc.cfg.Algorithm == "" && i.Config().Algorithm != HS256 {
				t.Errorf("default algorithm = %q, want HS256", i.Config().Algorithm)
			}
		})
	}
}

func TestIssueInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	many := make([]string, maxPermissions+1)
	for i := range many {
		many[i] = "p"
	}
	cases := []struct {
		name  string
		user  string
		perms []string
	}{
		{"empty user", "", nil},
		{"invalid UTF-8 user", "u\xff", nil},
		{"control in user", "u\x00", nil},
		{"long user", strings.Repeat("u", maxNameBytes+1), nil},
		{"empty permission", "u", []string{""}},
		{"too many permissions", "u", many},
	}
	for _, tc := range cases {
		if _, _, err := f.hs.Issue(tc.user, tc.perms); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: Issue = %v, want ErrInvalidInput", tc.name, err)
		}
	}
	// Issue's claims are exactly what Verify returns.
	tok, issued, err := f.hs.Issue("ünïcode <user>", []string{"read_predictions"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.hs.Verify(tok, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != issued.UserID || !got.IssuedAt.Equal(issued.IssuedAt) || !got.ExpiresAt.Equal(issued.ExpiresAt) ||
		got.ID != issued.ID || got.KeyID != issued.KeyID || len(got.ID) != 22 || got.ExpiresAt.Sub(got.IssuedAt) != time.Hour {
		t.Errorf("Verify = %+v, Issue = %+v", got, issued)
	}
	// jti values are unique.
	seen := map[string]bool{}
	for range 1000 {
		_, c, _ := f.hs.Issue("u", nil)
		if seen[c.ID] {
			t.Fatalf("jti %q repeated", c.ID)
		}
		seen[c.ID] = true
	}
}

// TestKnownHeadersMatchStrictParse shows that the header shortcut in Verify
// returns exactly what the strict parser returns for the same segment.
func TestKnownHeadersMatchStrictParse(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, iss := range []*Issuer{f.hs, f.edIss, f.esIss, f.rsIss, f.psIss} {
		if len(iss.known) != len(iss.KeySet().KeyIDs()) {
			t.Errorf("%s: %d known headers for %d keys", iss.Config().Algorithm, len(iss.known), len(iss.KeySet().KeyIDs()))
		}
		for seg, want := range iss.known {
			raw, err := decodeSegment(seg)
			if err != nil {
				t.Fatalf("known header %q: %v", seg, err)
			}
			got, err := newJSONReader().parseHeader(raw)
			if err != nil || got != want {
				t.Errorf("parseHeader(%s) = %+v, %v; cached %+v", raw, got, err, want)
			}
		}
	}
}

func TestClaimsMarshalJSON(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tok := f.signHS(with(with(baseClaims(), "nbf", unix(t0.Add(-time.Hour))), "fam", `"fam1"`))
	c, err := f.hs.Verify(tok, t0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"iss":"samo","aud":"samo-api","user_id":"user-1","permissions":["read_predictions","write_predictions"],` +
		`"iat":` + unix(t0.Add(-time.Minute)) + `,"exp":` + unix(t0.Add(59*time.Minute)) + `,"jti":"AAAAAAAAAAAAAAAAAAAAAA",` +
		`"fam":"fam1","nbf":` + unix(t0.Add(-time.Hour)) + `,"kid":"` + f.hsKID + `"}`
	if string(b) != want {
		t.Errorf("json.Marshal(claims) =\n%s\nwant\n%s", b, want)
	}
	if b, _ := json.Marshal(Claims{}); !strings.Contains(string(b), `"permissions":[]`) || strings.Contains(string(b), "nbf") {
		t.Errorf("json.Marshal(Claims{}) = %s, want empty permissions and no nbf", b)
	}
}

type hsmSigner struct{ crypto.Signer }

func TestAsymmetricSignerType(t *testing.T) {
	t.Parallel()
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := NewAsymmetricKeySet(EdDSA, hsmSigner{k}); !errors.Is(err, ErrKey) {
		t.Errorf("NewAsymmetricKeySet(wrapped signer) = %v, want ErrKey", err)
	}
}
