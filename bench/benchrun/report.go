package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"
)

// report is everything one run produced.
type report struct {
	Machine machine
	Load    []*measurement
	Micro   []microResult
}

// The targets of issue 14 (DESIGN.md §8 asked for 85 % for the chain).
const (
	targetChainRatio     = 0.60
	targetPredictRatio   = 0.40
	targetPredictPGRatio = 0.20
	targetBatchTexts     = 50_000 // texts per second through POST /v1/predict/batch
	targetGrowthRatio    = 0.80   // predict with 1,000,000 stored vs an empty store
	targetP99            = 5 * time.Millisecond
	targetSearchP99      = 50 * time.Millisecond
	targetRSS            = 150 << 20
)

// Marker comments delimiting the generated parts of BENCHMARKS.md; the
// text around them is written by hand and kept.
const (
	loadBegin  = "<!-- bench:load:begin -->"
	loadEnd    = "<!-- bench:load:end -->"
	microBegin = "<!-- bench:micro:begin -->"
	microEnd   = "<!-- bench:micro:end -->"
)

func (r *report) find(id string) *measurement {
	for _, m := range r.Load {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// ratio is m's closed-loop throughput over bare's (0 when unknown).
func (r *report) ratio(m *measurement) float64 {
	b := r.find("bare")
	if b == nil || m == nil || b.Max == nil || m.Max == nil || b.Max.Throughput == 0 {
		return 0
	}
	return m.Max.Throughput / b.Max.Throughput
}

// cpuRatio is bare's server CPU per request over m's: the throughput ratio
// the two would have if each were limited only by its own CPU. It does not
// move with other load on the machine as much as throughput does.
func (r *report) cpuRatio(m *measurement) float64 {
	b := r.find("bare")
	if b == nil || m == nil || m.CPUPerRequest() == 0 {
		return 0
	}
	return float64(b.CPUPerRequest()) / float64(m.CPUPerRequest())
}

// target is one line of the targets table.
type target struct {
	What, Measured string
	Met            bool
}

func (r *report) targets() []target {
	var ts []target
	ratioTarget := func(id, what string, min float64) {
		if m := r.find(id); m != nil && r.find("bare") != nil {
			x := r.ratio(m)
			ts = append(ts, target{what, pct(x) + " of bare; by CPU per request " + pct(r.cpuRatio(m)), x >= min})
		}
	}
	ratioTarget("chain-mem", "security chain ≥ 60 % of bare throughput (storage-free route)", targetChainRatio)
	ratioTarget("chain", "security chain ≥ 60 % of bare throughput (GET /v1/predictions, one SQLite read)", targetChainRatio)
	ratioTarget("predict", "predict on SQLite ≥ 40 % of bare throughput", targetPredictRatio)
	ratioTarget("predict-pg", "predict on PostgreSQL + Redis ≥ 20 % of bare throughput", targetPredictPGRatio)
	if b := r.find("batch"); b != nil && b.Max != nil {
		texts := b.Max.Throughput * fillBatch
		ts = append(ts, target{"POST /v1/predict/batch (100 texts) ≥ 50,000 texts/s", fmt.Sprintf("%.0f texts/s", texts), texts >= targetBatchTexts})
	}
	if g, p := r.find("predict-1m"), r.find("predict"); g != nil && p != nil && g.Max != nil && p.Max != nil && p.Max.Throughput > 0 {
		x := g.Max.Throughput / p.Max.Throughput
		ts = append(ts, target{"predict with 1,000,000 stored within 20 % of an empty store",
			fmt.Sprintf("%s (%.0f vs %.0f req/s)", pct(x), g.Max.Throughput, p.Max.Throughput), x >= targetGrowthRatio})
	}
	for _, m := range r.Load {
		if m.ID == "bare" {
			continue
		}
		if m.Half != nil {
			limit, what := targetP99, "p99 < 5 ms at half the maximum rate: "
			if m.ID == "search-100k" || m.ID == "search-pg" {
				limit, what = targetSearchP99, "word search p99 < 50 ms (user with 100,000 predictions), at half the maximum rate: "
			}
			ts = append(ts, target{what + m.ID, halfP99(m), m.Half.Latency.P99 < limit})
		}
		if m.PeakRSS > 0 {
			ts = append(ts, target{"RSS < 150 MB under load: " + m.ID, peakRSS(m) + " peak", m.PeakRSS < targetRSS})
		}
	}
	return ts
}

// halfP99 is the half-rate p99 as the client measured it, with what
// separates the server's part from the rest: samo's own p99 for the same
// requests (its access log) and the generator's own oversleep p99, the
// delay no server can remove.
func halfP99(m *measurement) string {
	s := fmt.Sprintf("%s at %.0f req/s", ms(m.Half.Latency.P99), m.Half.Rate)
	var parts []string
	if m.HalfServer != nil {
		parts = append(parts, "server-side "+ms(m.HalfServer.P99))
	}
	if m.Half.Oversleep.P99 > 0 {
		parts = append(parts, "generator oversleep "+ms(m.Half.Oversleep.P99))
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

func pct(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) + " %" }
func mib(b int64) string   { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB" }

// peakRSS is the peak RSS with the mapped-file part of the RSS at the end
// (the binary, and the database pages the read connections mapped).
func peakRSS(x *measurement) string {
	return mib(x.PeakRSS) + " (files " + strconv.FormatFloat(float64(x.FileRSS)/(1<<20), 'f', 1, 64) + ")"
}
func ms(d time.Duration) string   { return strconv.FormatFloat(d.Seconds()*1000, 'f', 2, 64) + " ms" }
func usec(d time.Duration) string { return strconv.FormatFloat(d.Seconds()*1e6, 'f', 1, 64) + " µs" }
func yes(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}

func (r *report) printText(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "\n%s — %s, %d cores, Linux %s, %s, load average %s\n", m.Date, m.CPU, m.Cores, m.Kernel, m.Go, m.LoadAvg)
	if len(r.Load) > 0 {
		fmt.Fprintf(w, "pinning: %s; %d connections, best of %d rounds of %v\n\n", m.Pinning, m.Conns, m.Rounds, m.Duration)
		fmt.Fprintf(w, "%-11s %-30s %10s %7s %17s %9s %17s %10s %6s %10s\n", "scenario", "route", "req/s", "×bare",
			"p50/p99 max", "half r/s", "p50/p99 half", "CPU/req", "cores", "peak RSS (files)")
		for _, x := range r.Load {
			fmt.Fprintf(w, "%-11s %-30s %10.0f %7s %17s %9s %17s %10s %6.2f %10s\n", x.ID, x.Route, x.Max.Throughput, pct(r.ratio(x)),
				ms(x.Max.Latency.P50)+"/"+ms(x.Max.Latency.P99), halfRate(x), halfLat(x), usec(x.CPUPerRequest()), x.CPUCores(), peakRSS(x))
		}
		fmt.Fprintln(w)
		for _, t := range r.targets() {
			fmt.Fprintf(w, "  %-4s %s: %s\n", strings.Trim(yes(t.Met), "*"), t.What, t.Measured)
		}
	}
	if len(r.Micro) > 0 {
		fmt.Fprintf(w, "\n%d micro-benchmarks tabulated\n", len(r.Micro))
	}
}

func halfRate(x *measurement) string {
	if x.Half == nil {
		return "-"
	}
	return strconv.FormatFloat(x.Half.Rate, 'f', 0, 64)
}

// halfServer is the p99 samo's access log gives for the half-rate phase
// (serverSide); the bare server keeps no access log.
func halfServer(x *measurement) string {
	if x.HalfServer == nil {
		return "—"
	}
	return ms(x.HalfServer.P99)
}

func halfLat(x *measurement) string {
	if x.Half == nil {
		return "-"
	}
	return ms(x.Half.Latency.P50) + "/" + ms(x.Half.Latency.P99)
}

// loadMarkdown renders the load tables (without markers).
func (r *report) loadMarkdown() string {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "_Generated by `make bench` on %s._\n\n", m.Date)
	fmt.Fprintf(&b, "Machine: %s, %d cores, Linux %s, %s; load average at start %s (the machine is shared, so absolute figures move between runs; the ratios come from one run). ",
		m.CPU, m.Cores, m.Kernel, m.Go, m.LoadAvg)
	fmt.Fprintf(&b, "Pinning: %s. Each scenario has its own fresh server; after a %v closed-loop warm-up each, the scenarios take turns in %d rounds of %v closed loop on %d keep-alive connections (maximum throughput: the best round; CPU per request: all rounds), then each runs %v at a fixed rate of half its maximum (latency measured from each request's due time, so queueing counts).\n\n",
		m.Pinning, m.Warmup, m.Rounds, m.Duration, m.Conns, m.Duration)
	b.WriteString("| # | Scenario | Route | Max req/s | × bare | p50 / p99 at max | Half rate req/s | p50 / p99 at half rate | p99 at half rate, server-side | Server CPU / request | Server cores used | Peak RSS (mapped files at end) |\n")
	b.WriteString("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for i, x := range r.Load {
		fmt.Fprintf(&b, "| %d | %s | `%s` | %.0f | %s | %s / %s | %s | %s | %s | %s | %.2f | %s |\n", i+1, x.Title, x.Route,
			x.Max.Throughput, pct(r.ratio(x)), ms(x.Max.Latency.P50), ms(x.Max.Latency.P99), halfRate(x),
			strings.Replace(halfLat(x), "/", " / ", 1), halfServer(x), usec(x.CPUPerRequest()), x.CPUCores(), peakRSS(x))
	}
	if ts := r.targets(); len(ts) > 0 {
		b.WriteString("\n| Target | Measured | Met |\n|---|---|---|\n")
		for _, t := range ts {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", t.What, t.Measured, yes(t.Met))
		}
	}
	fmt.Fprintf(&b, "\nSettings: %s\n", SamoSettingsNote)
	return b.String()
}

// microMarkdown renders the micro-benchmark table (without markers).
func (r *report) microMarkdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "_`go test -run '^$' -bench . -benchmem`, %s, %s, %s._\n\n", r.Machine.Date, r.Machine.CPU, r.Machine.Go)
	b.WriteString("| Package | Benchmark | ns/op | B/op | allocs/op | Other |\n|---|---|---:|---:|---:|---|\n")
	for _, x := range r.Micro {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", shortPkg(x.Pkg), x.Name, num(x.NsOp), num(x.BOp), num(x.Allocs),
			strings.Join(x.Extra, ", "))
	}
	return b.String()
}

func num(v float64) string {
	if v < 0 {
		return "-"
	}
	if v >= 100 || v == float64(int64(v)) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// skeleton is BENCHMARKS.md when it does not exist yet.
const skeleton = "# SAMO benchmarks\n\n## Load (`make bench`)\n\n" + loadBegin + "\n" + loadEnd +
	"\n\n## Micro-benchmarks\n\n" + microBegin + "\n" + microEnd + "\n"

// rewriteFile replaces the generated blocks of path with this report's,
// keeping everything else. A block the report has no data for is left as
// it was.
func rewriteFile(path string, r *report) error {
	b, err := os.ReadFile(path) // #nosec G304 -- the operator names the output file
	if errors.Is(err, fs.ErrNotExist) {
		b, err = []byte(skeleton), nil
	}
	if err != nil {
		return err
	}
	doc := string(b)
	if len(r.Load) > 0 {
		if doc, err = replaceBlock(doc, loadBegin, loadEnd, r.loadMarkdown()); err != nil {
			return err
		}
	}
	if len(r.Micro) > 0 {
		if doc, err = replaceBlock(doc, microBegin, microEnd, r.microMarkdown()); err != nil {
			return err
		}
	}
	return os.WriteFile(path, []byte(doc), 0o644) // #nosec G306 G703 -- the operator names the documentation file it wants rewritten
}

// errMarkers reports a document whose markers are missing or out of order.
var errMarkers = errors.New("benchrun: BENCHMARKS.md markers missing or out of order")

// replaceBlock replaces the text between begin and end (exclusive) with body.
func replaceBlock(doc, begin, end, body string) (string, error) {
	i := strings.Index(doc, begin)
	j := strings.Index(doc, end)
	if i < 0 || j < i {
		return doc, fmt.Errorf("%w: %s … %s", errMarkers, begin, end)
	}
	return doc[:i+len(begin)] + "\n" + body + doc[j:], nil
}
