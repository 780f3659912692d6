package secevent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var chainKey = bytes.Repeat([]byte{7}, 32)

// writeChained writes n events in batches of batch to a chained log at
// path (opened afresh, as a restarted process does).
func writeChained(t *testing.T, path string, o LogOptions, from, n, batch int) {
	t.Helper()
	o.ChainKey = chainKey
	l, err := OpenRotatingJSONLog(path, o)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := from; i < from+n; i += batch {
		var es []Event
		for j := i; j < min(i+batch, from+n); j++ {
			es = append(es, Event{Type: AuthFailure, Severity: Medium, Time: time.Unix(int64(j), 0).UTC(),
				Details: map[string]string{"n": strconv.Itoa(j), "reason": `a "quoted" ,"chain":{"seq": 9}`}})
		}
		if err := l.WriteEvents(context.Background(), es); err != nil {
			t.Fatal(err)
		}
	}
}

func verifyFile(t *testing.T, key []byte, paths ...string) (LogReport, error) {
	t.Helper()
	var all []byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return VerifyLog(bytes.NewReader(all), key)
}

// TestChainAcrossRestartsAndRotations: a chained log continues its chain
// after a restart and across rotated files; the files, read oldest first,
// verify as one chain, and the current file alone verifies from the line
// it starts with. A detail that imitates the chain member changes nothing.
func TestChainAcrossRestartsAndRotations(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "security.log")
	o := LogOptions{MaxSize: 8 << 10, MaxFiles: 5}
	writeChained(t, path, o, 0, 30, 7)
	writeChained(t, path, o, 30, 30, 1) // a restart
	files := []string{path + ".2", path + ".1", path}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("want rotated files: %v", err)
		}
	}
	if _, err := os.Stat(path + ".3"); err == nil {
		files = append([]string{path + ".3"}, files...)
	}
	rep, err := verifyFile(t, chainKey, files...)
	if err != nil || rep.Lines != 60 || rep.FirstSeq != 1 || rep.LastSeq != 60 || len(rep.Restarts) != 0 || rep.Unchained != 0 {
		t.Fatalf("whole log: %+v, %v; want 60 lines, seq 1-60, no restart", rep, err)
	}
	rep, err = verifyFile(t, chainKey, path)
	if err != nil || rep.FirstSeq <= 1 || rep.LastSeq != 60 {
		t.Errorf("current file alone: %+v, %v; want a chain continued from the rotated files", rep, err)
	}
	if _, err := verifyFile(t, bytes.Repeat([]byte{8}, 32), path); !errors.Is(err, ErrLogTampered) {
		t.Errorf("another key: %v, want ErrLogTampered", err)
	}
}

// TestChainDetectsTampering: every change to a line, and every line
// removed, inserted, duplicated or moved, is reported at the line where
// the chain breaks, and nothing else is.
func TestChainDetectsTampering(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "security.log")
	writeChained(t, path, LogOptions{}, 0, 10, 3)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	lines = lines[:len(lines)-1] // after the last newline
	edit := func(f func(ls []string) []string) string {
		return strings.Join(f(append([]string(nil), lines...)), "")
	}
	for _, c := range []struct {
		name  string
		log   string
		lines []int // lines reported
	}{
		{"a detail changed", edit(func(ls []string) []string {
			ls[4] = strings.Replace(ls[4], `"n":"4"`, `"n":"5"`, 1)
			return ls
		}), []int{5}},
		{"the severity changed", edit(func(ls []string) []string {
			ls[2] = strings.Replace(ls[2], `"medium"`, `"low"`, 1)
			return ls
		}), []int{3}},
		{"a line removed", edit(func(ls []string) []string { return append(ls[:6], ls[7:]...) }), []int{7}},
		{"two lines swapped", edit(func(ls []string) []string { ls[3], ls[4] = ls[4], ls[3]; return ls }), []int{4, 5, 6}},
		{"a line repeated", edit(func(ls []string) []string {
			return append(ls[:5], append([]string{ls[4]}, ls[5:]...)...)
		}), []int{6}},
		{"the chain member alone", edit(func(ls []string) []string {
			ls[3] = ls[3][strings.LastIndex(ls[3], chainMember):]
			return ls
		}), []int{4, 5}},
		{"an unchained line inserted", edit(func(ls []string) []string {
			return append(ls[:5], append([]string{`{"type":"auth_failure","severity":"low"}` + "\n"}, ls[5:]...)...)
		}), []int{6}},
		{"the chain member removed", edit(func(ls []string) []string {
			i := strings.LastIndex(ls[8], chainMember)
			ls[8] = ls[8][:i] + "}\n"
			return ls
		}), []int{9, 10}}, // line 10 then follows nothing
		{"the last line cut short", edit(func(ls []string) []string { ls[9] = ls[9][:40]; return ls }), []int{10}},
	} {
		rep, err := VerifyLog(strings.NewReader(c.log), chainKey)
		var got []int
		for _, p := range rep.Problems {
			got = append(got, p.Line)
		}
		if !errors.Is(err, ErrLogTampered) || !equalInts(got, c.lines) {
			t.Errorf("%s: problems at lines %v (%v), want %v", c.name, got, err, c.lines)
		}
		if c.name == "the chain member alone" && len(rep.Problems) > 0 && !strings.HasPrefix(rep.Problems[0].What, "no chain member") {
			t.Errorf("%s: %q, want no chain member", c.name, rep.Problems[0].What)
		}
	}
	// The removal of the newest lines is not visible here (docs: compare
	// with the event store or the webhook's receiver).
	if _, err := VerifyLog(strings.NewReader(edit(func(ls []string) []string { return ls[:7] })), chainKey); err != nil {
		t.Errorf("a truncated but intact log: %v", err)
	}
}

// TestChainRestarts: a log whose last line is torn, or written before
// chaining, makes the next process start a new chain: the lines before
// the first chained line are counted as unchained, a restart is reported
// where it happens, and a torn line is a problem.
func TestChainRestarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "security.log")
	old, err := OpenJSONLog(path) // a release before chaining
	if err != nil {
		t.Fatal(err)
	}
	if err := old.WriteEvents(context.Background(), []Event{{Type: AuthFailure, Severity: Low}, {Type: AuthFailure, Severity: Low}}); err != nil {
		t.Fatal(err)
	}
	old.Close()
	writeChained(t, path, LogOptions{}, 0, 3, 3)
	rep, err := verifyFile(t, chainKey, path)
	if err != nil || rep.Unchained != 2 || rep.FirstSeq != 1 || rep.LastSeq != 3 || len(rep.Restarts) != 0 {
		t.Fatalf("after the upgrade: %+v, %v; want 2 unchained lines, then seq 1-3", rep, err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"type":"auth_fail`); err != nil { // a crash mid-write
		t.Fatal(err)
	}
	f.Close()
	writeChained(t, path, LogOptions{}, 3, 2, 1)
	rep, err = verifyFile(t, chainKey, path)
	// The next process ends the torn line and continues the chain after
	// the last intact line: only the torn line is reported.
	if !errors.Is(err, ErrLogTampered) || len(rep.Problems) != 1 || rep.Problems[0].Line != 6 || rep.Lines != 8 || rep.LastSeq != 5 || len(rep.Restarts) != 0 {
		t.Errorf("after a torn write: %+v, %v; want only line 6 reported, seq 5 last", rep, err)
	}
	// A last line that does not verify (here: another key's) makes the
	// next process start a new chain, reported as a restart.
	o := LogOptions{ChainKey: bytes.Repeat([]byte{9}, 32)}
	l, err := OpenRotatingJSONLog(path, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.WriteEvents(context.Background(), []Event{{Type: AuthFailure, Severity: Low}}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	writeChained(t, path, LogOptions{}, 5, 1, 1)
	rep, err = verifyFile(t, chainKey, path)
	if len(rep.Problems) != 2 || rep.Problems[1].Line != 9 || !equalInts(rep.Restarts, []int{10}) || rep.LastSeq != 1 {
		t.Errorf("after a line this key did not write: %+v, %v; want it reported (line 9) and a restart at line 10", rep, err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzVerifyLog: VerifyLog reads any bytes without panicking, and a log
// the chain wrote, with the fuzzed bytes as an event detail, verifies.
func FuzzVerifyLog(f *testing.F) {
	f.Add([]byte(`{"type":"x","chain":{"seq":1,"prev":"","mac":""}}` + "\n"))
	f.Add([]byte("\n\n{}\n" + chainMember + "2}}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = VerifyLog(bytes.NewReader(b), chainKey)
		c := newChain(chainKey)
		var log []byte
		for i := 0; i < 3; i++ {
			e, err := json.Marshal(Event{Type: AuthFailure, Severity: Low, Details: map[string]string{"d": string(b)}})
			if err != nil {
				t.Fatal(err)
			}
			log = c.appendLine(log, e)
		}
		if rep, err := VerifyLog(bytes.NewReader(log), chainKey); err != nil || rep.LastSeq != 3 {
			t.Fatalf("a log the chain wrote: %+v, %v", rep, err)
		}
	})
}

// TestVerifyLogLineBound: a line of maxLogLine bytes is read (here, an
// unchained one), one byte more is an error, not a verdict.
func TestVerifyLogLineBound(t *testing.T) {
	t.Parallel()
	rep, err := VerifyLog(strings.NewReader(strings.Repeat("x", maxLogLine)+"\n"), chainKey)
	if err != nil || rep.Lines != 1 || rep.Unchained != 1 {
		t.Errorf("a line of the bound: %+v, %v", rep, err)
	}
	if _, err := VerifyLog(strings.NewReader(strings.Repeat("x", maxLogLine+1)+"\n"), chainKey); err == nil || errors.Is(err, ErrLogTampered) {
		t.Errorf("a line over the bound: %v, want a read error", err)
	}
}

// TestChainResumesLargeFile: the chain continues from the last line of a
// file larger than the tail read at start, and from an empty file.
func TestChainResumesLargeFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "security.log")
	writeChained(t, path, LogOptions{}, 0, 400, 50) // about 100 KiB
	if fi, err := os.Stat(path); err != nil || fi.Size() < 80<<10 {
		t.Fatalf("want a log past the 64 KiB tail: %v", err)
	}
	writeChained(t, path, LogOptions{}, 400, 2, 1)
	rep, err := verifyFile(t, chainKey, path)
	if err != nil || rep.LastSeq != 402 || len(rep.Restarts) != 0 {
		t.Errorf("after reopening a large log: %+v, %v; want seq 402 without a restart", rep, err)
	}
	empty := filepath.Join(dir, "empty.log")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	writeChained(t, empty, LogOptions{}, 0, 2, 1)
	if rep, err := verifyFile(t, chainKey, empty); err != nil || rep.FirstSeq != 1 || rep.LastSeq != 2 {
		t.Errorf("a chain begun in an empty file: %+v, %v", rep, err)
	}
}

// TestVerifyLogSpanAndIDs: the report gives the earliest and latest event
// times and the event ids of the lines whose MAC verifies (the latest by
// time, not the last line); a changed line adds neither its time nor its
// id, and a log without a verified line gives zero times and no ids.
func TestVerifyLogSpanAndIDs(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "security.log")
	l, err := OpenRotatingJSONLog(path, LogOptions{ChainKey: chainKey})
	if err != nil {
		t.Fatal(err)
	}
	at := func(s int64) time.Time { return time.Unix(1_800_000_000+s, 0).UTC() }
	// Written out of time order, as a pipeline's batch can be.
	es := []Event{
		{ID: "evt_b", Type: AuthFailure, Severity: Low, Time: at(20)},
		{ID: "evt_a", Type: AuthFailure, Severity: Low, Time: at(10), Details: map[string]string{"x": `"id":"evt_z","time":"2099-01-01T00:00:00Z"`}},
		{ID: "evt_c", Type: AuthFailure, Severity: Low, Time: at(30)},
		{ID: "evt_d", Type: AuthFailure, Severity: Low, Time: at(25)},
	}
	if err := l.WriteEvents(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	l.Close()
	rep, err := verifyFile(t, chainKey, path)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Oldest.Equal(at(10)) || !rep.Newest.Equal(at(30)) {
		t.Errorf("span %v to %v, want %v to %v", rep.Oldest, rep.Newest, at(10), at(30))
	}
	if len(rep.IDs) != 4 {
		t.Errorf("ids %v, want the four events'", rep.IDs)
	}
	for _, e := range es {
		if _, ok := rep.IDs[e.ID]; !ok {
			t.Errorf("id %s missing from %v", e.ID, rep.IDs)
		}
	}

	// Change the latest line's time to a later one: its MAC fails, so it
	// moves nothing and its id is not counted.
	raw, _ := os.ReadFile(path)
	changed := bytes.Replace(raw, []byte(at(30).Format(time.RFC3339Nano)), []byte(at(90).Format(time.RFC3339Nano)), 1)
	rep, err = VerifyLog(bytes.NewReader(changed), chainKey)
	if !errors.Is(err, ErrLogTampered) {
		t.Fatalf("changed line: %v", err)
	}
	if !rep.Newest.Equal(at(25)) || !rep.Oldest.Equal(at(10)) {
		t.Errorf("after a change: span %v to %v, want %v to %v", rep.Oldest, rep.Newest, at(10), at(25))
	}
	if _, ok := rep.IDs["evt_c"]; ok || len(rep.IDs) != 3 {
		t.Errorf("after a change: ids %v, want evt_c left out", rep.IDs)
	}

	rep, err = VerifyLog(bytes.NewReader(nil), chainKey)
	if err != nil || !rep.Oldest.IsZero() || !rep.Newest.IsZero() || len(rep.IDs) != 0 {
		t.Errorf("empty log: %+v, %v", rep, err)
	}
}
