// Command benchrun is the engine of `make bench` (scripts/bench.sh builds
// the binaries and calls it). In one run on loopback it measures
//
//  1. bench/bare: plain net/http decoding the predict JSON — the ceiling;
//  2. samo's whole security chain on a cheap authenticated route;
//  3. samo POST /v1/predict end to end;
//  4. the same on PostgreSQL/Redis when SAMO_TEST_POSTGRES_URL (and
//     SAMO_TEST_REDIS_URL) are set;
//
// each as closed-loop maximum throughput (the best of interleaved rounds)
// and then at a fixed rate of half that maximum (latency without
// coordinated omission), with the server's CPU time and peak RSS from /proc. It prints the results and rewrites the
// tables of BENCHMARKS.md between marker comments.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// options are the runner's flags.
type options struct {
	samo, bare   string
	duration     time.Duration
	warmup       time.Duration
	conns        int
	rounds       int
	serverCPUs   string
	out          string
	micro        string
	skipLoad     bool
	keepDataDirs bool
	only         string // comma-separated scenario ids ("" = all)
	grownRows    int    // predictions stored before predict-1m
	searchRows   int    // predictions of the searching user in search-100k
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("benchrun", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.samo, "samo", "bin/samo", "samo binary")
	fs.StringVar(&o.bare, "bare", "bin/bench-bare", "bare server binary")
	fs.DurationVar(&o.duration, "d", 10*time.Second, "duration of each measurement")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "closed-loop warm-up before each scenario")
	fs.IntVar(&o.conns, "c", 32, "keep-alive connections")
	fs.IntVar(&o.rounds, "rounds", 3, "interleaved closed-loop rounds per scenario (the best counts)")
	fs.StringVar(&o.serverCPUs, "server-cpus", "", `pin servers to these CPUs with taskset (e.g. "1"; run the runner on the others)`)
	fs.StringVar(&o.out, "out", "BENCHMARKS.md", `Markdown file whose tables are rewritten ("" = none)`)
	fs.StringVar(&o.micro, "micro", "", "go test -bench output to tabulate")
	fs.BoolVar(&o.skipLoad, "micro-only", false, "only tabulate -micro, no load runs")
	fs.BoolVar(&o.keepDataDirs, "keep", false, "keep the servers' temporary data directories")
	fs.StringVar(&o.only, "only", "", "run only these scenarios (comma-separated ids; bare always runs)")
	fs.IntVar(&o.grownRows, "grown-rows", grownStore, "predictions stored before the predict-1m scenario")
	fs.IntVar(&o.searchRows, "search-rows", searchedUser, "predictions of the user searching in search-100k")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.rounds < 1 || o.conns < 1 || o.duration <= 0 {
		fmt.Fprintln(stderr, "benchrun: -rounds, -c and -d must be positive")
		return 2
	}
	// The servers run in their own temporary directories.
	for _, p := range []*string{&o.samo, &o.bare} {
		if abs, err := filepath.Abs(*p); err == nil {
			*p = abs
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep := &report{Machine: describeMachine(o)}
	if o.micro != "" {
		b, err := os.ReadFile(o.micro)
		if err != nil {
			fmt.Fprintln(stderr, "benchrun:", err)
			return 1
		}
		rep.Micro = parseGoBench(string(b))
		if len(rep.Micro) == 0 {
			fmt.Fprintln(stderr, "benchrun: no benchmark lines in", o.micro)
			return 1
		}
	}
	if !o.skipLoad {
		results, err := runScenarios(ctx, o, stderr)
		rep.Load = results
		if err != nil {
			fmt.Fprintln(stderr, "benchrun:", err)
			return 1
		}
	}
	rep.printText(stdout)
	if o.out != "" {
		if err := rewriteFile(o.out, rep); err != nil {
			fmt.Fprintln(stderr, "benchrun:", err)
			return 1
		}
		fmt.Fprintln(stdout, "\nwrote", o.out)
	}
	return 0
}
