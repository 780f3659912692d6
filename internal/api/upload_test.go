package api

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/validate"
)

// Past MAX_CONCURRENT_UPLOADS, an upload is refused at once with a 503
// problem and Retry-After; a slot freed is usable again.
func TestUploadSemaphore(t *testing.T) {
	a := New(Deps{Limits: Limits{MaxUploads: 2}})
	r1, err1 := a.acquireUpload()
	r2, err2 := a.acquireUpload()
	if err1 != nil || err2 != nil {
		t.Fatalf("first two uploads refused: %v, %v", err1, err2)
	}
	_, err := a.acquireUpload()
	var e *problem.Error
	if !errors.As(err, &e) || e.Status != http.StatusServiceUnavailable || e.Code != "too_many_uploads" || e.RetryAfter <= 0 {
		t.Fatalf("third upload: %v, want 503 too_many_uploads with Retry-After", err)
	}
	rec := httptest.NewRecorder()
	problem.Write(rec, httptest.NewRequest(http.MethodPost, "/v1/predict/batch", nil), nil, err)
	if rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "Too many file uploads") {
		t.Errorf("rendered %d %q with Retry-After %q, want a clear problem and Retry-After", rec.Code, rec.Body, rec.Header().Get("Retry-After"))
	}
	r1()
	r3, err := a.acquireUpload()
	if err != nil {
		t.Fatalf("upload after a release refused: %v", err)
	}
	r2()
	r3()
}

func TestParseTextFileLongLine(t *testing.T) {
	a := &API{Limits: Limits{MaxFileSize: 1 << 20, AllowedFiles: []string{"txt"}, Text: validate.Limits{MinLength: 1, MaxLength: 10}}}
	long := strings.Repeat("é", 1000) // 2000 bytes, over 16*10+8
	texts, err := a.parseFile(namedReader{strings.NewReader("short\r\n" + long + "\nlast"), "a.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) != 3 || texts[0] != "short" || texts[2] != "last" {
		t.Fatalf("texts = %q", texts)
	}
	if len(texts[1]) > a.maxLineBytes() || !strings.HasPrefix(long, texts[1]) {
		t.Errorf("long line kept as %d bytes, want a prefix of at most %d", len(texts[1]), a.maxLineBytes())
	}
	if _, err := validate.Text(texts[1], a.Limits.Text); err == nil {
		t.Error("the kept prefix of an over-long line passes validation; it must be refused as too long")
	}
}

func TestParseFileErrors(t *testing.T) {
	a := &API{Limits: Limits{MaxFileSize: 64, AllowedFiles: []string{"txt", "json", "csv"}}}
	cases := []struct {
		name, file, content string
		status              int
		field               string
	}{
		{"over MAX_FILE_SIZE", "a.txt", strings.Repeat("abc\n", 20), 413, ""},
		{"invalid utf-8", "a.txt", "ok\n\xff\n", 400, "invalid_utf8"},
		{"json trailing", "a.json", `["a"] x`, 400, "invalid_json"},
		{"json object twice", "a.json", `{"texts":["a"],"texts":["b"]}`, 400, "invalid_json"},
		{"json lone surrogate", "a.json", `["\ud800"]`, 400, "invalid_utf8"},
		{"json number item", "a.json", `[1]`, 400, "invalid_json"},
		{"csv broken quote", "a.csv", "\"open\n", 400, "invalid_csv"},
	}
	for _, c := range cases {
		_, err := a.parseFile(namedReader{strings.NewReader(c.content), c.file})
		var e *problem.Error
		if !errors.As(err, &e) || e.Status != c.status || (c.field != "" && (len(e.Fields) == 0 || e.Fields[0].Code != c.field)) {
			t.Errorf("%s: %v, want %d %s", c.name, err, c.status, c.field)
		}
	}
}

func TestDecodeBatch(t *testing.T) {
	cases := []struct {
		name, body string
		code       string // "" = accepted
		texts      int
	}{
		{"ok", `{"texts":["a","b"],"threshold":0.3,"taxonomy":"ekman"}`, "", 2},
		{"null texts", `{"texts":null}`, "", 0},
		{"unknown field", `{"texts":["a"],"role":"admin"}`, "unknown_field", 0},
		{"duplicate", `{"texts":["a"],"texts":["b"]}`, "duplicate_field", 0},
		{"case differs", `{"TEXTS":["a"]}`, "unknown_field", 0},
		{"trailing", `{"texts":["a"]} {}`, "invalid_json", 0},
		{"not object", `["a"]`, "invalid_json", 0},
		{"item type", `{"texts":["a",2]}`, "invalid_request", 0},
		{"threshold type", `{"texts":["a"],"threshold":"high"}`, "invalid_field", 0},
		{"lone surrogate", `{"texts":["\udc00"]}`, "invalid_utf8", 0},
		{"invalid utf-8", "{\"texts\":[\"\xff\"]}", "invalid_utf8", 0},
		{"too many", `{"texts":["a","b","c","d"]}`, "invalid_request", 0},
		{"truncated", `{"texts":["a"`, "invalid_json", 0},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodPost, "/v1/predict/batch", bytes.NewReader([]byte(c.body)))
		r.Header.Set("Content-Type", "application/json")
		b, err := decodeBatch(httptest.NewRecorder(), r, 1<<20, 3)
		if c.code == "" {
			if err != nil || len(b.texts) != c.texts {
				t.Errorf("%s: %v, %d texts; want %d texts", c.name, err, len(b.texts), c.texts)
			}
			continue
		}
		var e *problem.Error
		if !errors.As(err, &e) || e.Code != c.code {
			t.Errorf("%s: %v, want code %s", c.name, err, c.code)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/v1/predict/batch", strings.NewReader(`{"texts":["`+strings.Repeat("a", 200)+`"]}`))
	if _, err := decodeBatch(httptest.NewRecorder(), r, 100, 3); err == nil || err.(*problem.Error).Status != 413 {
		t.Errorf("over the body limit: %v, want 413", err)
	}
}
