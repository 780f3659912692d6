package secevent

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func countLines(t *testing.T, path string) (lines int, size int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("%s: line %d is not one JSON event: %v", path, lines+1, err)
		}
		lines++
	}
	return lines, st.Size()
}

// The log rotates by size: no file grows past the limit, at most MaxFiles
// rotated files are kept (the oldest deleted), each file holds whole JSON
// lines, rotated files stay 0600, and nothing written is lost except what
// was rotated out.
func TestJSONLogRotatesBySize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "security.log")
	const maxSize, maxFiles = 4096, 3
	l, err := OpenRotatingJSONLog(path, LogOptions{MaxSize: maxSize, MaxFiles: maxFiles})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		e := Event{ID: "evt_" + strconv.Itoa(i), Type: AuthFailure, Severity: Low, Details: map[string]string{"n": strconv.Itoa(i)}}
		if err := l.WriteEvents(context.Background(), []Event{e}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, p := range []string{path, path + ".1", path + ".2", path + ".3"} {
		n, size := countLines(t, p)
		if size > maxSize {
			t.Errorf("%s is %d bytes, over SECURITY_LOG_MAX_SIZE %d", p, size, maxSize)
		}
		if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", p, fi.Mode().Perm())
		}
		total += n
	}
	if _, err := os.Stat(path + ".4"); !os.IsNotExist(err) {
		t.Errorf("%s.4 exists: more than SECURITY_LOG_MAX_FILES=%d rotated files kept", path, maxFiles)
	}
	if total == 200 || total < 50 {
		t.Errorf("%d events across the kept files; want the newest ones only (the oldest rotated out)", total)
	}
	// The newest event is in the current file.
	f, _ := os.Open(path)
	defer f.Close()
	sc := bufio.NewScanner(f)
	var last Event
	for sc.Scan() {
		_ = json.Unmarshal(sc.Bytes(), &last)
	}
	if last.ID != "evt_199" {
		t.Errorf("last event in the current file = %q, want evt_199", last.ID)
	}
}

// Reopening continues the size count of an existing file.
func TestJSONLogReopenCountsExistingSize(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "security.log")
	if err := os.WriteFile(path, append(make([]byte, 3999), '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := OpenRotatingJSONLog(path, LogOptions{MaxSize: 4096, MaxFiles: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.WriteEvents(context.Background(), []Event{{ID: "evt_x", Type: AuthFailure, Severity: Low, Details: map[string]string{"pad": string(make([]byte, 200))}}}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if fi, err := os.Stat(path + ".1"); err != nil || fi.Size() != 4000 {
		t.Errorf("the existing 4000-byte file was not rotated before the write: %v", err)
	}
}

// TestJSONLogRotationBounds: a file that reaches MaxSize exactly is not
// rotated, the next line is; a batch larger than MaxSize goes whole into an
// empty file; rotated files shift up in order (.1 the newest).
func TestJSONLogRotationBounds(t *testing.T) {
	t.Parallel()
	ev := func(i int) Event {
		return Event{ID: "evt_" + strconv.Itoa(i), Type: AuthFailure, Severity: Low, Details: map[string]string{"n": strconv.Itoa(i)}}
	}
	one, _ := json.Marshal(ev(1))
	line := int64(len(one) + 1) // every event here encodes to this length
	open := func(path string) *JSONLog {
		t.Helper()
		l, err := OpenRotatingJSONLog(path, LogOptions{MaxSize: 2 * line, MaxFiles: 3})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	}
	write := func(l *JSONLog, es ...Event) {
		t.Helper()
		if err := l.WriteEvents(context.Background(), es); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(p string) string {
		t.Helper()
		b, err := os.ReadFile(p)
		if err != nil {
			return "missing"
		}
		var out []string
		for _, ln := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var e Event
			_ = json.Unmarshal([]byte(ln), &e)
			out = append(out, e.ID)
		}
		return strings.Join(out, ",")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "security.log")
	l := open(path)
	write(l, ev(1))
	write(l, ev(2)) // exactly MaxSize: no rotation
	if got := ids(path + ".1"); got != "missing" {
		t.Fatalf("rotated at exactly MaxSize: .1 holds %s", got)
	}
	write(l, ev(3)) // over: rotates first
	write(l, ev(4))
	write(l, ev(5))
	for name, want := range map[string]string{path + ".2": "evt_1,evt_2", path + ".1": "evt_3,evt_4", path: "evt_5"} {
		if got := ids(name); got != want {
			t.Errorf("%s holds %s, want %s", filepath.Base(name), got, want)
		}
	}
	big := filepath.Join(dir, "big.log")
	write(open(big), ev(6), ev(7), ev(8)) // larger than MaxSize, into an empty file
	if got, rot := ids(big), ids(big+".1"); got != "evt_6,evt_7,evt_8" || rot != "missing" {
		t.Errorf("a batch over MaxSize into an empty file: %s, rotated %s", got, rot)
	}
}
