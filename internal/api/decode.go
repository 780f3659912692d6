package api

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
	"unicode/utf8"

	"github.com/samo-brain/samo/internal/problem"
)

// decodeJSON reads exactly one JSON object from the body into dst:
// Content-Type application/json, at most limit bytes (413 beyond), no
// unknown fields, no duplicate keys, nothing after the object. Field names
// are matched exactly (encoding/json alone would accept "TEXT" for "text").
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, dst any, fields ...string) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return problem.Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "Send the body as application/json.")
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return problem.Errorf(http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("The request body exceeds %d bytes.", limit))
		}
		return problem.Errorf(http.StatusBadRequest, "unreadable_body", "The request body could not be read.")
	}
	if !utf8.Valid(body) || hasLoneSurrogate(body) {
		return &problem.Error{Status: http.StatusBadRequest, Code: "invalid_utf8", Title: "Bad Request",
			Detail: "The body is not valid UTF-8 (or escapes an unpaired surrogate)."}
	}
	if err := checkObjectKeys(body, fields); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return problem.Errorf(http.StatusBadRequest, "invalid_json", "The body must contain exactly one JSON object.")
	}
	return nil
}

// checkObjectKeys verifies body is one JSON object whose top-level keys are
// all in allowed (exact, case-sensitive) and appear at most once.
func checkObjectKeys(body []byte, allowed []string) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return problem.Errorf(http.StatusBadRequest, "invalid_json", "The body is not valid JSON.")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return problem.Errorf(http.StatusBadRequest, "invalid_json", "The body must be a JSON object.")
	}
	seen := make(map[string]bool, len(allowed))
	var skip json.RawMessage // each value is checked and dropped; one buffer serves them all
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return problem.Errorf(http.StatusBadRequest, "invalid_json", "The body is not valid JSON.")
		}
		key, _ := tok.(string)
		known := false
		for _, a := range allowed {
			if key == a {
				known = true
				break
			}
		}
		if !known {
			return &problem.Error{Status: http.StatusBadRequest, Code: "unknown_field", Title: "Bad Request",
				Detail: "The body has a field this endpoint does not accept.",
				Fields: []problem.FieldError{{Field: truncate(key, 64), Code: "unknown_field", Message: "unknown field"}}}
		}
		if seen[key] {
			return &problem.Error{Status: http.StatusBadRequest, Code: "duplicate_field", Title: "Bad Request",
				Detail: "A field appears more than once.", Fields: []problem.FieldError{{Field: key, Code: "duplicate_field", Message: "duplicate field"}}}
		}
		seen[key] = true
		if err := dec.Decode(&skip); err != nil {
			return problem.Errorf(http.StatusBadRequest, "invalid_json", "The body is not valid JSON.")
		}
	}
	return nil
}

// jsonError turns a decoding error into a field-level problem without
// echoing input.
func jsonError(err error) *problem.Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "(body)"
		}
		return &problem.Error{Status: http.StatusBadRequest, Code: "invalid_field", Title: "Bad Request",
			Detail: "A field has the wrong JSON type.",
			Fields: []problem.FieldError{{Field: field, Code: "wrong_type", Message: "must be a JSON " + jsonType(te.Type.Kind().String())}}}
	}
	return problem.Errorf(http.StatusBadRequest, "invalid_json", "The body is not valid JSON.")
}

func jsonType(kind string) string {
	switch {
	case kind == "string":
		return "string"
	case strings.HasPrefix(kind, "float"), strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "number"
	case kind == "slice":
		return "array"
	case kind == "bool":
		return "boolean"
	}
	return "value of the documented type"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// hasLoneSurrogate reports whether body contains a \uD800-\uDFFF escape that
// is not a high surrogate immediately followed by a low one; encoding/json
// would silently turn it into U+FFFD.
func hasLoneSurrogate(body []byte) bool {
	for i := 0; i+6 <= len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		if body[i+1] != 'u' {
			i++ // skip the escaped character (it may be a backslash)
			continue
		}
		v, err := strconv.ParseUint(string(body[i+2:i+6]), 16, 16)
		if err != nil {
			continue
		}
		switch {
		case v >= 0xDC00 && v <= 0xDFFF:
			return true
		case v >= 0xD800 && v <= 0xDBFF:
			if i+12 > len(body) || body[i+6] != '\\' || body[i+7] != 'u' {
				return true
			}
			lo, err := strconv.ParseUint(string(body[i+8:i+12]), 16, 16)
			if err != nil || lo < 0xDC00 || lo > 0xDFFF {
				return true
			}
			i += 11
			continue
		}
		i += 5
	}
	return false
}
