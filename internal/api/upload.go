package api

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/samo-brain/samo/internal/problem"
)

// MaxFileItems caps the texts in one uploaded file. JSON batches are capped
// at Limits.MaxBatch (100) as the contract says; a file is how larger
// batches arrive, so it gets ten times that, still bounded.
const MaxFileItems = 1000

// errFileTooLarge is what capReader returns past MAX_FILE_SIZE.
var errFileTooLarge = errors.New("api: file exceeds MAX_FILE_SIZE")

// readUpload streams a multipart body: one "file" part (json, csv or txt
// within MAX_FILE_SIZE and ALLOWED_FILE_TYPES) and optional "taxonomy" and
// "threshold" fields. Any other part is refused.
func (a *API) readUpload(w http.ResponseWriter, r *http.Request) ([]string, string, *float64, error) {
	r.Body = http.MaxBytesReader(w, r.Body, a.Limits.MaxFileSize+64*1024)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", nil, problem.Errorf(http.StatusBadRequest, "invalid_multipart", "The multipart body could not be parsed.")
	}
	var texts []string
	var tax string
	var threshold *float64
	gotFile := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", nil, uploadError(err, a.Limits.MaxFileSize)
		}
		switch part.FormName() {
		case "file":
			if gotFile {
				return nil, "", nil, fieldProblem("file", "duplicate", "send one file per request")
			}
			gotFile = true
			texts, err = a.parseFile(part)
			if err != nil {
				return nil, "", nil, err
			}
		case "taxonomy", "threshold":
			v, err := io.ReadAll(io.LimitReader(part, 65))
			if err != nil || len(v) > 64 {
				return nil, "", nil, fieldProblem(part.FormName(), "invalid", "value too long")
			}
			if part.FormName() == "taxonomy" {
				tax = string(v)
			} else {
				f, err := strconv.ParseFloat(string(v), 64)
				if err != nil {
					return nil, "", nil, fieldProblem("threshold", "wrong_type", "must be a number between 0 and 1")
				}
				threshold = &f
			}
		default:
			return nil, "", nil, fieldProblem(truncate(part.FormName(), 32), "unknown_field", "unknown form field (expected file, taxonomy, threshold)")
		}
	}
	if !gotFile {
		return nil, "", nil, fieldProblem("file", "required", "a file part named \"file\" is required")
	}
	return texts, tax, threshold, nil
}

func uploadError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || errors.Is(err, errFileTooLarge) {
		return problem.Errorf(http.StatusRequestEntityTooLarge, "file_too_large", fmt.Sprintf("The upload exceeds MAX_FILE_SIZE (%d bytes).", limit))
	}
	return problem.Errorf(http.StatusBadRequest, "invalid_multipart", "The multipart body could not be parsed.")
}

// capReader reads at most left bytes of r and fails with errFileTooLarge
// when r holds more.
type capReader struct {
	r    io.Reader
	left int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var b [1]byte
		n, err := c.r.Read(b[:])
		if n > 0 {
			return 0, errFileTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// parseFile reads one uploaded file part into texts. It streams: the file
// is never held whole, each format's parser keeps one item at a time, and
// reading stops at the first item past MaxFileItems, so an upload of
// millions of tiny lines costs no more memory than one of a thousand.
func (a *API) parseFile(part io.Reader) ([]string, error) {
	name := ""
	if p, ok := part.(interface{ FileName() string }); ok {
		name = p.FileName()
	}
	ext := strings.TrimPrefix(strings.ToLower(path.Ext(name)), ".")
	if !slices.Contains(a.Limits.AllowedFiles, ext) {
		return nil, &problem.Error{Status: http.StatusUnsupportedMediaType, Code: "file_type_not_allowed", Title: "Unsupported Media Type",
			Detail: "Allowed file types: " + strings.Join(a.Limits.AllowedFiles, ", ") + "."}
	}
	br := bufio.NewReaderSize(&capReader{r: part, left: a.Limits.MaxFileSize}, 32*1024)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	var texts []string
	var err error
	switch ext {
	case "json":
		texts, err = parseJSONFile(br)
	case "csv":
		texts, err = parseCSVFile(br)
	case "txt":
		texts, err = parseTextFile(br, a.maxLineBytes())
	}
	if err != nil {
		return nil, fileError(err, a.Limits.MaxFileSize)
	}
	return texts, nil
}

// maxLineBytes is the longest text line kept whole. NFC composes at most
// four code points into one and a code point is at most four bytes, so a
// line longer than 16 × MAX_TEXT_LENGTH bytes can never be a valid text:
// its first bytes are kept (still too long, so the item is refused as
// too_long) and the rest is skipped unread into memory.
func (a *API) maxLineBytes() int {
	if a.Limits.Text.MaxLength <= 0 {
		return int(min(a.Limits.MaxFileSize, 1<<30))
	}
	return 16*a.Limits.Text.MaxLength + 8
}

// Parse failures of an uploaded file.
var (
	errTooManyItems = errors.New("api: too many items in file")
	errFileUTF8     = errors.New("api: file is not UTF-8")
	errFileJSON     = errors.New("api: invalid JSON file")
	errFileCSV      = errors.New("api: invalid CSV file")
)

// fileError maps a parser failure to the problem the client sees.
func fileError(err error, limit int64) error {
	var e *problem.Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, errFileTooLarge):
		return problem.Errorf(http.StatusRequestEntityTooLarge, "file_too_large", fmt.Sprintf("The file exceeds MAX_FILE_SIZE (%d bytes).", limit))
	case errors.Is(err, errTooManyItems):
		return fieldProblem("file", "too_many", fmt.Sprintf("at most %d texts per file", MaxFileItems))
	case errors.Is(err, errFileUTF8):
		return fieldProblem("file", "invalid_utf8", "the file must be UTF-8 text")
	case errors.Is(err, errFileJSON):
		return fieldProblem("file", "invalid_json", `a JSON file must be an array of strings or {"texts":[...]}`)
	case errors.Is(err, errFileCSV):
		return fieldProblem("file", "invalid_csv", "the CSV file could not be parsed")
	}
	return uploadError(err, limit)
}

// parseJSONFile accepts ["a","b"] or {"texts":["a","b"]}, reading one
// string at a time.
func parseJSONFile(r io.Reader) ([]string, error) {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonFileErr(err)
	}
	var texts []string
	switch tok {
	case json.Delim('['):
		if texts, err = jsonStrings(dec, MaxFileItems); err != nil {
			return nil, err
		}
	case json.Delim('{'):
		seen := false
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return nil, jsonFileErr(err)
			}
			if key != "texts" || seen {
				return nil, errFileJSON
			}
			seen = true
			tok, err := dec.Token()
			switch {
			case err != nil:
				return nil, jsonFileErr(err)
			case tok == nil: // "texts": null
			case tok == json.Delim('['):
				if texts, err = jsonStrings(dec, MaxFileItems); err != nil {
					return nil, err
				}
			default:
				return nil, errFileJSON
			}
		}
		if _, err := dec.Token(); err != nil { // the closing brace
			return nil, jsonFileErr(err)
		}
	default:
		return nil, errFileJSON
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, jsonFileErr(err) // something after the value
	}
	return texts, nil
}

// jsonStrings reads the strings of an array whose '[' dec has consumed, up
// to and including its ']', failing at the first item past max.
func jsonStrings(dec *json.Decoder, max int) ([]string, error) {
	var out []string
	for dec.More() {
		if len(out) == max {
			return nil, errTooManyItems
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, jsonFileErr(err)
		}
		if !utf8.Valid(raw) || hasLoneSurrogate(raw) {
			return nil, errFileUTF8
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errFileJSON
		}
		out = append(out, s)
	}
	if _, err := dec.Token(); err != nil {
		return nil, jsonFileErr(err)
	}
	return out, nil
}

// jsonFileErr keeps read failures (size cap, broken body) and turns the
// rest into errFileJSON.
func jsonFileErr(err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errFileJSON
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	if errors.As(err, &se) || errors.As(err, &te) {
		return errFileJSON
	}
	return err
}

// parseCSVFile takes the column named "text" when the first row has one,
// else the first column of every row; one record at a time.
func parseCSVFile(r io.Reader) ([]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	col, first := 0, true
	var texts []string
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return texts, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, errFileCSV
			}
			return nil, err
		}
		for _, f := range row {
			if !utf8.ValidString(f) {
				return nil, errFileUTF8
			}
		}
		if first {
			first = false
			header := false
			for i, h := range row {
				if strings.EqualFold(strings.TrimSpace(h), "text") {
					col, header = i, true
					break
				}
			}
			if header {
				continue
			}
		}
		if col < len(row) && strings.TrimSpace(row[col]) != "" {
			if len(texts) == MaxFileItems {
				return nil, errTooManyItems
			}
			texts = append(texts, row[col])
		}
	}
}

// parseTextFile takes one text per non-blank line (CRLF or LF). A line
// longer than maxLine bytes keeps only its first maxLine bytes (cut at a
// character boundary), which the length check then refuses.
func parseTextFile(br *bufio.Reader, maxLine int) ([]string, error) {
	var texts []string
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if room := maxLine - len(line); room > 0 {
			line = append(line, chunk[:min(len(chunk), room)]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		s := bytes.TrimRight(bytes.TrimSuffix(line, []byte("\n")), "\r")
		if len(line) >= maxLine {
			s = trimPartialRune(line)
		}
		if !utf8.Valid(s) {
			return nil, errFileUTF8
		}
		if len(bytes.TrimSpace(s)) > 0 {
			if len(texts) == MaxFileItems {
				return nil, errTooManyItems
			}
			texts = append(texts, string(s))
		}
		line = line[:0]
		if err == io.EOF {
			return texts, nil
		}
	}
}

// trimPartialRune drops an incomplete UTF-8 sequence cut off at the end of
// b.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}
