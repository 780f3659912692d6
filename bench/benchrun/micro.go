package main

import (
	"strconv"
	"strings"
)

// microResult is one line of `go test -bench -benchmem` output.
type microResult struct {
	Pkg     string
	Name    string // without the Benchmark prefix and the -GOMAXPROCS suffix
	Iters   int64
	NsOp    float64
	BOp     float64  // -1 when not reported
	Allocs  float64  // -1 when not reported
	Extra   []string // other metrics, "value unit"
	Procs   string
	RawLine string
}

// parseGoBench reads `go test -bench` output: "pkg:" lines name the package
// of the benchmark lines that follow; every "BenchmarkX-N iters value unit
// ..." line is one result. Anything else (PASS, ok, goos, logs) is skipped.
func parseGoBench(out string) []microResult {
	var res []microResult
	pkg := ""
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || len(f)%2 != 0 {
			continue // a benchmark that logged or failed mid-line
		}
		iters, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		r := microResult{Pkg: pkg, Iters: iters, NsOp: -1, BOp: -1, Allocs: -1, RawLine: line}
		r.Name = strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(r.Name, '-'); i > 0 {
			if _, err := strconv.Atoi(r.Name[i+1:]); err == nil {
				r.Name, r.Procs = r.Name[:i], r.Name[i+1:]
			}
		}
		ok := true
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				ok = false
				break
			}
			switch f[i+1] {
			case "ns/op":
				r.NsOp = v
			case "B/op":
				r.BOp = v
			case "allocs/op":
				r.Allocs = v
			default:
				r.Extra = append(r.Extra, f[i]+" "+f[i+1])
			}
		}
		if ok && r.NsOp >= 0 {
			res = append(res, r)
		}
	}
	return res
}

// shortPkg drops the module path from a package path.
func shortPkg(p string) string {
	if i := strings.Index(p, "/internal/"); i >= 0 {
		return p[i+len("/internal/"):]
	}
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
