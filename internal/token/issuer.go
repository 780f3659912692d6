package token

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/samo-brain/samo/internal/randid"
)

// Claims are the verified contents of an access token.
type Claims struct {
	UserID      string    // user_id: the user the token was issued to
	Permissions []string  // permissions: granted when issued (never nil after Verify)
	IssuedAt    time.Time // iat (UTC, whole seconds)
	ExpiresAt   time.Time // exp (UTC, whole seconds)
	NotBefore   time.Time // nbf; zero when absent (SAMO does not issue it)
	Issuer      string    // iss: equals Config.Issuer after Verify
	Audience    string    // aud: Config.Audience after Verify (also when aud was an array containing it)
	ID          string    // jti: 128-bit random, base64url; the revocation handle
	KeyID       string    // kid from the JOSE header: the signing key
	FamilyID    string    // fam: the refresh-token family (empty for tokens from Issuer.Issue)
	APIKeyID    string    // api_key_id: the API key the pair was obtained with (empty for Issuer.Issue)
}

// MarshalJSON writes c under the token's own claim names, times as
// NumericDate seconds, plus the header "kid": what `samo token verify`
// prints. There is deliberately no UnmarshalJSON: Claims come only from
// Verify, never from decoding JSON into the struct.
func (c Claims) MarshalJSON() ([]byte, error) {
	perms := c.Permissions
	if perms == nil {
		perms = []string{}
	}
	out := struct {
		wireClaims
		NotBefore int64  `json:"nbf,omitempty"`
		KeyID     string `json:"kid,omitempty"`
	}{
		wireClaims: wireClaims{
			Issuer: c.Issuer, Audience: c.Audience, UserID: c.UserID, Permissions: perms,
			IssuedAt: c.IssuedAt.Unix(), ExpiresAt: c.ExpiresAt.Unix(), ID: c.ID,
			FamilyID: c.FamilyID, APIKeyID: c.APIKeyID,
		},
		KeyID: c.KeyID,
	}
	if !c.NotBefore.IsZero() {
		out.NotBefore = c.NotBefore.Unix()
	}
	return json.Marshal(out)
}

// wireClaims is the JSON form of Claims written by Issue. Verify never
// decodes into it: encoding/json matches names case-insensitively.
type wireClaims struct {
	Issuer      string   `json:"iss"`
	Audience    string   `json:"aud"`
	UserID      string   `json:"user_id"`
	Permissions []string `json:"permissions"`
	IssuedAt    int64    `json:"iat"`
	ExpiresAt   int64    `json:"exp"`
	ID          string   `json:"jti"`
	FamilyID    string   `json:"fam,omitempty"`
	APIKeyID    string   `json:"api_key_id,omitempty"`
}

// Issuer issues and verifies access tokens with one Config and KeySet. It
// is safe for concurrent use.
type Issuer struct {
	cfg       Config
	ks        *KeySet
	now       func() time.Time
	headerSeg string // base64url JOSE header of the signing key; "" when ks cannot sign
	// known maps the exact header segment Issue writes for each key to its
	// parsed form, so Verify skips decoding and parsing the header of
	// SAMO's own tokens; any other header is decoded and parsed strictly.
	known   map[string]header
	readers sync.Pool // *jsonReader
}

// NewIssuer returns an Issuer for cfg (zero fields take their defaults)
// with the keys in ks, whose algorithm must be cfg.Algorithm. now is the
// clock for Issue and Service (nil means time.Now); Verify takes its
// instant explicitly.
func NewIssuer(cfg Config, ks *KeySet, now func() time.Time) (*Issuer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if ks == nil {
		return nil, fmt.Errorf("%w: no key set", ErrConfig)
	}
	if ks.alg != cfg.Algorithm {
		return nil, fmt.Errorf("%w: algorithm %s does not match the %s keys", ErrConfig, cfg.Algorithm, ks.alg)
	}
	if now == nil {
		now = time.Now
	}
	i := &Issuer{cfg: cfg, ks: ks, now: now, known: make(map[string]header, len(ks.order))}
	i.readers.New = func() any { return newJSONReader() }
	for _, k := range ks.order {
		seg := headerSegment(ks.alg, k.kid)
		i.known[seg] = header{alg: ks.alg, kid: k.kid}
		if k == ks.signing {
			i.headerSeg = seg
		}
	}
	return i, nil
}

// headerSegment is the base64url JOSE header Issue writes for a key.
func headerSegment(alg, kid string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `","kid":"` + kid + `","typ":"JWT"}`))
}

// Config returns the effective configuration, defaults applied.
func (i *Issuer) Config() Config { return i.cfg }

// KeySet returns the issuer's keys (for JWKS).
func (i *Issuer) KeySet() *KeySet { return i.ks }

// Issue returns a signed access token for userID with perms, valid from now
// for Config.TTL, with a 128-bit random jti, and its claims as Verify would
// return them. It carries no refresh family or API key id: use
// Service.IssuePair for tokens that Logout can revoke with their family.
func (i *Issuer) Issue(userID string, perms []string) (string, Claims, error) {
	return i.issue(userID, perms, "", "", time.Time{})
}

// issue is Issue with a refresh family and API key id. A non-zero notAfter
// caps exp (at whole seconds, never later than notAfter); when that leaves
// less than a second it returns ErrRefreshExpired: the family has ended.
func (i *Issuer) issue(userID string, perms []string, family, apiKeyID string, notAfter time.Time) (string, Claims, error) {
	if i.headerSeg == "" {
		return "", Claims{}, ErrNoSigningKey
	}
	if !validClaimString(userID, maxNameBytes) {
		return "", Claims{}, fmt.Errorf("%w: user id must be 1-%d bytes of printable UTF-8", ErrInvalidInput, maxNameBytes)
	}
	if apiKeyID != "" && !validClaimString(apiKeyID, maxNameBytes) {
		return "", Claims{}, fmt.Errorf("%w: API key id must be 1-%d bytes of printable UTF-8", ErrInvalidInput, maxNameBytes)
	}
	if len(perms) > maxPermissions {
		return "", Claims{}, fmt.Errorf("%w: more than %d permissions", ErrInvalidInput, maxPermissions)
	}
	p := make([]string, len(perms))
	for n, perm := range perms {
		if !validClaimString(perm, maxPermBytes) {
			return "", Claims{}, fmt.Errorf("%w: permission must be 1-%d bytes of printable UTF-8", ErrInvalidInput, maxPermBytes)
		}
		p[n] = perm
	}
	iat := i.now().UTC().Truncate(time.Second)
	exp := iat.Add(i.cfg.TTL)
	if end := notAfter.UTC().Truncate(time.Second); !notAfter.IsZero() && end.Before(exp) {
		exp = end
	}
	if !exp.After(iat) {
		return "", Claims{}, ErrRefreshExpired
	}
	c := Claims{
		UserID: userID, Permissions: p, IssuedAt: iat, ExpiresAt: exp,
		Issuer: i.cfg.Issuer, Audience: i.cfg.Audience, ID: randomID(),
		KeyID: i.ks.signing.kid, FamilyID: family, APIKeyID: apiKeyID,
	}
	payload, err := json.Marshal(wireClaims{
		Issuer: c.Issuer, Audience: c.Audience, UserID: c.UserID, Permissions: c.Permissions,
		IssuedAt: c.IssuedAt.Unix(), ExpiresAt: c.ExpiresAt.Unix(), ID: c.ID,
		FamilyID: c.FamilyID, APIKeyID: c.APIKeyID,
	})
	if err != nil {
		return "", Claims{}, fmt.Errorf("token: encoding claims: %w", err)
	}
	signing := i.headerSeg + "." + base64.RawURLEncoding.EncodeToString(payload)
	k := i.ks.signing
	sig, err := k.method.Sign(signing, k.sign)
	if err != nil {
		return "", Claims{}, fmt.Errorf("token: signing: %w", err)
	}
	tok := signing + "." + base64.RawURLEncoding.EncodeToString(sig)
	if len(tok) > i.cfg.MaxTokenBytes {
		return "", Claims{}, fmt.Errorf("%w: token would exceed %d bytes", ErrInvalidInput, i.cfg.MaxTokenBytes)
	}
	return tok, c, nil
}

// randomID returns 128 random bits from crypto/rand as 22 base64url characters.
func randomID() string { return randid.New("", 16) }

// Verify checks tok as of at and returns its claims. The error wraps exactly
// one sentinel (ErrTooLarge, ErrMalformed, ErrHeader, ErrAlgorithm,
// ErrUnknownKey, ErrSignature, ErrClaims, ErrIssuer, ErrAudience,
// ErrLifetime, ErrNotYetValid, ErrExpired). Checks run cheapest first:
// size, shape and strict base64url, header (alg pinned to the configured
// algorithm and equal to the key's, kid known, only alg/kid/typ allowed),
// signature length, claims (exact names and JSON types, no duplicates),
// issuer, audience, lifetime, nbf/iat, exp, and the signature last, so no
// crypto runs for a token that would be rejected anyway. Verify does not
// consult the deny-list: Service.Authenticate does.
func (i *Issuer) Verify(tok string, at time.Time) (Claims, error) {
	if len(tok) > i.cfg.MaxTokenBytes {
		return Claims{}, fmt.Errorf("%w: over %d bytes", ErrTooLarge, i.cfg.MaxTokenBytes)
	}
	d1 := strings.IndexByte(tok, '.')
	if d1 < 0 {
		return Claims{}, fmt.Errorf("%w: not three segments", ErrMalformed)
	}
	d2 := strings.IndexByte(tok[d1+1:], '.')
	if d2 < 0 {
		return Claims{}, fmt.Errorf("%w: not three segments", ErrMalformed)
	}
	d2 += d1 + 1
	if strings.IndexByte(tok[d2+1:], '.') >= 0 {
		return Claims{}, fmt.Errorf("%w: not three segments", ErrMalformed)
	}
	jr := i.readers.Get().(*jsonReader)
	defer i.readers.Put(jr)
	h, known := i.known[tok[:d1]]
	if !known {
		hb, err := decodeSegment(tok[:d1])
		if err != nil {
			return Claims{}, err
		}
		if h, err = jr.parseHeader(hb); err != nil {
			return Claims{}, err
		}
	}
	if h.alg != i.cfg.Algorithm {
		return Claims{}, fmt.Errorf("%w: only %s is accepted", ErrAlgorithm, i.cfg.Algorithm)
	}
	k, ok := i.ks.byKID[h.kid]
	if !ok {
		return Claims{}, ErrUnknownKey
	}
	if k.alg != h.alg {
		return Claims{}, fmt.Errorf("%w: alg differs from the key's", ErrAlgorithm)
	}
	pb, err := decodeSegment(tok[d1+1 : d2])
	if err != nil {
		return Claims{}, err
	}
	sig, err := decodeSegment(tok[d2+1:])
	if err != nil {
		return Claims{}, err
	}
	if len(sig) != k.sigLen {
		return Claims{}, fmt.Errorf("%w: wrong length", ErrSignature)
	}
	c, audOK, err := jr.parseClaims(pb, i.cfg.Audience)
	if err != nil {
		return Claims{}, err
	}
	c.KeyID = h.kid
	if err := i.checkClaims(c, audOK, at); err != nil {
		return Claims{}, err
	}
	if err := k.method.Verify(tok[:d2], sig, k.verify); err != nil {
		return Claims{}, ErrSignature
	}
	return c, nil
}

// checkClaims checks the values of parsed claims as of at.
func (i *Issuer) checkClaims(c Claims, audOK bool, at time.Time) error {
	life := c.ExpiresAt.Sub(c.IssuedAt)
	if c.Issuer != i.cfg.Issuer {
		return ErrIssuer
	}
	if !audOK {
		return ErrAudience
	}
	if life <= 0 {
		return fmt.Errorf("%w: exp is not after iat", ErrLifetime)
	}
	if life > i.cfg.MaxLifetime {
		return fmt.Errorf("%w: exp - iat exceeds %v", ErrLifetime, i.cfg.MaxLifetime)
	}
	if c.IssuedAt.After(at.Add(i.cfg.Leeway)) {
		return fmt.Errorf("%w: iat is in the future", ErrNotYetValid)
	}
	if !c.NotBefore.IsZero() && c.NotBefore.After(at.Add(i.cfg.Leeway)) {
		return fmt.Errorf("%w: nbf is in the future", ErrNotYetValid)
	}
	if !at.Before(c.ExpiresAt) {
		return ErrExpired
	}
	return nil
}
