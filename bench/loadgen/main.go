// Command loadgen drives HTTP/1.1 load at one address over keep-alive
// connections for a fixed duration, in closed-loop or fixed-rate mode, and
// prints throughput, status counts and a latency summary (text or JSON).
// See bench/internal/load for the measurement rules.
//
//	loadgen -addr 127.0.0.1:8080 -method POST -path /v1/predict \
//	    -H 'X-API-Key: samo_...' -H 'Content-Type: application/json' \
//	    -body '{"text":"I am so happy"}' -c 32 -d 10s [-rate 2000] [-json]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/httpload"
)

// headerFlags collects repeated -H "Name: value" flags.
type headerFlags map[string]string

func (h headerFlags) String() string { return fmt.Sprint(map[string]string(h)) }

func (h headerFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, ":")
	if !ok || strings.TrimSpace(k) == "" {
		return errors.New(`want "Name: value"`)
	}
	h[strings.TrimSpace(k)] = strings.TrimSpace(val)
	return nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "server host:port")
	method := fs.String("method", http.MethodGet, "request method")
	path := fs.String("path", "/health", "request path and query")
	body := fs.String("body", "", "request body")
	bodyFile := fs.String("body-file", "", "read the request body from this file")
	conns := fs.Int("c", 32, "keep-alive connections")
	dur := fs.Duration("d", 10*time.Second, "duration")
	rate := fs.Float64("rate", 0, "fixed request rate per second (0 = closed loop, as fast as answers come)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	hdr := headerFlags{}
	fs.Var(hdr, "H", `request header "Name: value" (repeatable)`)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	b := []byte(*body)
	if *bodyFile != "" {
		var err error
		if b, err = os.ReadFile(*bodyFile); err != nil {
			fmt.Fprintln(stderr, "loadgen:", err)
			return 1
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := httpload.Run(ctx, httpload.Config{
		Addr: *addr, Conns: *conns, Duration: *dur, Rate: *rate,
		Requests: []httpload.Request{{Method: *method, Path: *path, Header: hdr, Body: b}},
	})
	if err != nil {
		fmt.Fprintln(stderr, "loadgen:", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
		return 0
	}
	printText(stdout, res)
	return 0
}

func printText(w io.Writer, r *httpload.Result) {
	mode := "closed loop"
	if r.Rate > 0 {
		mode = fmt.Sprintf("fixed rate %.0f/s (expected %d)", r.Rate, r.Expected)
	}
	fmt.Fprintf(w, "%s, %v: %d responses, %.0f req/s, %d errors", mode, r.Elapsed.Round(time.Millisecond), r.Requests, r.Throughput, r.Errors)
	if r.Late > 0 {
		fmt.Fprintf(w, ", %d sent >1ms late", r.Late)
	}
	fmt.Fprintln(w)
	codes := make([]int, 0, len(r.Status))
	for c := range r.Status {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	for _, c := range codes {
		fmt.Fprintf(w, "  status %d: %d\n", c, r.Status[c])
	}
	l := r.Latency
	fmt.Fprintf(w, "  latency mean %v p50 %v p90 %v p99 %v p99.9 %v max %v\n", l.Mean, l.P50, l.P90, l.P99, l.P999, l.Max)
	if o := r.Oversleep; r.Rate > 0 {
		// The generator's own delay, which the latency above includes.
		fmt.Fprintf(w, "  generator oversleep p50 %v p99 %v max %v\n", o.P50, o.P99, o.Max)
	}
}
