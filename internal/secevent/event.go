// Package secevent defines SAMO's typed security events and the Recorder
// interface every producer (authentication, validation, rate limiting,
// intrusion detection, tokens, admin actions) writes them through.
//
// Events never carry raw request text, API keys or tokens: producers put
// identifiers (key id, user id, request id) and short classifications in
// Details, never payloads.
package secevent

import (
	"context"
	"time"

	"github.com/samo-brain/samo/internal/reqctx"
)

// Severity is how serious an event is.
type Severity string

// The four severities, lowest first.
const (
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Rank orders severities: low 1 … critical 4, unknown 0.
func (s Severity) Rank() int {
	switch s {
	case Low:
		return 1
	case Medium:
		return 2
	case High:
		return 3
	case Critical:
		return 4
	}
	return 0
}

// Valid reports whether s is one of the four severities.
func (s Severity) Valid() bool { return s.Rank() > 0 }

// Type names what happened.
type Type string

// Event types produced by SAMO.
const (
	AuthFailure        Type = "auth_failure"        // missing, malformed, unknown, revoked or expired credential
	BruteForce         Type = "brute_force"         // more than 5 failed authentications from one client in a window
	PermissionDenied   Type = "permission_denied"   // authenticated but not allowed (403)
	RateLimitWarning   Type = "rate_limit_warning"  // a client passed 80 % of its limit
	RateLimited        Type = "rate_limited"        // a request was refused with 429
	ValidationRejected Type = "validation_rejected" // malformed or out-of-range input
	InvalidParameter   Type = "invalid_parameter"   // a request refused for a parameter (threshold 1.5, unknown taxonomy, bad query parameter)
	InjectionDetected  Type = "injection_detected"  // the injection detector found something (rejected or flagged)
	SuspiciousActivity Type = "suspicious_activity" // IDS suspicion raised
	IPBlocked          Type = "ip_blocked"          // a client IP was blocked (automatic or manual)
	IPUnblocked        Type = "ip_unblocked"        // a block was lifted by an admin
	BlockedRequest     Type = "blocked_request"     // a request from a blocked IP was refused
	TokenReuse         Type = "token_reuse"         // a used refresh token was presented again
	TokenInvalid       Type = "token_invalid"       // a bearer token failed verification
	KeyCreated         Type = "key_created"         // admin action
	KeyRevoked         Type = "key_revoked"         // admin action
	KeyRotated         Type = "key_rotated"         // admin action
	KeySuspended       Type = "key_suspended"       // a playbook suspended a key
	UserDisabled       Type = "user_disabled"       // admin action: a user's credentials are refused until enabled
	UserEnabled        Type = "user_enabled"        // admin action: a disabled user's valid keys work again
	SessionsRevoked    Type = "sessions_revoked"    // admin action: every refresh family and dashboard session ended
	TOTPEnrolled       Type = "totp_enrolled"       // a user enrolled or replaced their dashboard second factor (details.replaced)
	TOTPDisabled       Type = "totp_disabled"       // a user turned their second factor off with a current code
	TOTPReset          Type = "totp_reset"          // admin action: a user's second factor removed without a code
	TOTPLocked         Type = "totp_locked"         // wrong codes locked a user's second factor (high; details.failures, locked_until)
	PlaintextRead      Type = "plaintext_read"      // an admin read stored plaintext
	AnalystSearch      Type = "analyst_search"      // an analyst searched everyone's predictions by word
	DataErased         Type = "data_erased"         // predictions or a user's data deleted
	ConfigProblem      Type = "config_problem"      // configuration problem found at start
	UpstreamError      Type = "upstream_error"      // gateway mode: upstream answered badly
	EncryptionRotation Type = "encryption_rotation" // keyring rotation started or finished
	CiphertextTampered Type = "ciphertext_tampered" // a stored sealed value failed authentication when read (critical)
	// KeyNewAddress: a revoked or suspended API key (or a token of one) was
	// presented from an address that never authenticated with it (critical).
	KeyNewAddress Type = "revoked_key_new_address"
)

// Event is one security event.
type Event struct {
	ID        string            `json:"id"`
	Type      Type              `json:"type"`
	Severity  Severity          `json:"severity"`
	Time      time.Time         `json:"time"`
	RequestID string            `json:"request_id,omitempty"`
	ClientIP  string            `json:"client_ip,omitempty"`
	UserID    string            `json:"user_id,omitempty"`
	KeyID     string            `json:"key_id,omitempty"`
	Route     string            `json:"route,omitempty"`
	Details   map[string]string `json:"details,omitempty"`
}

// Recorder accepts security events. Implementations must be safe for
// concurrent use and must not block the request path for long.
type Recorder interface {
	Record(ctx context.Context, e Event)
}

// New returns an event of type t and severity s at time now, with the request
// id, client IP, route and principal taken from ctx when present.
func New(ctx context.Context, t Type, s Severity, now time.Time, details map[string]string) Event {
	e := Event{Type: t, Severity: s, Time: now.UTC(), Details: details}
	if info, ok := reqctx.From(ctx); ok {
		e.RequestID = info.RequestID
		if info.ClientIP.IsValid() {
			e.ClientIP = info.ClientIP.String()
		}
		e.Route = info.Route
		if p := info.Principal; p != nil {
			e.UserID, e.KeyID = p.UserID, p.KeyID
		}
	}
	return e
}

// Discard is a Recorder that drops every event.
type Discard struct{}

// Record drops e.
func (Discard) Record(context.Context, Event) {}

// SyncRecorder writes each event to a sink at once, for command-line tools
// that have no pipeline running. Write errors go to OnError when set.
type SyncRecorder struct {
	Sink    Sink
	OnError func(error)
}

// Record fills in the id and time and writes e.
func (s SyncRecorder) Record(ctx context.Context, e Event) {
	if e.ID == "" {
		e.ID = NewID()
	}
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	if err := s.Sink.WriteEvents(ctx, []Event{e}); err != nil && s.OnError != nil {
		s.OnError(err)
	}
}

// Target names what an event is aimed at, so that one attacker's events
// from many client addresses can be grouped (incidents, alerts): the key it
// names ("key:<id>"), else its user ("user:<id>"), else the route it was
// recorded on ("route:<METHOD pattern>"), else "" (nothing but its type).
func Target(e Event) string {
	switch {
	case e.KeyID != "":
		return "key:" + e.KeyID
	case e.UserID != "":
		return "user:" + e.UserID
	case e.Route != "":
		return "route:" + e.Route
	}
	return ""
}
