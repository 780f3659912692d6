package token

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
)

// publicJWK returns the RFC 7517 JWK of pub (with kid, alg and use=sig) and
// its kid, the RFC 7638 thumbprint: base64url SHA-256 of the required
// members in lexicographic order. Every value is base64url or a fixed name,
// so the JSON is assembled without escaping.
func publicJWK(alg string, pub crypto.PublicKey) (jwk []byte, kid string, err error) {
	b64 := base64.RawURLEncoding.EncodeToString
	var required string // the thumbprint input; also the JWK's key members
	switch p := pub.(type) {
	case ed25519.PublicKey:
		required = `{"crv":"Ed25519","kty":"OKP","x":"` + b64(p) + `"}`
	case *ecdsa.PublicKey:
		ec, err := p.ECDH()
		if err != nil {
			return nil, "", fmt.Errorf("%w: invalid ECDSA public key", ErrKey)
		}
		raw := ec.Bytes() // 0x04 || X || Y, 32 bytes each for P-256
		required = `{"crv":"P-256","kty":"EC","x":"` + b64(raw[1:33]) + `","y":"` + b64(raw[33:65]) + `"}`
	case *rsa.PublicKey:
		e := big.NewInt(int64(p.E)).Bytes()
		required = `{"e":"` + b64(e) + `","kty":"RSA","n":"` + b64(p.N.Bytes()) + `"}`
	default:
		return nil, "", fmt.Errorf("%w: unsupported key type %T", ErrKey, pub)
	}
	sum := sha256.Sum256([]byte(required))
	kid = b64(sum[:])
	// Reopen the object to add kid, alg and use after the key members.
	jwk = []byte(required[:len(required)-1] + `,"kid":"` + kid + `","alg":"` + alg + `","use":"sig"}`)
	return jwk, kid, nil
}

// JWKS returns the RFC 7517 JSON Web Key Set of the public verification
// keys, signing key first: {"keys":[...]} with kty, crv/x/y or n/e, kid,
// alg and use=sig. For HS256 the set is empty ({"keys":[]}): secrets are
// never published.
func (ks *KeySet) JWKS() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"keys":[`)
	first := true
	for _, k := range ks.order {
		if k.jwk == nil {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(k.jwk)
	}
	b.WriteString("]}")
	return b.Bytes(), nil
}

// JWKSHandler returns an http.Handler for GET /.well-known/jwks.json that
// serves ks.JWKS() as application/jwk-set+json, cacheable for five minutes
// (keys rotate by adding the new public key before signing with it). Other
// methods than GET and HEAD get 405.
func (ks *KeySet) JWKSHandler() http.Handler {
	body, _ := ks.JWKS() // never fails: assembled from checked keys
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/jwk-set+json")
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(body)
	})
}
