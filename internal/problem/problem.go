// Package problem writes RFC 9457 problem+json error responses. Every HTTP
// surface (the middleware chain, the API, the gateway) shares it, so a
// client sees one error format:
//
//	if err := decode(r, &req); err != nil {
//		problem.Write(w, r, log, problem.Errorf(http.StatusBadRequest, "invalid_request", "The body is not valid JSON."))
//		return
//	}
//
// An *Error separates what the client sees (Status, Code, Title, Detail,
// Fields) from what is only logged (Cause). Errors that are not *Error are
// rendered as a generic 500 and their text is logged, never sent.
package problem

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/samo-brain/samo/internal/reqctx"
)

// Base is the prefix of every problem "type" URI: docs/problems.md in the
// repository, whose section "### <code>" has the anchor #<code> (the
// decision is written in docs/problems.md). Build a type with Type, so
// changing the form is this one line.
const Base = "https://github.com/samo-brain/samo/blob/main/docs/problems.md#"

// Type returns the "type" URI of the problem code.
func Type(code string) string { return Base + code }

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
}

// Error returns the code and the cause (or the detail).
func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Detail
}

// Unwrap returns the cause.
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

// Write renders err as problem+json. Errors that are not *Error become
// 500s; causes are logged, never sent.
func Write(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = Internal(err)
	}
	p := Problem{Type: Type(e.Code), Title: e.Title, Status: e.Status, Detail: e.Detail, Errors: e.Fields}
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
