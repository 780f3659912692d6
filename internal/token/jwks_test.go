package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
)

// jwkJSON is a JWK as a client would decode it.
type jwkJSON struct {
	Kty, Crv, X, Y, N, E, Kid, Alg, Use, D, K string
}

// thumbprint computes the RFC 7638 thumbprint independently, with
// encoding/json over a map (which sorts keys) of the required members.
func thumbprint(t *testing.T, k jwkJSON) string {
	t.Helper()
	m := map[string]string{"kty": k.Kty}
	switch k.Kty {
	case "OKP":
		m["crv"], m["x"] = k.Crv, k.X
	case "EC":
		m["crv"], m["x"], m["y"] = k.Crv, k.X, k.Y
	case "RSA":
		m["n"], m["e"] = k.N, k.E
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// publicFromJWK rebuilds a public key from a JWK.
func publicFromJWK(t *testing.T, k jwkJSON) crypto.PublicKey {
	t.Helper()
	dec := func(s string) []byte {
		b, err := base64.RawURLEncoding.Strict().DecodeString(s)
		if err != nil {
			t.Fatalf("JWK member %q is not base64url: %v", s, err)
		}
		return b
	}
	switch k.Kty {
	case "OKP":
		return ed25519.PublicKey(dec(k.X))
	case "EC":
		raw := append(append([]byte{4}, dec(k.X)...), dec(k.Y)...)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
		if err != nil {
			t.Fatalf("EC JWK: %v", err)
		}
		return pub
	case "RSA":
		return &rsa.PublicKey{N: new(big.Int).SetBytes(dec(k.N)), E: int(new(big.Int).SetBytes(dec(k.E)).Int64())}
	}
	t.Fatalf("unexpected kty %q", k.Kty)
	return nil
}

func TestJWKS(t *testing.T) {
	t.Parallel()
	_, ed1, _ := ed25519.GenerateKey(rand.Reader)
	_, ed2, _ := ed25519.GenerateKey(rand.Reader)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecOld, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk := testRSAKey(t)
	cases := []struct {
		alg     string
		signer  crypto.Signer
		prev    []crypto.PublicKey
		kty     string
		crv     string
		wantLen int
	}{
		{EdDSA, ed1, []crypto.PublicKey{ed2.Public()}, "OKP", "Ed25519", 2},
		{ES256, ec, []crypto.PublicKey{ecOld.Public()}, "EC", "P-256", 2},
		{RS256, rk, nil, "RSA", "", 1},
		{PS256, rk, nil, "RSA", "", 1},
	}
	for _, tc := range cases {
		t.Run(tc.alg, func(t *testing.T) {
			ks := mustAsym(t, tc.alg, tc.signer, tc.prev...)
			srv := httptest.NewServer(ks.JWKSHandler())
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/.well-known/jwks.json")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/jwk-set+json" || resp.Header.Get("Cache-Control") == "" {
				t.Fatalf("GET jwks: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
			}
			var set struct{ Keys []jwkJSON }
			if err := json.Unmarshal(body, &set); err != nil {
				t.Fatalf("JWKS is not JSON: %v\n%s", err, body)
			}
			if len(set.Keys) != tc.wantLen {
				t.Fatalf("%d keys, want %d: %s", len(set.Keys), tc.wantLen, body)
			}
			wantPubs := append([]crypto.PublicKey{tc.signer.Public()}, tc.prev...)
			for n, k := range set.Keys {
				if k.Kty != tc.kty || k.Crv != tc.crv || k.Alg != tc.alg || k.Use != "sig" {
					t.Errorf("key %d = %+v, want kty %s crv %q alg %s use sig", n, k, tc.kty, tc.crv, tc.alg)
				}
				if k.D != "" || k.K != "" {
					t.Errorf("key %d publishes private material", n)
				}
				if want := thumbprint(t, k); k.Kid != want {
					t.Errorf("key %d kid = %q, want RFC 7638 thumbprint %q", n, k.Kid, want)
				}
				if k.Kid != ks.KeyIDs()[n] {
					t.Errorf("key %d kid = %q, key set has %q", n, k.Kid, ks.KeyIDs()[n])
				}
				pub := publicFromJWK(t, k)
				if eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(wantPubs[n]) {
					t.Errorf("key %d does not rebuild the original public key", n)
				}
			}
			// A token signed now names the first key in the set.
			iss := mustIssuer(t, Config{Algorithm: tc.alg}, ks)
			_, c, err := iss.Issue("u", nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.KeyID != set.Keys[0].Kid {
				t.Errorf("token kid %q, JWKS first kid %q", c.KeyID, set.Keys[0].Kid)
			}
			post, err := http.Post(srv.URL, "application/json", nil)
			if err != nil {
				t.Fatal(err)
			}
			post.Body.Close()
			if post.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("POST jwks = %d, want 405", post.StatusCode)
			}
		})
	}
	t.Run("HS256 publishes nothing", func(t *testing.T) {
		ks, _ := NewHMACKeySet(testSecret("a"), testSecret("b"))
		b, err := ks.JWKS()
		if err != nil || string(b) != `{"keys":[]}` {
			t.Errorf("JWKS = %s, %v; want {\"keys\":[]}", b, err)
		}
	})
}
