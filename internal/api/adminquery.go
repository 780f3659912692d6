package api

// Strict parsing of the admin routes' query strings, cursors and periods,
// shared by security.go and incidents.go.

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/report"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/secevent"
)

func notAvailable(what string) error {
	return problem.Errorf(http.StatusNotFound, "not_found", what+" is not available on this server.")
}

// query validates a request's query string: only the allowed parameters,
// each at most once; every problem is collected.
type query struct {
	v      map[string][]string
	fields []problem.FieldError
}

func parseQuery(r *http.Request, allowed ...string) *query {
	q := &query{v: r.URL.Query()}
	for k, vs := range q.v {
		known := false
		for _, a := range allowed {
			known = known || k == a
		}
		switch {
		case !known:
			q.fail(truncate(k, 32), "unknown_parameter", "unknown query parameter (expected "+strings.Join(allowed, ", ")+")")
		case len(vs) > 1:
			q.fail(k, "repeated", "give this parameter once (use commas for several values)")
		}
	}
	return q
}

func (q *query) fail(field, code, msg string) {
	q.fields = append(q.fields, problem.FieldError{Field: field, Code: code, Message: msg})
}

func (q *query) get(name string) string {
	if vs := q.v[name]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// time parses an RFC 3339 timestamp (zero when absent).
func (q *query) time(name string) time.Time {
	s := q.get(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		q.fail(name, "invalid_time", "must be an RFC 3339 time such as 2026-01-02T15:04:05Z")
		return time.Time{}
	}
	return t.UTC()
}

// limit parses an integer in [1, max], def when absent.
func (q *query) limit(def, max int) int {
	s := q.get("limit")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		q.fail("limit", "out_of_range", "limit must be an integer between 1 and "+strconv.Itoa(max))
		return def
	}
	return n
}

// list splits a comma-separated parameter and checks each value.
func (q *query) list(name string, ok func(string) bool, msg string) []string {
	s := q.get(name)
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > 32 {
		q.fail(name, "too_many", "at most 32 values")
		return nil
	}
	for _, p := range parts {
		if !ok(p) {
			q.fail(name, "invalid_value", msg)
			return nil
		}
	}
	return parts
}

func (q *query) err() error {
	if len(q.fields) == 0 {
		return nil
	}
	return &problem.Error{Status: http.StatusBadRequest, Code: "invalid_request", Title: "Bad Request",
		Detail: "The request has invalid query parameters.", Fields: q.fields}
}

func validSeverity(s string) bool { return secevent.Severity(s).Valid() }

func validTypeName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// cursor reads the cursor parameter: the (time, id) position of the last
// row of the previous page, from its next_cursor. A value this server did
// not encode fails the query; a decodable one only positions the listing,
// whose filters still apply (every value is bound as an SQL parameter).
func (q *query) cursor() (time.Time, string) {
	c := q.get("cursor")
	if c == "" {
		return time.Time{}, ""
	}
	at, id, ok := decodeCursor(c)
	if !ok {
		q.fail("cursor", "invalid_cursor", "cursor must be a value returned as next_cursor")
		return time.Time{}, ""
	}
	return at, id
}

// page trims a listing read with one row more than limit to limit rows and
// returns the next_cursor of the last one ("" when there is no more).
func page[T any](rows []T, limit int, pos func(T) (time.Time, string)) ([]T, string) {
	if len(rows) <= limit {
		return nonNil(rows), ""
	}
	rows = rows[:limit]
	return rows, encodeCursor(pos(rows[limit-1]))
}

// encodeCursor encodes a (time, id) position as an opaque token.
func encodeCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixNano(), 10) + "." + id))
}

func decodeCursor(s string) (time.Time, string, bool) {
	if len(s) > 200 {
		return time.Time{}, "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", false
	}
	at, id, ok := strings.Cut(string(b), ".")
	n, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || n <= 0 || id == "" || len(id) > 100 || !utf8.ValidString(id) {
		return time.Time{}, "", false
	}
	return time.Unix(0, n).UTC(), id, true
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// period reads from and to (RFC 3339; to defaults to now, from to def
// before to) and checks the span.
func (a *API) period(q *query, def time.Duration) (time.Time, time.Time) {
	from, to := q.time("from"), q.time("to")
	if to.IsZero() {
		to = a.Now().UTC()
	}
	if from.IsZero() {
		from = to.Add(-def)
	}
	if !from.Before(to) || to.Sub(from) > report.MaxPeriod {
		q.fail("from", "out_of_range", "from must be before to, at most 366 days earlier")
	}
	return from, to
}

// actor names the admin making a request, for block records and incident
// timelines.
func actor(r *http.Request) string {
	p, ok := reqctx.PrincipalFrom(r.Context())
	if !ok {
		return "unknown"
	}
	name := p.UserName
	if name == "" {
		name = p.UserID
	}
	return "admin:" + truncate(name, 64)
}

// printable accepts 1..max bytes of UTF-8 without control or format
// characters, so admin-supplied text cannot forge log lines.
func printable(s string, max int) bool {
	if s == "" || len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if unicode.IsControl(c) || unicode.Is(unicode.Cf, c) || c == '\u2028' || c == '\u2029' {
			return false
		}
	}
	return true
}
