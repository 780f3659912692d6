package secevent

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
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
