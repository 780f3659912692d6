package token

import (
	"bytes"
	"encoding/base64"
	"encoding/json/jsontext"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on claim values. They bound what a token can carry and are checked
// both when issuing and when verifying, so every issued token verifies.
const (
	maxNameBytes    = 256 // user_id, iss, aud, api_key_id
	maxIDBytes      = 64  // jti, fam: base64url
	maxPermissions  = 64
	maxPermBytes    = 64
	maxAudiences    = 16
	maxNumericDate  = 253402300799 // 9999-12-31T23:59:59Z
	typJWT          = "JWT"
	claimIssuer     = "iss"
	claimAudience   = "aud"
	claimExpires    = "exp"
	claimIssuedAt   = "iat"
	claimNotBefore  = "nbf"
	claimID         = "jti"
	claimUserID     = "user_id"
	claimPerms      = "permissions"
	claimFamily     = "fam"
	claimAPIKeyID   = "api_key_id"
	headerAlgorithm = "alg"
	headerKeyID     = "kid"
	headerType      = "typ"
)

// forbiddenHeaders are JOSE header parameters SAMO never issues and that
// change how a token must be processed or where its key comes from.
var forbiddenHeaders = [...]string{"crit", "b64", "jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "cty", "zip", "enc", "epk", "p2s", "p2c"}

// knownClaims are the claim names SAMO issues; any other name is rejected.
var knownClaims = [...]string{claimIssuer, claimAudience, claimExpires, claimIssuedAt, claimNotBefore, claimID, claimUserID, claimPerms, claimFamily, claimAPIKeyID}

// errWrongType marks a JSON value of the wrong type; the caller wraps it in
// ErrHeader or ErrClaims with the member's name.
var errWrongType = errors.New("wrong JSON type")

// decodeSegment decodes one strict base64url segment (RFC 7515 §2): only
// A-Z a-z 0-9 - _, no padding, no whitespace (encoding/base64 would skip
// CR and LF), and zero trailing bits (Strict).
func decodeSegment(seg string) ([]byte, error) {
	if seg == "" {
		return nil, fmt.Errorf("%w: empty segment", ErrMalformed)
	}
	for i := 0; i < len(seg); i++ {
		if !isBase64URL(seg[i]) {
			return nil, fmt.Errorf("%w: segment is not strict base64url", ErrMalformed)
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(seg)
	if err != nil {
		return nil, fmt.Errorf("%w: segment is not strict base64url", ErrMalformed)
	}
	return b, nil
}

func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// isBase64URLString reports whether s is 1..max base64url characters.
func isBase64URLString(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isBase64URL(s[i]) {
			return false
		}
	}
	return true
}

// validClaimString reports whether s is 1..max bytes of valid UTF-8 with no
// control characters and no U+FFFD (which is what an escaped lone surrogate
// such as "\ud800" decodes to).
func validClaimString(s string, max int) bool {
	if s == "" || len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// jsonReader is a reusable JSON tokenizer over a byte slice; Issuer keeps
// them in a sync.Pool so Verify does not allocate a decoder per token.
type jsonReader struct {
	r   bytes.Reader
	dec *jsontext.Decoder
}

func newJSONReader() *jsonReader {
	return &jsonReader{dec: jsontext.NewDecoder(bytes.NewReader(nil))}
}

// parseObject reads data as exactly one JSON object of valid UTF-8 with
// unique member names (compared exactly, after unescaping), calling member
// for each name with the decoder positioned at its value. member must
// consume the whole value or return an error.
//
// It streams tokens with encoding/json/jsontext (the tokenizer under
// encoding/json since Go 1.25), which rejects invalid UTF-8 and unpaired
// surrogate escapes. Duplicate names are detected here, explicitly, over
// the unescaped names, rather than by the tokenizer's option (whose
// bookkeeping allocates a map per object).
func (jr *jsonReader) parseObject(data []byte, member func(name string, dec *jsontext.Decoder) error) error {
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: invalid UTF-8", ErrMalformed)
	}
	jr.r.Reset(data)
	dec := jr.dec
	dec.Reset(&jr.r, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(false))
	defer jr.r.Reset(nil) // drop the reference to data
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != jsontext.KindBeginObject {
		return fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	var seenBuf [16]string
	seen := seenBuf[:0]
	for dec.PeekKind() == jsontext.KindString {
		tok, err := dec.ReadToken()
		if err != nil {
			return malformedJSON(err)
		}
		name := tok.String()
		if strings.ContainsRune(name, utf8.RuneError) {
			return fmt.Errorf("%w: invalid member name", ErrMalformed)
		}
		for _, s := range seen {
			if s == name {
				return fmt.Errorf("%w: duplicate member name", ErrMalformed)
			}
		}
		seen = append(seen, name)
		if err := member(name, dec); err != nil {
			return err
		}
	}
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != jsontext.KindEndObject {
		return malformedJSON(err)
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return fmt.Errorf("%w: data after the JSON object", ErrMalformed)
	}
	return nil
}

// malformedJSON maps a tokenizer error to ErrMalformed. The error text is
// not kept: it may quote the input.
func malformedJSON(error) error {
	return fmt.Errorf("%w: invalid JSON", ErrMalformed)
}

// readToken reads one JSON token; a syntax error is ErrMalformed.
func readToken(dec *jsontext.Decoder) (jsontext.Token, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return jsontext.Token{}, malformedJSON(err)
	}
	return tok, nil
}

// readString reads a JSON string value of 1..max bytes (validClaimString).
func readString(dec *jsontext.Decoder, max int) (string, error) {
	tok, err := readToken(dec)
	if err != nil {
		return "", err
	}
	if tok.Kind() != jsontext.KindString {
		return "", errWrongType
	}
	s := tok.String()
	if !validClaimString(s, max) {
		return "", errWrongType
	}
	return s, nil
}

// readStrings reads a JSON array of at most maxN strings of 1..max bytes.
func readStrings(dec *jsontext.Decoder, maxN, max int) ([]string, error) {
	tok, err := readToken(dec)
	if err != nil {
		return nil, err
	}
	if tok.Kind() != jsontext.KindBeginArray {
		return nil, errWrongType
	}
	return readArrayRest(dec, maxN, max)
}

// readArrayRest reads the elements and the closing bracket of an array of
// strings whose opening bracket was read. It never returns nil.
func readArrayRest(dec *jsontext.Decoder, maxN, max int) ([]string, error) {
	out := make([]string, 0, 4)
	for dec.PeekKind() != jsontext.KindEndArray {
		if len(out) == maxN {
			return nil, errWrongType
		}
		s, err := readString(dec, max)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if _, err := readToken(dec); err != nil {
		return nil, err
	}
	return out, nil
}

// readNumericDate reads an RFC 7519 NumericDate restricted to what SAMO
// issues: a JSON integer of seconds in 1..9999-12-31 (no fraction, no
// exponent, no string).
func readNumericDate(dec *jsontext.Decoder) (time.Time, error) {
	tok, err := readToken(dec)
	if err != nil {
		return time.Time{}, err
	}
	if tok.Kind() != jsontext.KindNumber {
		return time.Time{}, errWrongType
	}
	v, err := tok.Int() // errors for fractions, exponents and overflow
	if err != nil || v <= 0 || v > maxNumericDate {
		return time.Time{}, errWrongType
	}
	return time.Unix(v, 0).UTC(), nil
}

// header is the parsed JOSE header.
type header struct {
	alg, kid string
}

// parseHeader parses the JOSE header: only alg, kid and typ ("JWT") are
// allowed; forbidden and unknown parameters are ErrHeader.
func (jr *jsonReader) parseHeader(data []byte) (header, error) {
	var h header
	var hasAlg, hasKid bool
	err := jr.parseObject(data, func(name string, dec *jsontext.Decoder) error {
		var err error
		switch name {
		case headerAlgorithm:
			h.alg, err = readString(dec, 16)
			hasAlg = true
		case headerKeyID:
			h.kid, err = readString(dec, maxIDBytes)
			hasKid = true
		case headerType:
			var typ string
			if typ, err = readString(dec, 16); err == nil && typ != typJWT {
				return fmt.Errorf("%w: typ must be JWT", ErrHeader)
			}
		default:
			for _, f := range forbiddenHeaders {
				if name == f {
					return fmt.Errorf("%w: forbidden header parameter %s", ErrHeader, f)
				}
			}
			return fmt.Errorf("%w: unknown header parameter", ErrHeader)
		}
		if errors.Is(err, errWrongType) {
			return fmt.Errorf("%w: %s has the wrong type", ErrHeader, name)
		}
		return err
	})
	if err != nil {
		return h, err
	}
	if !hasAlg {
		return h, fmt.Errorf("%w: missing alg", ErrAlgorithm)
	}
	if !hasKid {
		return h, fmt.Errorf("%w: missing kid", ErrHeader)
	}
	return h, nil
}

// parseClaims parses the claims set: exact names only, each with its one
// JSON type; any other name, including a case variant of a known claim
// ("EXP", "Permissions"), is ErrClaims. Required: iss, aud, exp, iat, jti,
// user_id, permissions. It reports whether aud is or contains audience
// (then recorded in Claims.Audience); the caller checks iss first.
func (jr *jsonReader) parseClaims(data []byte, audience string) (c Claims, audOK bool, err error) {
	var hasIss, hasAud, hasExp, hasIat, hasJti, hasUser, hasPerms bool
	err = jr.parseObject(data, func(name string, dec *jsontext.Decoder) error {
		var err error
		switch name {
		case claimIssuer:
			c.Issuer, err = readString(dec, maxNameBytes)
			hasIss = true
		case claimAudience:
			c.Audience, audOK, err = readAudience(dec, audience)
			hasAud = true
		case claimExpires:
			c.ExpiresAt, err = readNumericDate(dec)
			hasExp = true
		case claimIssuedAt:
			c.IssuedAt, err = readNumericDate(dec)
			hasIat = true
		case claimNotBefore:
			c.NotBefore, err = readNumericDate(dec)
		case claimID:
			c.ID, err = readID(dec)
			hasJti = true
		case claimUserID:
			c.UserID, err = readString(dec, maxNameBytes)
			hasUser = true
		case claimPerms:
			c.Permissions, err = readStrings(dec, maxPermissions, maxPermBytes)
			hasPerms = true
		case claimFamily:
			c.FamilyID, err = readID(dec)
		case claimAPIKeyID:
			c.APIKeyID, err = readString(dec, maxNameBytes)
		default:
			for _, k := range knownClaims {
				if strings.EqualFold(name, k) {
					return fmt.Errorf("%w: claim name differs from %s only in case", ErrClaims, k)
				}
			}
			return fmt.Errorf("%w: unknown claim", ErrClaims)
		}
		if errors.Is(err, errWrongType) {
			return fmt.Errorf("%w: %s has the wrong type or an invalid value", ErrClaims, name)
		}
		return err
	})
	if err != nil {
		return Claims{}, false, err
	}
	for _, req := range [...]struct {
		ok   bool
		name string
	}{{hasIss, claimIssuer}, {hasAud, claimAudience}, {hasExp, claimExpires}, {hasIat, claimIssuedAt}, {hasJti, claimID}, {hasUser, claimUserID}, {hasPerms, claimPerms}} {
		if !req.ok {
			return Claims{}, false, fmt.Errorf("%w: missing %s", ErrClaims, req.name)
		}
	}
	return c, audOK, nil
}

// readID reads a jti or fam: 1..64 base64url characters, so that revocation
// keys cannot contain separators.
func readID(dec *jsontext.Decoder) (string, error) {
	s, err := readString(dec, maxIDBytes)
	if err != nil {
		return "", err
	}
	if !isBase64URLString(s, maxIDBytes) {
		return "", errWrongType
	}
	return s, nil
}

// readAudience reads aud as a string or a non-empty array of strings and
// reports whether it is or contains want (exactly). For an array it returns
// want when present, else the first element.
func readAudience(dec *jsontext.Decoder, want string) (string, bool, error) {
	tok, err := readToken(dec)
	if err != nil {
		return "", false, err
	}
	if tok.Kind() == jsontext.KindString {
		s := tok.String()
		if !validClaimString(s, maxNameBytes) {
			return "", false, errWrongType
		}
		return s, s == want, nil
	}
	if tok.Kind() != jsontext.KindBeginArray {
		return "", false, errWrongType
	}
	list, err := readArrayRest(dec, maxAudiences, maxNameBytes)
	if err != nil {
		return "", false, err
	}
	if len(list) == 0 {
		return "", false, errWrongType
	}
	for _, s := range list {
		if s == want {
			return want, true, nil
		}
	}
	return list[0], false, nil
}
