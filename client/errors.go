package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ProblemBase is the prefix of the server's problem type URIs (the section
// of docs/problems.md that describes the problem); Error.Code is what
// follows it.
const ProblemBase = "https://github.com/samo-brain/samo/blob/main/docs/problems.md#"

// Sentinel errors matched by *Error with errors.Is, by HTTP status.
var (
	ErrBadRequest   = errors.New("samo: bad request")           // 400, 413, 415
	ErrUnauthorized = errors.New("samo: unauthorized")          // 401
	ErrForbidden    = errors.New("samo: forbidden")             // 403
	ErrNotFound     = errors.New("samo: not found")             // 404
	ErrConflict     = errors.New("samo: conflict")              // 409
	ErrRateLimited  = errors.New("samo: rate limited")          // 429
	ErrUpstream     = errors.New("samo: model server failed")   // 502, 504 (gateway mode)
	ErrUnavailable  = errors.New("samo: service unavailable")   // 503
	ErrServer       = errors.New("samo: internal server error") // 500 and other 5xx
)

// ErrInsecureURL is returned by New for a plain-http base URL that is not
// loopback while credentials are configured (see WithInsecureHTTP).
var ErrInsecureURL = errors.New("samo: refusing to send credentials over plain http to a non-loopback host")

// FieldError is one invalid request field reported by the server.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is a failed API call, decoded from the server's RFC 9457
// problem+json answer (or from the status alone when the answer was not
// one, e.g. from a proxy).
type Error struct {
	Status     int           // HTTP status
	Type       string        // problem type URI
	Code       string        // the type's last segment, e.g. "rate_limited"
	Title      string        // short summary
	Detail     string        // explanation for humans
	RequestID  string        // quote it when reporting a problem
	Fields     []FieldError  // invalid request fields (400)
	RetryAfter time.Duration // from Retry-After (429, 503), 0 when absent
}

// Error summarises the problem; it never contains credentials.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "samo: %d", e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	switch {
	case e.Detail != "":
		b.WriteString(": " + e.Detail)
	case e.Title != "":
		b.WriteString(": " + e.Title)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, " [%s: %s]", f.Field, f.Code)
	}
	if e.RequestID != "" {
		b.WriteString(" (request " + e.RequestID + ")")
	}
	return b.String()
}

// Is matches the sentinel error of e's status.
func (e *Error) Is(target error) bool {
	switch e.Status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		return target == ErrBadRequest
	case http.StatusUnauthorized:
		return target == ErrUnauthorized
	case http.StatusForbidden:
		return target == ErrForbidden
	case http.StatusNotFound:
		return target == ErrNotFound
	case http.StatusConflict:
		return target == ErrConflict
	case http.StatusTooManyRequests:
		return target == ErrRateLimited
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return target == ErrUpstream
	case http.StatusServiceUnavailable:
		return target == ErrUnavailable
	}
	return e.Status >= 500 && target == ErrServer
}

// IsRateLimited reports whether err is a 429 answer.
func IsRateLimited(err error) bool { return errors.Is(err, ErrRateLimited) }

// IsUnavailable reports whether err is a 503 answer (nothing was done;
// retrying after RetryAfter is safe).
func IsUnavailable(err error) bool { return errors.Is(err, ErrUnavailable) }

// IsNotFound reports whether err is a 404 answer (also what another user's
// prediction id gets).
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsUnauthorized reports whether err is a 401 answer.
func IsUnauthorized(err error) bool { return errors.Is(err, ErrUnauthorized) }

// RetryAfterOf returns the wait the server asked for, or 0.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// maxProblemBytes caps how much of an error answer is read.
const maxProblemBytes = 64 << 10

// readError turns a non-2xx response into *Error. The body is parsed only
// when it is problem+json (or JSON); anything else is not quoted.
func readError(resp *http.Response, now time.Time) *Error {
	e := &Error{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode),
		RequestID: resp.Header.Get("X-Request-ID"), RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now)}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/problem+json" && mt != "application/json" {
		return e
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxProblemBytes))
	parseProblem(body, e)
	return e
}

// parseProblem fills e from a problem+json body; a body that does not parse
// leaves e as it is.
func parseProblem(body []byte, e *Error) {
	var p struct {
		Type      string       `json:"type"`
		Title     string       `json:"title"`
		Status    int          `json:"status"`
		Detail    string       `json:"detail"`
		RequestID string       `json:"request_id"`
		Errors    []FieldError `json:"errors"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&p); err != nil {
		return
	}
	e.Type, e.Detail, e.Fields = p.Type, p.Detail, p.Errors
	if p.Title != "" {
		e.Title = p.Title
	}
	if p.RequestID != "" {
		e.RequestID = p.RequestID
	}
	if code, ok := strings.CutPrefix(p.Type, ProblemBase); ok {
		e.Code = code
	}
}

// maxRetryAfter bounds a parsed Retry-After (a day).
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads delay-seconds or an HTTP-date; 0 when absent or
// malformed.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return min(time.Duration(n)*time.Second, maxRetryAfter)
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter)
	}
	return 0
}
