package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/samo-brain/samo/internal/reqctx"
)

// ProblemBase is the prefix of every problem "type" URI.
const ProblemBase = "https://samo.dev/problems/"

// FieldError is one invalid request field, safe to show a client.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is an error with what the client sees (Status, Code, Title, Detail,
// Fields) separated from what is only logged (Cause). Handlers return it;
// one renderer writes it as RFC 9457 problem+json.
type Error struct {
	Status     int
	Code       string // short machine code, the last segment of the type URI
	Title      string
	Detail     string
	Fields     []FieldError
	RetryAfter time.Duration // sets Retry-After when > 0
	Cause      error         // logged, never sent

	// recorded marks an error whose security event its producer already
	// recorded (a rejected text is a validation_rejected event), so the
	// route chain does not record an invalid_parameter event for it too.
	recorded bool
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Detail
}

func (e *Error) Unwrap() error { return e.Cause }

// Problem is the JSON body of an error response.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
}

// Errorf returns a client error with a public detail message.
func Errorf(status int, code, detail string) *Error {
	return &Error{Status: status, Code: code, Title: http.StatusText(status), Detail: detail}
}

// Internal wraps an unexpected failure: the client sees a generic 500, the
// cause is logged with the request id.
func Internal(cause error) *Error {
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Title: "Internal Server Error",
		Detail: "The server could not complete the request. Quote the request id when reporting it.", Cause: cause}
}

// Unavailable is a 503 for a dependency that is down (database, cache, model).
func Unavailable(what string, cause error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Title: "Service Unavailable",
		Detail: what + " is unavailable; retry later.", RetryAfter: 5 * time.Second, Cause: cause}
}

// WriteError renders err as problem+json. Errors that are not *Error become
// 500s; causes are logged, never sent.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = Internal(err)
	}
	p := Problem{Type: ProblemBase + e.Code, Title: e.Title, Status: e.Status, Detail: e.Detail, Errors: e.Fields}
	if info, ok := reqctx.From(r.Context()); ok {
		p.RequestID = info.RequestID
	}
	if e.Status >= 500 && log != nil {
		log.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", p.RequestID), slog.String("code", e.Code), slog.Any("cause", e.Cause))
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Del("Content-Length")
	if e.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="samo", charset="UTF-8"`)
	}
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
