package dashboard

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"unicode"
	"unicode/utf8"
)

// maxFormBytes bounds a dashboard form body.
const maxFormBytes = 8 << 10

// errForm is the sentinel of every form rejection.
var errForm = errors.New("dashboard: bad form")

// readForm reads an application/x-www-form-urlencoded body of at most
// maxFormBytes with only the allowed fields, each at most once, as valid
// UTF-8. The query string is ignored: forms post their values in the body.
func readForm(w http.ResponseWriter, r *http.Request, allowed ...string) (url.Values, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, fmt.Errorf("%w: content type", errForm)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
	if err != nil {
		return nil, fmt.Errorf("%w: body: %w", errForm, err)
	}
	return parseForm(string(body), allowed...)
}

// parseForm parses an urlencoded body strictly (see readForm).
func parseForm(body string, allowed ...string) (url.Values, error) {
	vals, err := url.ParseQuery(body)
	if err != nil {
		return nil, fmt.Errorf("%w: encoding", errForm)
	}
	for k, vs := range vals {
		if !slices.Contains(allowed, k) {
			return nil, fmt.Errorf("%w: unexpected field %q", errForm, k)
		}
		if len(vs) != 1 {
			return nil, fmt.Errorf("%w: field %q repeated", errForm, k)
		}
		if !utf8.ValidString(vs[0]) {
			return nil, fmt.Errorf("%w: field %q is not UTF-8", errForm, k)
		}
	}
	return vals, nil
}

// badForm is the page error for a rejected form.
func badForm(err error) error {
	return &pageError{status: http.StatusBadRequest, msg: "The form could not be read. Reload the page and try again.", cause: err}
}

// cleanText validates a short free-text field (reasons, resolutions): 1 to
// max bytes, no control or format characters except newlines and tabs
// when multiline.
func cleanText(s string, max int, multiline bool) bool {
	if s == "" || len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if r == '\r' && multiline {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}
