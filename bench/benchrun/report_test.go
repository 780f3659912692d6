package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/httpload"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name    string
		stat    string
		want    time.Duration
		wantErr bool
	}{
		{"plain", "1234 (samo) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 100 1000 200", 3 * time.Second, false},
		{"name with spaces and parens", "77 (a) b (c) R 1 77 77 0 -1 0 0 0 0 0 7 3 0 0 20 0", 100 * time.Millisecond, false},
		{"truncated", "77 (x) R 1 2", 0, true},
		{"no name", "77 x R", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStatCPU([]byte(tc.stat))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("CPU = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseStatusRSS(t *testing.T) {
	status := "Name:\tsamo\nVmPeak:\t  900000 kB\nVmHWM:\t   51200 kB\nVmRSS:\t   40960 kB\nRssAnon:\t   30720 kB\nRssFile:\t   10240 kB\nThreads:\t8\n"
	rss, hwm, file := parseStatusRSS([]byte(status))
	if rss != 40960<<10 || hwm != 51200<<10 || file != 10240<<10 {
		t.Errorf("rss, hwm, file = %d, %d, %d; want %d, %d, %d", rss, hwm, file, 40960<<10, 51200<<10, 10240<<10)
	}
	// Our own process: the high-water mark is at least the current RSS.
	s, err := readProc(os.Getpid())
	if err != nil {
		t.Fatalf("readProc(self): %v", err)
	}
	if s.RSS <= 0 || s.PeakRSS < s.RSS {
		t.Errorf("self: RSS %d, peak %d; want 0 < RSS ≤ peak", s.RSS, s.PeakRSS)
	}
}

func TestParseGoBench(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: github.com/samo-brain/samo/internal/apikey
cpu: AMD EPYC
BenchmarkParse-2          	 5000000	       240.5 ns/op	      48 B/op	       1 allocs/op
BenchmarkHash/long-2      	 1000000	      1043 ns/op	 122.70 MB/s	       0 B/op	       0 allocs/op
PASS
ok  	github.com/samo-brain/samo/internal/apikey	3.1s
pkg: github.com/samo-brain/samo/internal/app
BenchmarkSecuredPredict-2 	   10000	    105234 ns/op
--- FAIL: BenchmarkBroken
BenchmarkLogged-2  some log line
`
	got := parseGoBench(out)
	if len(got) != 3 {
		t.Fatalf("parsed %d results, want 3: %+v", len(got), got)
	}
	tests := []struct {
		i            int
		pkg, name    string
		ns, b, alloc float64
		extra        string
	}{
		{0, "apikey", "Parse", 240.5, 48, 1, ""},
		{1, "apikey", "Hash/long", 1043, 0, 0, "122.70 MB/s"},
		{2, "app", "SecuredPredict", 105234, -1, -1, ""},
	}
	for _, tc := range tests {
		r := got[tc.i]
		if shortPkg(r.Pkg) != tc.pkg || r.Name != tc.name || r.NsOp != tc.ns || r.BOp != tc.b || r.Allocs != tc.alloc ||
			strings.Join(r.Extra, ",") != tc.extra {
			t.Errorf("result %d = %s %s %v %v %v %v; want %s %s %v %v %v %q", tc.i, shortPkg(r.Pkg), r.Name, r.NsOp, r.BOp, r.Allocs, r.Extra,
				tc.pkg, tc.name, tc.ns, tc.b, tc.alloc, tc.extra)
		}
	}
}

func result(rps float64, p99 time.Duration) *httpload.Result {
	return &httpload.Result{Requests: uint64(rps * 10), Throughput: rps, Elapsed: 10 * time.Second, Rate: rps / 2,
		Status: map[int]uint64{200: uint64(rps * 10)}, Latency: httpload.Summary{P50: p99 / 4, P99: p99}}
}

func TestTargets(t *testing.T) {
	r := &report{Load: []*measurement{
		{ID: "bare", Max: result(10000, time.Millisecond), Half: result(5000, time.Millisecond)},
		{ID: "chain", Max: result(9000, time.Millisecond), Half: result(4500, 2*time.Millisecond), PeakRSS: 40 << 20},
		{ID: "predict", Max: result(3000, time.Millisecond), Half: result(1500, 6*time.Millisecond), PeakRSS: 200 << 20},
		{ID: "batch", Max: result(600, time.Millisecond)},                                              // 60,000 texts/s
		{ID: "predict-1m", Max: result(2000, time.Millisecond)},                                        // 67 % of predict
		{ID: "search-100k", Max: result(100, time.Millisecond), Half: result(50, 40*time.Millisecond)}, // under 50 ms
		{ID: "search-pg", Max: result(20, time.Millisecond), Half: result(10, 60*time.Millisecond)},    // over 50 ms
	}}
	want := map[string]bool{
		"security chain ≥ 60 % of bare throughput (GET /v1/predictions, one SQLite read)":                true,  // 90 %
		"predict on SQLite ≥ 40 % of bare throughput":                                                    false, // 30 %
		"POST /v1/predict/batch (100 texts) ≥ 50,000 texts/s":                                            true,
		"predict with 1,000,000 stored within 20 % of an empty store":                                    false,
		"p99 < 5 ms at half the maximum rate: chain":                                                     true,
		"p99 < 5 ms at half the maximum rate: predict":                                                   false,
		"word search p99 < 50 ms (user with 100,000 predictions), at half the maximum rate: search-100k": true,
		"word search p99 < 50 ms (user with 100,000 predictions), at half the maximum rate: search-pg":   false,
		"RSS < 150 MB under load: chain":                                                                 true,
		"RSS < 150 MB under load: predict":                                                               false,
	}
	got := r.targets()
	if len(got) != len(want) {
		t.Fatalf("%d targets, want %d: %+v", len(got), len(want), got)
	}
	for _, tg := range got {
		w, ok := want[tg.What]
		if !ok {
			t.Errorf("unexpected target %q", tg.What)
			continue
		}
		if tg.Met != w {
			t.Errorf("%s: met = %v, want %v (%s)", tg.What, tg.Met, w, tg.Measured)
		}
	}
	r.find("chain").Half.Oversleep.P99 = 1500 * time.Microsecond
	r.find("chain").HalfServer = &serverSide{P99: 250 * time.Microsecond}
	for _, tg := range r.targets() {
		if tg.What == "p99 < 5 ms at half the maximum rate: chain" && tg.Measured != "2.00 ms at 2250 req/s (server-side 0.25 ms, generator oversleep 1.50 ms)" {
			t.Errorf("chain p99 measured = %q, want the server-side and generator parts", tg.Measured)
		}
	}
	if got := r.ratio(r.find("chain")); got != 0.9 {
		t.Errorf("chain ratio = %v, want 0.9", got)
	}
}

func TestRewriteFileKeepsHandWrittenText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	r := &report{Machine: machine{CPU: "Test CPU", Cores: 2, Go: "go1.27.3", Date: "2026-01-01 00:00 UTC"},
		Load: []*measurement{{ID: "bare", Title: "bare", Route: "POST /v1/predict", Max: result(1000, time.Millisecond), Half: result(500, time.Millisecond)}}}
	// First run: no file, the skeleton is created.
	if err := rewriteFile(path, r); err != nil {
		t.Fatalf("rewriteFile (new): %v", err)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), "| 1 | bare |") || !strings.Contains(string(b), microBegin) {
		t.Fatalf("new file lacks the table or markers:\n%s", b)
	}
	// Hand-written analysis around the blocks survives a second run.
	doc := "# Title\n\nintro by hand\n" + loadBegin + "\nold table\n" + loadEnd + "\n\nanalysis by hand\n" + microBegin + "\nold micro\n" + microEnd + "\ntail\n"
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	r.Micro = []microResult{{Pkg: "x/internal/ids", Name: "Observe", NsOp: 120, BOp: 0, Allocs: 0}}
	if err := rewriteFile(path, r); err != nil {
		t.Fatalf("rewriteFile: %v", err)
	}
	b, _ = os.ReadFile(path)
	got := string(b)
	for _, want := range []string{"intro by hand", "analysis by hand", "tail", "| ids | Observe | 120 | 0 | 0 |", "Test CPU"} {
		if !strings.Contains(got, want) {
			t.Errorf("rewritten file lacks %q:\n%s", want, got)
		}
	}
	for _, gone := range []string{"old table", "old micro"} {
		if strings.Contains(got, gone) {
			t.Errorf("rewritten file still has %q", gone)
		}
	}
	// Markers missing: an error, and the file is left alone.
	if err := os.WriteFile(path, []byte("no markers\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := rewriteFile(path, r); err == nil {
		t.Errorf("rewriteFile without markers: nil error, want errMarkers")
	}
	if b, _ := os.ReadFile(path); string(b) != "no markers\n" {
		t.Errorf("file changed despite the error: %q", b)
	}
}

func TestParseServerSide(t *testing.T) {
	var log strings.Builder
	log.WriteString(`{"msg":"listening","addr":"127.0.0.1:1"}` + "\n")
	log.WriteString("not json\n")
	log.WriteString(`{"msg":"security event","duration_ms":999}` + "\n") // not an access-log line
	for i := 1; i <= 100; i++ {
		fmt.Fprintf(&log, `{"msg":"request","route":"x","duration_ms":%d.5}`+"\n", i)
	}
	got, err := parseServerSide(strings.NewReader(log.String()))
	if err != nil {
		t.Fatal(err)
	}
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	want := serverSide{Requests: 100, P50: ms(51.5), P99: ms(100.5), Max: ms(100.5)}
	if got != want {
		t.Errorf("parseServerSide = %+v, want %+v", got, want)
	}
	if got, _ := parseServerSide(strings.NewReader(`{"msg":"listening"}`)); got.Requests != 0 {
		t.Errorf("no access-log lines: %+v, want zero", got)
	}
	r := &report{Load: []*measurement{{ID: "chain", Title: "chain", Route: "GET /x", Max: result(1000, time.Millisecond),
		Half: result(500, time.Millisecond), HalfServer: &want}, {ID: "bare", Title: "bare", Route: "POST /y",
		Max: result(2000, time.Millisecond), Half: result(1000, time.Millisecond)}}}
	md := r.loadMarkdown()
	if !strings.Contains(md, "| 0.25 ms / 1.00 ms | 100.50 ms |") || !strings.Contains(md, "| 0.25 ms / 1.00 ms | — |") {
		t.Errorf("table lacks the server-side column:\n%s", md)
	}
}
