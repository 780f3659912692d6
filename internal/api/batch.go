package api

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/samo-brain/samo/internal/gateway"
	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/validate"
)

// MaxFileItems caps the texts in one uploaded file. JSON batches are capped
// at Limits.MaxBatch (100) as the contract says; a file is how larger
// batches arrive, so it gets ten times that, still bounded.
const MaxFileItems = 1000

type batchRequest struct {
	Texts     []json.RawMessage `json:"texts"`
	Threshold *float64          `json:"threshold"`
	Taxonomy  string            `json:"taxonomy"`
}

type itemError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type batchItem struct {
	Index      int             `json:"index"`
	Prediction *predictionJSON `json:"prediction,omitempty"`
	Error      *itemError      `json:"error,omitempty"`
}

type batchResponse struct {
	Results   []batchItem `json:"results"`
	Count     int         `json:"count"`
	Succeeded int         `json:"succeeded"`
	Failed    int         `json:"failed"`
	RequestID string      `json:"request_id"`
}

func (a *API) predictBatch(w http.ResponseWriter, r *http.Request) error {
	var texts []string
	var threshold *float64
	tax := ""
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		var err error
		texts, tax, threshold, err = a.readUpload(w, r)
		if err != nil {
			return err
		}
	default:
		var req batchRequest
		if err := decodeJSON(w, r, a.bodyLimit(a.Limits.MaxBatch), &req, "texts", "threshold", "taxonomy"); err != nil {
			return err
		}
		if req.Texts == nil {
			return fieldProblem("texts", "required", "texts is required (an array of strings)")
		}
		if len(req.Texts) > a.Limits.MaxBatch {
			return fieldProblem("texts", "too_many", fmt.Sprintf("at most %d texts per batch", a.Limits.MaxBatch))
		}
		for i, raw := range req.Texts {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return fieldProblem("texts["+strconv.Itoa(i)+"]", "wrong_type", "must be a JSON string")
			}
			texts = append(texts, s)
		}
		threshold, tax = req.Threshold, req.Taxonomy
	}
	if len(texts) == 0 {
		return fieldProblem("texts", "empty", "at least one text is required")
	}
	tax, err := a.taxonomy(tax)
	if err != nil {
		return err
	}
	if err := validate.Threshold(threshold); err != nil {
		return fieldProblem("threshold", "out_of_range", "threshold must be a number between 0 and 1")
	}
	resp := batchResponse{Results: make([]batchItem, len(texts)), Count: len(texts)}
	var ins []prediction.Input
	var pos []int
	for i, t := range texts {
		resp.Results[i].Index = i
		in, err := a.checkText(r, "texts["+strconv.Itoa(i)+"]", t)
		if err != nil {
			resp.Results[i].Error = toItemError(err)
			continue
		}
		in.Taxonomy, in.Threshold = tax, threshold
		ins = append(ins, in)
		pos = append(pos, i)
	}
	if len(ins) > 0 {
		results := a.Predictions.PredictBatch(r.Context(), ins)
		if err := refusedBatch(results); err != nil {
			return err
		}
		for j, res := range results {
			i := pos[j]
			if res.Err != nil {
				if isUnavailable(res.Err) {
					return Unavailable("Storage", res.Err)
				}
				pe := predictError(res.Err)
				if errors.Is(res.Err, gateway.ErrRejected) {
					a.noteClientError(r, pe) // each refused text scores the caller
				}
				resp.Results[i].Error = toItemError(pe)
				continue
			}
			p := toJSON(res.Record)
			resp.Results[i].Prediction = &p
		}
	}
	for _, it := range resp.Results {
		if it.Error != nil {
			resp.Failed++
		} else {
			resp.Succeeded++
		}
	}
	if info, ok := infoFrom(r); ok {
		resp.RequestID = info.RequestID
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// refusedBatch returns the 503 for a batch whose every predicted item was
// refused by the gateway's open circuit: no work was done, so the whole
// request may be retried after Retry-After. Mixed outcomes stay per item.
func refusedBatch(results []prediction.ItemResult) error {
	for _, res := range results {
		if !errors.Is(res.Err, gateway.ErrUnavailable) {
			return nil
		}
	}
	return predictError(results[0].Err)
}

func toItemError(err error) *itemError {
	var e *Error
	if !errors.As(err, &e) {
		e = Internal(err)
	}
	ie := &itemError{Code: e.Code, Message: e.Detail}
	if len(e.Fields) > 0 {
		ie.Code, ie.Message = e.Fields[0].Code, e.Fields[0].Message
	}
	return ie
}

// readUpload streams a multipart body: one "file" part (json, csv or txt
// within MAX_FILE_SIZE and ALLOWED_FILE_TYPES) and optional "taxonomy" and
// "threshold" fields. Any other part is refused.
func (a *API) readUpload(w http.ResponseWriter, r *http.Request) ([]string, string, *float64, error) {
	r.Body = http.MaxBytesReader(w, r.Body, a.Limits.MaxFileSize+64*1024)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", nil, Errorf(http.StatusBadRequest, "invalid_multipart", "The multipart body could not be parsed.")
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
	if errors.As(err, &mbe) {
		return Errorf(http.StatusRequestEntityTooLarge, "file_too_large", fmt.Sprintf("The upload exceeds MAX_FILE_SIZE (%d bytes).", limit))
	}
	return Errorf(http.StatusBadRequest, "invalid_multipart", "The multipart body could not be parsed.")
}

// parseFile reads one uploaded file part into texts.
func (a *API) parseFile(part io.Reader) ([]string, error) {
	name := ""
	if p, ok := part.(interface{ FileName() string }); ok {
		name = p.FileName()
	}
	ext := strings.TrimPrefix(strings.ToLower(path.Ext(name)), ".")
	if !slices.Contains(a.Limits.AllowedFiles, ext) {
		return nil, &Error{Status: http.StatusUnsupportedMediaType, Code: "file_type_not_allowed", Title: "Unsupported Media Type",
			Detail: "Allowed file types: " + strings.Join(a.Limits.AllowedFiles, ", ") + "."}
	}
	data, err := io.ReadAll(io.LimitReader(part, a.Limits.MaxFileSize+1))
	if err != nil {
		return nil, uploadError(err, a.Limits.MaxFileSize)
	}
	if int64(len(data)) > a.Limits.MaxFileSize {
		return nil, Errorf(http.StatusRequestEntityTooLarge, "file_too_large", fmt.Sprintf("The file exceeds MAX_FILE_SIZE (%d bytes).", a.Limits.MaxFileSize))
	}
	if !utf8.Valid(data) {
		return nil, fieldProblem("file", "invalid_utf8", "the file must be UTF-8 text")
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var texts []string
	switch ext {
	case "json":
		texts, err = parseJSONFile(data)
	case "csv":
		texts, err = parseCSVFile(data)
	case "txt":
		texts = parseTextFile(data)
	}
	if err != nil {
		return nil, err
	}
	if len(texts) > MaxFileItems {
		return nil, fieldProblem("file", "too_many", fmt.Sprintf("at most %d texts per file", MaxFileItems))
	}
	return texts, nil
}

// parseJSONFile accepts ["a","b"] or {"texts":["a","b"]}.
func parseJSONFile(data []byte) ([]string, error) {
	var arr []string
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&arr); err == nil && !dec.More() {
		return arr, nil
	}
	var obj struct {
		Texts []string `json:"texts"`
	}
	if err := checkObjectKeys(data, []string{"texts"}); err != nil {
		return nil, fieldProblem("file", "invalid_json", `a JSON file must be an array of strings or {"texts":[...]}`)
	}
	dec = json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&obj); err != nil || dec.More() {
		return nil, fieldProblem("file", "invalid_json", `a JSON file must be an array of strings or {"texts":[...]}`)
	}
	return obj.Texts, nil
}

// parseCSVFile takes the column named "text" when the first row has one,
// else the first column of every row.
func parseCSVFile(data []byte) ([]string, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fieldProblem("file", "invalid_csv", "the CSV file could not be parsed")
	}
	col, start := 0, 0
	if len(rows) > 0 {
		for i, h := range rows[0] {
			if strings.EqualFold(strings.TrimSpace(h), "text") {
				col, start = i, 1
				break
			}
		}
	}
	var texts []string
	for _, row := range rows[start:] {
		if col < len(row) && strings.TrimSpace(row[col]) != "" {
			texts = append(texts, row[col])
		}
	}
	return texts, nil
}

// parseTextFile takes one text per non-blank line (CRLF or LF).
func parseTextFile(data []byte) []string {
	var texts []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), len(data)+1)
	for sc.Scan() {
		if line := strings.TrimRight(sc.Text(), "\r"); strings.TrimSpace(line) != "" {
			texts = append(texts, line)
		}
	}
	return texts
}
