package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/samo-brain/samo/internal/problem"
)

// batchBody is a decoded POST /v1/predict/batch JSON body.
type batchBody struct {
	texts     []string
	gotTexts  bool // "texts" present and not null
	threshold *float64
	taxonomy  string
}

// decodeBatch streams a JSON batch body {"texts":[...],"threshold":…,
// "taxonomy":…} with the rules of decodeJSON (application/json, at most
// limit bytes, known fields only, each once, exactly one object, valid
// UTF-8 without lone surrogates), holding one text at a time beyond those
// kept and failing at the first text past max, so a body of millions of
// empty strings is refused after max+1 of them.
func decodeBatch(w http.ResponseWriter, r *http.Request, limit int64, max int) (batchBody, error) {
	var b batchBody
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return b, problem.Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "Send the body as application/json.")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	fail := func(err error) error { return batchReadError(err, limit) }
	tok, err := dec.Token()
	if err != nil {
		return b, fail(err)
	}
	if tok != json.Delim('{') {
		return b, problem.Errorf(http.StatusBadRequest, "invalid_json", "The body must be a JSON object.")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return b, fail(err)
		}
		key, _ := tok.(string)
		switch key {
		case "texts", "threshold", "taxonomy":
		default:
			return b, &problem.Error{Status: http.StatusBadRequest, Code: "unknown_field", Title: "Bad Request",
				Detail: "The body has a field this endpoint does not accept.",
				Fields: []problem.FieldError{{Field: truncate(key, 64), Code: "unknown_field", Message: "unknown field"}}}
		}
		if seen[key] {
			return b, &problem.Error{Status: http.StatusBadRequest, Code: "duplicate_field", Title: "Bad Request",
				Detail: "A field appears more than once.", Fields: []problem.FieldError{{Field: key, Code: "duplicate_field", Message: "duplicate field"}}}
		}
		seen[key] = true
		if key == "texts" {
			if err := b.readTexts(dec, limit, max); err != nil {
				return b, err
			}
			continue
		}
		raw, err := rawValue(dec, limit)
		if err != nil {
			return b, err
		}
		if string(raw) == "null" {
			continue
		}
		switch key {
		case "threshold":
			var f float64
			if err := json.Unmarshal(raw, &f); err != nil {
				return b, wrongType("threshold", "number")
			}
			b.threshold = &f
		case "taxonomy":
			if err := json.Unmarshal(raw, &b.taxonomy); err != nil {
				return b, wrongType("taxonomy", "string")
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return b, fail(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil && !isSyntax(err) {
			return b, fail(err)
		}
		return b, problem.Errorf(http.StatusBadRequest, "invalid_json", "The body must contain exactly one JSON object.")
	}
	return b, nil
}

// readTexts reads the "texts" value: null, or an array of strings.
func (b *batchBody) readTexts(dec *json.Decoder, limit int64, max int) error {
	tok, err := dec.Token()
	if err != nil {
		return batchReadError(err, limit)
	}
	if tok == nil {
		return nil
	}
	if tok != json.Delim('[') {
		return wrongType("texts", "array")
	}
	b.gotTexts = true
	for dec.More() {
		if len(b.texts) == max {
			return fieldProblem("texts", "too_many", fmt.Sprintf("at most %d texts per batch", max))
		}
		raw, err := rawValue(dec, limit)
		if err != nil {
			return err
		}
		var s string
		if string(raw) == "null" || json.Unmarshal(raw, &s) != nil {
			return fieldProblem("texts["+strconv.Itoa(len(b.texts))+"]", "wrong_type", "must be a JSON string")
		}
		b.texts = append(b.texts, s)
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		return batchReadError(err, limit)
	}
	return nil
}

// rawValue decodes the next value and checks its encoding (encoding/json
// would silently turn invalid UTF-8 and lone surrogates into U+FFFD).
func rawValue(dec *json.Decoder, limit int64) (json.RawMessage, error) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, batchReadError(err, limit)
	}
	if !utf8.Valid(raw) || hasLoneSurrogate(raw) {
		return nil, &problem.Error{Status: http.StatusBadRequest, Code: "invalid_utf8", Title: "Bad Request",
			Detail: "The body is not valid UTF-8 (or escapes an unpaired surrogate)."}
	}
	return raw, nil
}

func wrongType(field, want string) *problem.Error {
	return &problem.Error{Status: http.StatusBadRequest, Code: "invalid_field", Title: "Bad Request",
		Detail: "A field has the wrong JSON type.",
		Fields: []problem.FieldError{{Field: field, Code: "wrong_type", Message: "must be a JSON " + want}}}
}

func isSyntax(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se)
}

// batchReadError maps a failure to read or tokenize the body.
func batchReadError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return problem.Errorf(http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("The request body exceeds %d bytes.", limit))
	case isSyntax(err), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return problem.Errorf(http.StatusBadRequest, "invalid_json", "The body is not valid JSON.")
	}
	return problem.Errorf(http.StatusBadRequest, "unreadable_body", "The request body could not be read.")
}
