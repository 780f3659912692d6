package token

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// MinSecretBytes is the shortest HS256 secret accepted (RFC 7518 §3.2:
	// a key of the same size as the hash output).
	MinSecretBytes = 32
	minRSABits     = 3072
	maxRSABits     = 8192
	// hmacKIDLen is the length of an HS256 kid: 16 base64url characters,
	// 96 bits of SHA-256 over a domain-separated secret.
	hmacKIDLen = 16
	// maxPEMBytes bounds a key file read by LoadKeySetFiles.
	maxPEMBytes = 64 << 10
)

// key is one signing or verification key.
type key struct {
	kid    string
	alg    string
	method jwt.SigningMethod
	verify any // []byte, ed25519.PublicKey, *ecdsa.PublicKey or *rsa.PublicKey
	sign   any // []byte or private key; nil for verification-only keys
	sigLen int // exact length of a decoded signature
	jwk    []byte
}

// KeySet is the signing key and the verification keys of one algorithm,
// looked up by kid. The signing key also verifies. A KeySet is immutable
// and safe for concurrent use; rotate keys by building a new one.
type KeySet struct {
	alg     string
	signing *key // nil: verification only
	byKID   map[string]*key
	order   []*key // signing key first, then previous keys in the order given
}

// Algorithm returns the one algorithm of every key in ks.
func (ks *KeySet) Algorithm() string { return ks.alg }

// SigningKeyID returns the kid of the signing key, or "" when ks can only verify.
func (ks *KeySet) SigningKeyID() string {
	if ks.signing == nil {
		return ""
	}
	return ks.signing.kid
}

// KeyIDs returns the kid of every verification key, signing key first.
func (ks *KeySet) KeyIDs() []string {
	ids := make([]string, len(ks.order))
	for i, k := range ks.order {
		ids[i] = k.kid
	}
	return ids
}

func (ks *KeySet) add(k *key) {
	if _, dup := ks.byKID[k.kid]; dup {
		return // the same public key listed twice (e.g. the current one among the public files)
	}
	ks.byKID[k.kid] = k
	ks.order = append(ks.order, k)
}

// NewHMACKeySet returns an HS256 key set that signs with current and also
// accepts tokens signed with any previous secret, so a secret rotates
// without logging everybody out. Each secret must be at least 32 bytes and
// not a placeholder (IsPlaceholderSecret). The kid of a secret is a short
// domain-separated SHA-256 hash of it, never the secret. The secrets are copied.
func NewHMACKeySet(current []byte, previous ...[]byte) (*KeySet, error) {
	ks := &KeySet{alg: HS256, byKID: make(map[string]*key)}
	for i, s := range append([][]byte{current}, previous...) {
		if len(s) < MinSecretBytes {
			return nil, fmt.Errorf("%w: HS256 secret %d is shorter than %d bytes", ErrKey, i, MinSecretBytes)
		}
		if IsPlaceholderSecret(s) {
			return nil, fmt.Errorf("%w: HS256 secret %d is a placeholder or trivially weak", ErrKey, i)
		}
		secret := bytes.Clone(s)
		k := &key{kid: hmacKID(secret), alg: HS256, method: jwt.SigningMethodHS256, verify: secret, sigLen: sha256.Size}
		if _, dup := ks.byKID[k.kid]; dup {
			return nil, fmt.Errorf("%w: HS256 secret %d repeats an earlier secret", ErrKey, i)
		}
		if i == 0 {
			k.sign = secret
			ks.signing = k
		}
		ks.add(k)
	}
	return ks, nil
}

func hmacKID(secret []byte) string {
	h := sha256.New()
	h.Write([]byte("samo-jwt-hs256-kid\x00"))
	h.Write(secret)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))[:hmacKIDLen]
}

// NewAsymmetricKeySet returns an EdDSA, ES256, PS256 or RS256 key set that
// signs with signer (nil for a verification-only set) and also verifies
// with every public key in previous. Keys must be Ed25519, ECDSA P-256 or
// RSA of 3072 to 8192 bits to match alg. The kid of each key is its RFC 7638 JWK
// thumbprint. A public key equal to the signer's is accepted and ignored.
func NewAsymmetricKeySet(alg string, signer crypto.Signer, previous ...crypto.PublicKey) (*KeySet, error) {
	if alg != EdDSA && alg != ES256 && alg != PS256 && alg != RS256 {
		return nil, fmt.Errorf("%w: asymmetric algorithm must be EdDSA, ES256, PS256 or RS256", ErrKey)
	}
	ks := &KeySet{alg: alg, byKID: make(map[string]*key)}
	if signer != nil {
		switch signer.(type) {
		case ed25519.PrivateKey, *ecdsa.PrivateKey, *rsa.PrivateKey:
		default:
			return nil, fmt.Errorf("%w: signing key must be an ed25519.PrivateKey, *ecdsa.PrivateKey or *rsa.PrivateKey, not %T", ErrKey, signer)
		}
		k, err := newPublicKey(alg, signer.Public())
		if err != nil {
			return nil, fmt.Errorf("signing key: %w", err)
		}
		k.sign = signer
		ks.signing = k
		ks.add(k)
	}
	for i, pub := range previous {
		k, err := newPublicKey(alg, pub)
		if err != nil {
			return nil, fmt.Errorf("public key %d: %w", i, err)
		}
		ks.add(k)
	}
	if len(ks.order) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrKey)
	}
	return ks, nil
}

// newPublicKey checks that pub suits alg and builds its verification key
// with kid and JWK.
func newPublicKey(alg string, pub crypto.PublicKey) (*key, error) {
	k := &key{alg: alg, verify: pub}
	var err error
	switch p := pub.(type) {
	case ed25519.PublicKey:
		if alg != EdDSA || len(p) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: an Ed25519 key needs JWT_ALGORITHM=EdDSA", ErrKey)
		}
		k.method, k.sigLen = jwt.SigningMethodEdDSA, ed25519.SignatureSize
	case *ecdsa.PublicKey:
		if alg != ES256 || p.Curve != elliptic.P256() {
			return nil, fmt.Errorf("%w: an ECDSA key must be P-256 with JWT_ALGORITHM=ES256", ErrKey)
		}
		k.method, k.sigLen = jwt.SigningMethodES256, 64
	case *rsa.PublicKey:
		bits := p.N.BitLen()
		if alg != PS256 && alg != RS256 || bits < minRSABits || bits > maxRSABits {
			return nil, fmt.Errorf("%w: an RSA key must be %d-%d bits with JWT_ALGORITHM=PS256 or RS256", ErrKey, minRSABits, maxRSABits)
		}
		k.method, k.sigLen = jwt.SigningMethodPS256, p.Size()
		if alg == RS256 {
			k.method = jwt.SigningMethodRS256
		}
	default:
		return nil, fmt.Errorf("%w: unsupported key type %T", ErrKey, pub)
	}
	if k.jwk, k.kid, err = publicJWK(alg, pub); err != nil {
		return nil, err
	}
	return k, nil
}

// ParseKeySetPEM is LoadKeySetFiles on PEM bytes: a PKCS#8 "PRIVATE KEY"
// block (or nil for a verification-only set) and PKIX "PUBLIC KEY" blocks.
func ParseKeySetPEM(alg string, privatePEM []byte, publicPEMs ...[]byte) (*KeySet, error) {
	var signer crypto.Signer
	if privatePEM != nil {
		der, err := pemBlock(privatePEM, "PRIVATE KEY")
		if err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		priv, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("%w: private key is not valid PKCS#8", ErrKey)
		}
		s, ok := priv.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("%w: private key cannot sign", ErrKey)
		}
		if rk, ok := s.(*rsa.PrivateKey); ok {
			if err := rk.Validate(); err != nil {
				return nil, fmt.Errorf("%w: RSA private key is inconsistent", ErrKey)
			}
		}
		signer = s
	}
	pubs := make([]crypto.PublicKey, 0, len(publicPEMs))
	for i, p := range publicPEMs {
		der, err := pemBlock(p, "PUBLIC KEY")
		if err != nil {
			return nil, fmt.Errorf("public key %d: %w", i, err)
		}
		pub, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			return nil, fmt.Errorf("%w: public key %d is not valid PKIX", ErrKey, i)
		}
		pubs = append(pubs, pub)
	}
	return NewAsymmetricKeySet(alg, signer, pubs...)
}

// pemBlock returns the DER bytes of the single PEM block of type typ in data.
func pemBlock(data []byte, typ string) ([]byte, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrKey)
	}
	if block.Type != typ {
		return nil, fmt.Errorf("%w: PEM block is %q, want %q (PKCS#8 private keys and PKIX public keys; convert with openssl pkcs8 -topk8 -nocrypt or openssl pkey -pubout)", ErrKey, block.Type, typ)
	}
	if len(block.Headers) != 0 {
		return nil, fmt.Errorf("%w: encrypted or annotated PEM blocks are not supported", ErrKey)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%w: more than one PEM block", ErrKey)
	}
	return block.Bytes, nil
}

// LoadKeySetFiles reads the PEM private key (PKCS#8) in privateKeyFile and
// the PEM public keys (PKIX) in publicKeyFiles, and returns a key set for
// alg (EdDSA, ES256, PS256 or RS256): the private key signs, every key verifies.
// An empty privateKeyFile gives a verification-only set. Keys are Ed25519,
// ECDSA P-256 or RSA of at least 2048 bits. Errors name files, never key bytes.
func LoadKeySetFiles(alg string, privateKeyFile string, publicKeyFiles ...string) (*KeySet, error) {
	var priv []byte
	if privateKeyFile != "" {
		b, err := readPEMFile(privateKeyFile)
		if err != nil {
			return nil, err
		}
		priv = b
	}
	pubs := make([][]byte, 0, len(publicKeyFiles))
	for _, f := range publicKeyFiles {
		b, err := readPEMFile(f)
		if err != nil {
			return nil, err
		}
		pubs = append(pubs, b)
	}
	ks, err := ParseKeySetPEM(alg, priv, pubs...)
	if err != nil {
		return nil, fmt.Errorf("loading JWT keys: %w", err)
	}
	return ks, nil
}

func readPEMFile(name string) ([]byte, error) {
	f, err := os.Open(name) // #nosec G304 -- operator-configured key path
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPEMBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrKey, name, err)
	}
	if len(b) > maxPEMBytes {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrKey, name, maxPEMBytes)
	}
	return b, nil
}

// placeholders are secrets seen in guides, .env examples and tutorials,
// compared case-insensitively after trimming spaces.
var placeholders = [...]string{
	"your-super-secret-jwt-key-here", "your-encryption-key-here", "your-secret-key",
	"your-secret-key-here", "your_secret_key", "your-jwt-secret", "your-256-bit-secret",
	"changeme", "change-me", "change_me", "changeit", "secret", "secretkey", "secret-key",
	"jwt-secret", "jwt_secret", "jwtsecret", "jwt-secret-key", "supersecret", "super-secret",
	"password", "passw0rd", "default", "example", "test", "testing", "development",
	"dev-secret", "insecure", "placeholder", "replace-me", "replaceme", "todo", "xxx",
	"mysecret", "my-secret", "qwerty", "123456", "s3cr3t", "letmein", "admin",
}

// placeholderParts flag a secret that contains them anywhere.
var placeholderParts = [...]string{
	"your-super-secret", "-key-here", "secret-here", "changeme", "change-me", "change_me",
	"replace-me", "replace_me", "replaceme", "placeholder", "insecure", "do-not-use", "example",
}

// IsPlaceholderSecret reports whether s is a known placeholder secret (such
// as the Guide's "your-super-secret-jwt-key-here", "changeme" or
// "secret"), contains a placeholder marker, or is trivially weak: one short
// pattern repeated (e.g. "aaaa…", "abcabc…", a placeholder repeated to 32
// bytes) or fewer than 8 distinct bytes. Configuration validation uses it
// for every secret in production.
func IsPlaceholderSecret(s []byte) bool {
	t := strings.ToLower(strings.TrimSpace(string(s)))
	if t == "" {
		return true
	}
	for _, p := range placeholders {
		if t == p {
			return true
		}
	}
	for _, p := range placeholderParts {
		if strings.Contains(t, p) {
			return true
		}
	}
	for n := 1; n <= 32 && n < len(t); n++ {
		if t[n:] == t[:len(t)-n] { // t repeats its first n bytes
			return true
		}
	}
	var seen [256]bool
	distinct := 0
	for i := 0; i < len(s); i++ {
		if !seen[s[i]] {
			seen[s[i]] = true
			distinct++
		}
	}
	return distinct < 8
}
