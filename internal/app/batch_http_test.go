package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
)

// countingReader is a request body that counts what the server read.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// send serves one request whose body is counted, from addr.
func (ta *testApp) send(path, key, ctype, addr string, body []byte) (*httptest.ResponseRecorder, int64) {
	ta.t.Helper()
	cr := &countingReader{r: bytes.NewReader(body)}
	req := httptest.NewRequest(http.MethodPost, path, cr)
	req.RemoteAddr = addr
	req.Header.Set("Content-Type", ctype)
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	rec := httptest.NewRecorder()
	ta.h.ServeHTTP(rec, req)
	return rec, cr.n.Load()
}

// upload builds a multipart body with one file part.
func upload(name string, content []byte) (string, []byte) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	p, _ := w.CreateFormFile("file", name)
	_, _ = p.Write(content)
	_ = w.Close()
	return w.FormDataContentType(), b.Bytes()
}

// Uploads and JSON batches are read as streams and refused at the first
// item past the cap: of a 10 MB upload of tiny lines, or a JSON body of
// millions of empty strings, the server reads only the first few
// kilobytes. (Before, the whole body was read and decoded first.)
func TestBatchStopsAtFirstItemPastCap(t *testing.T) {
	ta := newTestApp(t, map[string]string{"IDS_BLOCK_THRESHOLD": "60000"})
	key := ta.key("streamer", rbac.RoleUser)
	tiny := bytes.Repeat([]byte("a\n"), 5<<20) // 10 MiB, 5 M lines
	jsonFile := append(append([]byte("["), bytes.Repeat([]byte(`"x",`), 2<<20)...), []byte(`"x"]`)...)
	cases := []struct {
		name, file string
		content    []byte
	}{
		{"txt", "tiny.txt", tiny},
		{"csv", "tiny.csv", tiny},
		{"json file", "tiny.json", jsonFile[:min(len(jsonFile), 10<<20)]},
	}
	for _, c := range cases {
		ctype, body := upload(c.file, c.content)
		rec, read := ta.send("/v1/predict/batch", key, ctype, "192.0.2.30:1", body)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "too_many") {
			t.Errorf("%s: status %d %s, want 400 too_many", c.name, rec.Code, rec.Body)
		}
		if read > 256<<10 {
			t.Errorf("%s: the server read %d of %d bytes before refusing, want the first few KB", c.name, read, len(body))
		}
	}
	// A JSON body of 1.9 M empty strings.
	body := append(append([]byte(`{"texts":[`), bytes.Repeat([]byte(`"",`), 1_900_000)...), []byte(`""]}`)...)
	rec, read := ta.send("/v1/predict/batch", key, "application/json", "192.0.2.30:1", body)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "too_many") {
		t.Errorf("JSON body: status %d %s, want 400 too_many", rec.Code, rec.Body)
	}
	if read > 64<<10 {
		t.Errorf("JSON body: the server read %d of %d bytes before refusing, want the first few KB", read, len(body))
	}
	// At the cap everything still works, per item.
	ctype, up := upload("ok.txt", bytes.Repeat([]byte("a fine day\n"), 1000))
	if rec, _ := ta.send("/v1/predict/batch", key, ctype, "192.0.2.30:1", up); rec.Code != 200 {
		t.Errorf("1000 lines: status %d %s, want 200", rec.Code, rec.Body)
	}
}

// A batch of 100 attacks blocks its source as 100 single attacks would;
// one attack in a batch does not.
func TestBatchAttacksCountForIntrusionDetection(t *testing.T) {
	ta := newTestApp(t, nil)
	key := ta.key("attacker", rbac.RoleUser)
	honest := ta.key("honest", rbac.RoleUser)
	batch := func(n int) []byte {
		texts := make([]string, 100)
		for i := range texts {
			texts[i] = fmt.Sprintf("entry %d was a good day", i)
			if i < n {
				texts[i] = fmt.Sprintf("<script>steal(%d)</script>", i)
			}
		}
		b, _ := json.Marshal(map[string]any{"texts": texts})
		return b
	}
	// One attack among 100 texts from one address: scored, not blocked.
	if rec, _ := ta.send("/v1/predict/batch", honest, "application/json", "192.0.2.41:1", batch(1)); rec.Code != 200 {
		t.Fatalf("batch with one attack: %d %s", rec.Code, rec.Body)
	}
	if rec, _ := ta.send("/v1/predict", honest, "application/json", "192.0.2.41:1", []byte(`{"text":"still here"}`)); rec.Code != 200 {
		t.Fatalf("after one attack in a batch: %d %s, want 200 (not blocked)", rec.Code, rec.Body)
	}
	// 100 attacks in one batch from another address: that address is blocked.
	rec, _ := ta.send("/v1/predict/batch", key, "application/json", "192.0.2.42:1", batch(100))
	if rec.Code != 200 {
		t.Fatalf("attack batch: %d %s (items are refused per item)", rec.Code, rec.Body)
	}
	rec, _ = ta.send("/v1/predict", key, "application/json", "192.0.2.42:1", []byte(`{"text":"hello"}`))
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "ip_blocked") {
		t.Errorf("after a batch of 100 attacks: %d %s, want 403 ip_blocked", rec.Code, rec.Body)
	}
	es := ta.waitEvents(secevent.IPBlocked, func(es []secevent.Event) bool { return len(es) > 0 })
	if len(es) != 1 || es[0].ClientIP != "192.0.2.42" {
		t.Errorf("ip_blocked events = %+v, want one for 192.0.2.42", es)
	}
}

// The events of a batch are aggregated per class: 100 texts that each
// trip the same detector are one injection_detected event with count 100.
func TestBatchEventsAggregatedPerClass(t *testing.T) {
	ta := newTestApp(t, map[string]string{"IDS_BLOCK_THRESHOLD": "60000"})
	key := ta.key("many", rbac.RoleUser)
	lines := strings.Repeat("<script>x()</script>\n", 100) + strings.Repeat("\n", 3) + strings.Repeat("y\x01z\n", 7)
	ctype, body := upload("a.txt", []byte(lines))
	rec, _ := ta.send("/v1/predict/batch", key, ctype, "192.0.2.50:1", body)
	if rec.Code != 200 {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	var rid struct {
		RequestID string `json:"request_id"`
		Failed    int
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &rid)
	if rid.Failed != 107 {
		t.Fatalf("failed items = %d, want 107", rid.Failed)
	}
	inj := ta.waitEvents(secevent.InjectionDetected, func(es []secevent.Event) bool { return len(es) > 0 })
	val := ta.waitEvents(secevent.ValidationRejected, func(es []secevent.Event) bool { return len(es) > 0 })
	count := func(es []secevent.Event) int {
		n := 0
		for _, e := range es {
			if e.RequestID != rid.RequestID {
				t.Errorf("event of another request: %+v", e)
			}
			var c int
			fmt.Sscan(e.Details["count"], &c)
			n += c
		}
		return n
	}
	classes := map[string]bool{}
	for _, e := range inj {
		if classes[e.Details["class"]] {
			t.Errorf("class %s recorded twice for one request", e.Details["class"])
		}
		classes[e.Details["class"]] = true
	}
	if n := count(inj); len(inj) > 9 || n < 100 || n%100 != 0 {
		t.Errorf("%d injection_detected events counting %d items, want one per class, each counting 100", len(inj), n)
	}
	if n := count(val); len(val) != 1 || n != 7 {
		t.Errorf("%d validation_rejected events counting %d items, want 1 counting 7", len(val), n)
	}
}
