package token

import "errors"

// Verification errors. Verify and Authenticate wrap exactly one of these with
// a short fixed detail (never token content); the HTTP layer maps only the
// sentinel, with errors.Is.
var (
	// ErrTooLarge means the token is longer than Config.MaxTokenBytes. It is
	// checked before anything else.
	ErrTooLarge = errors.New("token: token too large")
	// ErrMalformed means the token is not three strict base64url segments of
	// valid UTF-8 JSON objects without duplicate names.
	ErrMalformed = errors.New("token: malformed token")
	// ErrHeader means the JOSE header carries a forbidden, unknown or
	// mistyped parameter (crit, b64, jwk, jku, x5u, x5c, ...).
	ErrHeader = errors.New("token: invalid header")
	// ErrAlgorithm means the header alg is not the one configured algorithm.
	ErrAlgorithm = errors.New("token: algorithm not allowed")
	// ErrUnknownKey means the header kid names no verification key.
	ErrUnknownKey = errors.New("token: unknown key id")
	// ErrClaims means a claim is missing, of the wrong JSON type, out of
	// range, or not a claim SAMO issues.
	ErrClaims = errors.New("token: invalid claims")
	// ErrIssuer means the iss claim is not the configured issuer.
	ErrIssuer = errors.New("token: wrong issuer")
	// ErrAudience means the aud claim does not contain the configured audience.
	ErrAudience = errors.New("token: wrong audience")
	// ErrExpired means exp is at or before the verification time.
	ErrExpired = errors.New("token: token expired")
	// ErrNotYetValid means nbf or iat lies in the future beyond the leeway.
	ErrNotYetValid = errors.New("token: token not yet valid")
	// ErrLifetime means exp - iat is not positive or exceeds Config.MaxLifetime.
	ErrLifetime = errors.New("token: lifetime too long")
	// ErrSignature means the signature does not verify under the key named by kid.
	ErrSignature = errors.New("token: invalid signature")
	// ErrRevoked means the token's jti or its refresh family was revoked
	// (logout or refresh-token reuse). Returned by Service.Authenticate.
	ErrRevoked = errors.New("token: token revoked")
)

// Refresh-token and service errors.
var (
	// ErrRefreshMalformed means a refresh token does not have SAMO's format;
	// it is rejected without a store lookup.
	ErrRefreshMalformed = errors.New("token: malformed refresh token")
	// ErrRefreshUnknown means no stored refresh token has this hash. A
	// RefreshStore returns it from UseRefresh.
	ErrRefreshUnknown = errors.New("token: unknown refresh token")
	// ErrRefreshReused means the refresh token had already been used. A
	// RefreshStore returns it (with the record) from UseRefresh; the Service
	// then revokes the whole family.
	ErrRefreshReused = errors.New("token: refresh token reused")
	// ErrRefreshRevoked means the refresh token's family was revoked. A
	// RefreshStore returns it from CreateRefresh when the family is revoked.
	ErrRefreshRevoked = errors.New("token: refresh token revoked")
	// ErrRefreshExpired means the refresh token is past its expiry.
	ErrRefreshExpired = errors.New("token: refresh token expired")
	// ErrRefreshDenied means the user or API key behind the refresh token
	// may no longer obtain tokens (Grants refused).
	ErrRefreshDenied = errors.New("token: refresh denied")
	// ErrUnavailable wraps a failure of the refresh store or deny-list; the
	// request fails closed (HTTP 503), it is not the client's fault.
	ErrUnavailable = errors.New("token: token state unavailable")
	// ErrStoreFull is returned by the in-memory store when it holds its
	// maximum number of live entries (it fails closed rather than forget).
	ErrStoreFull = errors.New("token: memory store full")
)

// Construction errors.
var (
	// ErrConfig means a Config value is out of range or inconsistent.
	ErrConfig = errors.New("token: invalid configuration")
	// ErrKey means a key or secret is unusable: too short, a placeholder,
	// the wrong type or size for the algorithm, or an unreadable PEM file.
	ErrKey = errors.New("token: unusable key")
	// ErrNoSigningKey means the key set has verification keys only.
	ErrNoSigningKey = errors.New("token: no signing key")
	// ErrInvalidInput means Issue or IssuePair got an unusable user id, API
	// key id or permission (empty, too long, invalid UTF-8).
	ErrInvalidInput = errors.New("token: invalid input")
)
