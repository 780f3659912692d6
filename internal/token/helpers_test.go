package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// t0 is the fixed "now" of the tests: 2030-01-01T00:00:00Z.
var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// testSecret returns a deterministic 32-byte secret that is not a placeholder.
func testSecret(label string) []byte {
	s := sha256.Sum256([]byte("samo token test secret " + label))
	return s[:]
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// hs256 signs input with HMAC-SHA256 using only the standard library, so
// the tests do not trust the code under test to produce signatures.
func hs256(secret []byte, input string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// jwt builds header.payload.HS256(secret) from raw JSON strings.
func jwtHS(header, payload string, secret []byte) string {
	in := b64(header) + "." + b64(payload)
	return in + "." + hs256(secret, in)
}

// kv is one JSON member with a raw JSON value.
type kv struct{ name, raw string }

// obj renders members in order as a JSON object; names are written as
// given between quotes, so a test can spell an escape such as \u0065xp.
func obj(members []kv) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + m.name + `"`) // raw: tests write escapes on purpose
		b.WriteByte(':')
		b.WriteString(m.raw)
	}
	b.WriteByte('}')
	return b.String()
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// baseClaims are valid claims at t0: issued a minute ago, valid for an hour.
func baseClaims() []kv {
	return []kv{
		{"iss", `"samo"`},
		{"aud", `"samo-api"`},
		{"user_id", `"user-1"`},
		{"permissions", `["read_predictions","write_predictions"]`},
		{"iat", unix(t0.Add(-time.Minute))},
		{"exp", unix(t0.Add(59 * time.Minute))},
		{"jti", `"AAAAAAAAAAAAAAAAAAAAAA"`},
	}
}

// with returns base with name set to raw (replaced in place or appended).
func with(base []kv, name, raw string) []kv {
	out := append([]kv(nil), base...)
	for i := range out {
		if out[i].name == name {
			out[i].raw = raw
			return out
		}
	}
	return append(out, kv{name, raw})
}

// without returns base without name.
func without(base []kv, name string) []kv {
	var out []kv
	for _, m := range base {
		if m.name != name {
			out = append(out, m)
		}
	}
	return out
}

// plus appends a member even when the name exists (duplicates).
func plus(base []kv, name, raw string) []kv {
	return append(append([]kv(nil), base...), kv{name, raw})
}

// fixture holds the keys and issuers of one test, all with clock t0.
type fixture struct {
	cur, prev       []byte
	hs              *Issuer
	hsKID, prevKID  string
	ed              ed25519.PrivateKey
	ec              *ecdsa.PrivateKey
	rsa             *rsa.PrivateKey
	edIss, esIss    *Issuer
	rsIss           *Issuer
	psIss           *Issuer // PS256 with the same RSA key as rsIss
	rsaPublicKeyPEM []byte
}

func newFixture(tb testing.TB) *fixture {
	f := &fixture{cur: testSecret("current"), prev: testSecret("previous")}
	ks, err := NewHMACKeySet(f.cur, f.prev)
	if err != nil {
		tb.Fatalf("NewHMACKeySet: %v", err)
	}
	f.hsKID, f.prevKID = ks.KeyIDs()[0], ks.KeyIDs()[1]
	f.hs = mustIssuer(tb, Config{}, ks)
	_, f.ed, err = ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	if f.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		tb.Fatal(err)
	}
	f.rsa = testRSAKey(tb)
	f.edIss = mustIssuer(tb, Config{Algorithm: EdDSA}, mustAsym(tb, EdDSA, f.ed))
	f.esIss = mustIssuer(tb, Config{Algorithm: ES256}, mustAsym(tb, ES256, f.ec))
	f.rsIss = mustIssuer(tb, Config{Algorithm: RS256}, mustAsym(tb, RS256, f.rsa))
	f.psIss = mustIssuer(tb, Config{Algorithm: PS256}, mustAsym(tb, PS256, f.rsa))
	f.rsaPublicKeyPEM = publicPEM(tb, f.rsa.Public())
	return f
}

// testRSAKey returns one 3072-bit RSA key shared by the package's tests
// (generating one takes a good fraction of a second).
var testRSAKey = func() func(testing.TB) *rsa.PrivateKey {
	var once sync.Once
	var key *rsa.PrivateKey
	var err error
	return func(tb testing.TB) *rsa.PrivateKey {
		tb.Helper()
		once.Do(func() { key, err = rsa.GenerateKey(rand.Reader, 3072) })
		if err != nil {
			tb.Fatal(err)
		}
		return key
	}
}()

func mustIssuer(tb testing.TB, cfg Config, ks *KeySet) *Issuer {
	tb.Helper()
	i, err := NewIssuer(cfg, ks, fixedClock(t0))
	if err != nil {
		tb.Fatalf("NewIssuer(%+v): %v", cfg, err)
	}
	return i
}

func mustAsym(tb testing.TB, alg string, s crypto.Signer, prev ...crypto.PublicKey) *KeySet {
	tb.Helper()
	ks, err := NewAsymmetricKeySet(alg, s, prev...)
	if err != nil {
		tb.Fatalf("NewAsymmetricKeySet(%s): %v", alg, err)
	}
	return ks
}

// hsHeader is the header Issue writes for the current HS256 key.
func (f *fixture) hsHeader() string {
	return `{"alg":"HS256","kid":"` + f.hsKID + `","typ":"JWT"}`
}

// signHS builds a token with the current secret from members.
func (f *fixture) signHS(members []kv) string { return jwtHS(f.hsHeader(), obj(members), f.cur) }

// signAsym signs header.payload with an asymmetric key using the standard library.
func signAsym(tb testing.TB, alg string, key crypto.Signer, header, payload string) string {
	tb.Helper()
	in := b64(header) + "." + b64(payload)
	var sig []byte
	switch alg {
	case EdDSA:
		sig = ed25519.Sign(key.(ed25519.PrivateKey), []byte(in))
	case ES256:
		h := sha256.Sum256([]byte(in))
		r, s, err := ecdsa.Sign(rand.Reader, key.(*ecdsa.PrivateKey), h[:])
		if err != nil {
			tb.Fatal(err)
		}
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	case RS256:
		h := sha256.Sum256([]byte(in))
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, h[:]); err != nil {
			tb.Fatal(err)
		}
	case PS256:
		h := sha256.Sum256([]byte(in))
		var err error
		if sig, err = rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, h[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}); err != nil {
			tb.Fatal(err)
		}
	default:
		tb.Fatalf("signAsym: unknown alg %s", alg)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func publicPEM(tb testing.TB, pub crypto.PublicKey) []byte {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func privatePEM(tb testing.TB, priv crypto.Signer) []byte {
	tb.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}
