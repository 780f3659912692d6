package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/samo-brain/samo/internal/problem"
)

// clientError checks that err is an *problem.Error with a 4xx status: a parser of
// untrusted input must never turn bad input into a 500.
func clientError(t *testing.T, err error) {
	t.Helper()
	var e *problem.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *problem.Error", err, err)
	}
	if e.Status < 400 || e.Status > 499 {
		t.Fatalf("status %d for bad input, want 4xx (%s)", e.Status, e.Code)
	}
}

// FuzzDecodeJSON drives decodeJSON (with checkObjectKeys and
// hasLoneSurrogate) as POST /v1/predict uses it. Accepted bodies must be one
// valid UTF-8 JSON object with only the allowed keys, each once, and no
// escaped lone surrogate; everything else must be a 4xx problem.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"text":"I am happy","threshold":0.5,"taxonomy":"goemotions"}`,
		`{"text":"x"}`, `{}`, `[]`, `"text"`, `{"text":"a","text":"b"}`, `{"TEXT":"a"}`,
		`{"text":"\ud83d\ude00"}`, `{"text":"\ud83d"}`, `{"text":"\\ud83d"}`, `{"text":"a"} {"text":"b"}`,
		`{"text":null,"threshold":"0.5"}`, `{"text":"a","extra":1}`, "{\"text\":\"\xff\"}", `{"text":"a",}`,
		`{"threshold":1e999}`, `{"text":"` + strings.Repeat("a", 300) + `"}`,
	} {
		f.Add([]byte(s), "application/json")
	}
	f.Add([]byte(`{"text":"a"}`), "text/plain")
	f.Add([]byte(`{"text":"a"}`), "application/json; charset=utf-8")
	f.Add([]byte(`{"text":"a"}`), "")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		r := httptest.NewRequest(http.MethodPost, "/v1/predict", bytes.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		var req predictRequest
		err := decodeJSON(httptest.NewRecorder(), r, 256, &req, "text", "threshold", "taxonomy")
		if err != nil {
			clientError(t, err)
			return
		}
		if len(body) > 256 {
			t.Fatalf("accepted a %d-byte body over the 256-byte limit", len(body))
		}
		if !utf8.Valid(body) || hasLoneSurrogate(body) {
			t.Fatalf("accepted invalid UTF-8 or a lone surrogate: %q", body)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			t.Fatalf("accepted a body that is not one JSON object: %q (%v)", body, err)
		}
		for k := range obj {
			if k != "text" && k != "threshold" && k != "taxonomy" {
				t.Fatalf("accepted unknown key %q", k)
			}
		}
		if req.Text != nil && !utf8.ValidString(*req.Text) {
			t.Fatalf("decoded text is not valid UTF-8: %q", *req.Text)
		}
	})
}

// FuzzHasLoneSurrogate checks hasLoneSurrogate against encoding/json, which
// silently turns an escaped lone surrogate into U+FFFD: when the detector
// says "none" and the input mentions no U+FFFD itself, decoding must not
// produce one. A string json.Marshal wrote never has one.
func FuzzHasLoneSurrogate(f *testing.F) {
	for _, s := range []string{`"\ud800"`, `"\udc00"`, `"\ud83d\ude00"`, `"\\ud800"`, `"\\\ud800"`, `"\ud800\u0041"`,
		`"\uD83D\uDE00"`, `"abc"`, `"\ud800`, `"\u12"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		lone := hasLoneSurrogate(b)
		var s string
		if json.Unmarshal(b, &s) == nil && !lone && utf8.Valid(b) &&
			!bytes.ContainsRune(b, utf8.RuneError) && !bytes.Contains(bytes.ToLower(b), []byte("ufffd")) &&
			strings.ContainsRune(s, utf8.RuneError) {
			t.Fatalf("hasLoneSurrogate(%q) = false, but encoding/json decoded U+FFFD: %q", b, s)
		}
		if utf8.Valid(b) {
			enc, _ := json.Marshal(string(b))
			if hasLoneSurrogate(enc) {
				t.Fatalf("hasLoneSurrogate(json.Marshal(%q)) = true", b)
			}
		}
	})
}

// uploadAPI is an API with only what the upload parsers read.
func uploadAPI() *API {
	return &API{Limits: Limits{MaxFileSize: 4096, MaxBatch: 100, AllowedFiles: []string{"json", "csv", "txt"}}}
}

// multipartBody builds a valid upload for the seed corpus.
func multipartBody(name, file string, fields ...string) (string, []byte) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.SetBoundary("fuzzboundary")
	if name != "" {
		p, _ := w.CreateFormFile("file", name)
		_, _ = io.WriteString(p, file)
	}
	for i := 0; i+1 < len(fields); i += 2 {
		_ = w.WriteField(fields[i], fields[i+1])
	}
	_ = w.Close()
	return w.FormDataContentType(), b.Bytes()
}

// FuzzReadUpload drives the multipart upload of POST /v1/predict/batch
// (readUpload, parseFile and the json, csv and txt parsers) with arbitrary
// bodies under a fixed boundary. Accepted uploads yield at most
// MaxFileItems valid UTF-8 texts; everything else is a 4xx problem.
func FuzzReadUpload(f *testing.F) {
	for _, seed := range [][]string{
		{"a.json", `["I am happy","so sad"]`},
		{"a.json", `{"texts":["one","two"]}`, "taxonomy", "ekman", "threshold", "0.3"},
		{"a.csv", "id,text\n1,hello there\n2,\"quoted, text\"\n"},
		{"a.csv", "first column only\nsecond row\n"},
		{"a.txt", "line one\r\nline two\n\n  \nline three"},
		{"a.exe", "MZ"},
		{"a.json", `{"texts":["a"],"texts":["b"]}`},
		{"", "", "taxonomy", "goemotions"},
		{"a.txt", "x", "unexpected", "field"},
	} {
		ct, body := multipartBody(seed[0], seed[1], seed[2:]...)
		f.Add(body)
		_ = ct
	}
	f.Add([]byte("--fuzzboundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhi\r\n--fuzzboundary--\r\n"))
	f.Add([]byte("not multipart at all"))
	a := uploadAPI()
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/v1/predict/batch", bytes.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary=fuzzboundary")
		texts, tax, threshold, err := a.readUpload(httptest.NewRecorder(), r)
		if err != nil {
			clientError(t, err)
			return
		}
		if len(texts) > MaxFileItems {
			t.Fatalf("%d texts, want ≤ %d", len(texts), MaxFileItems)
		}
		for i, s := range texts {
			if !utf8.ValidString(s) {
				t.Fatalf("text %d is not valid UTF-8: %q", i, s)
			}
		}
		if len(tax) > 64 {
			t.Fatalf("taxonomy of %d bytes accepted, want ≤ 64", len(tax))
		}
		_ = threshold
	})
}

// namedReader is a file part: a reader with a file name.
type namedReader struct {
	io.Reader
	name string
}

func (n namedReader) FileName() string { return n.name }

// FuzzParseFile drives parseFile directly with any file name and content,
// so the fuzzer need not discover the multipart framing first.
func FuzzParseFile(f *testing.F) {
	for _, seed := range [][2]string{
		{"a.json", `["x","y"]`}, {"a.json", `{"texts":["x"]}`}, {"a.json", `{"texts":"x"}`}, {"a.json", "\xef\xbb\xbf[\"bom\"]"},
		{"a.csv", "text\nhello\n"}, {"a.csv", "\"unterminated\n"}, {"b.CSV", "a;b\n"},
		{"a.txt", "one\ntwo"}, {"a.txt", strings.Repeat("x\n", 1100)}, {"noext", "x"}, {"a.txt", "\xff\xfe"},
	} {
		f.Add(seed[0], []byte(seed[1]))
	}
	a := uploadAPI()
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		texts, err := a.parseFile(namedReader{bytes.NewReader(data), name})
		if err != nil {
			clientError(t, err)
			return
		}
		if int64(len(data)) > a.Limits.MaxFileSize {
			t.Fatalf("accepted a %d-byte file over MAX_FILE_SIZE %d", len(data), a.Limits.MaxFileSize)
		}
		if len(texts) > MaxFileItems {
			t.Fatalf("%d texts, want ≤ %d", len(texts), MaxFileItems)
		}
		for i, s := range texts {
			if !utf8.ValidString(s) {
				t.Fatalf("text %d is not valid UTF-8: %q", i, s)
			}
		}
	})
}

// TestUploadSeedsParse checks the seed builder makes uploads readUpload
// accepts, so the corpus starts from the success path.
func TestUploadSeedsParse(t *testing.T) {
	tests := []struct {
		name, file, content string
		want                int
	}{
		{"json array", "a.json", `["a","b"]`, 2},
		{"csv with header", "a.csv", "text\none\ntwo\nthree\n", 3},
		{"txt lines", "a.txt", "x\r\ny\n", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct, body := multipartBody(tc.file, tc.content)
			r := httptest.NewRequest(http.MethodPost, "/v1/predict/batch", bytes.NewReader(body))
			r.Header.Set("Content-Type", ct)
			texts, _, _, err := uploadAPI().readUpload(httptest.NewRecorder(), r)
			if err != nil {
				t.Fatalf("readUpload: %v", err)
			}
			if len(texts) != tc.want {
				t.Errorf("%d texts, want %d: %q", len(texts), tc.want, texts)
			}
		})
	}
}
