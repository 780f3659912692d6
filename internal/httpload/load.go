// Package httpload is SAMO's HTTP/1.1 load generator, shared by the loadgen
// command, the benchmark runner and the soak test.
//
// It speaks HTTP/1.1 over raw keep-alive TCP connections with pre-built
// request bytes instead of going through net/http's client: on a two-core
// machine the generator shares the CPU with the server it measures, and a
// client that costs less than the cheapest server leaves the ceiling (the
// bare net/http server) measurable.
//
// Two modes:
//
//   - closed loop (Rate == 0): Conns connections each send the next request
//     as soon as the previous answer arrives — the maximum throughput;
//   - fixed rate (Rate > 0): request i is due at start + i/Rate, and its
//     latency is measured from that due time, not from when a connection
//     became free to send it. A stalled server therefore shows up as the
//     queueing delay every later request really suffered, instead of as one
//     slow sample (no coordinated omission, the wrk2 approach).
package httpload

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Request is one request to send, pre-encoded.
type Request struct {
	Method string
	Path   string
	Header map[string]string
	Body   []byte
}

// encode renders r as HTTP/1.1 bytes for host.
func (r Request) encode(host string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: samo-loadgen\r\n", r.Method, r.Path, host)
	for k, v := range r.Header {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	if len(r.Body) > 0 || r.Method == http.MethodPost || r.Method == http.MethodPut {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(r.Body))
	}
	b.WriteString("\r\n")
	b.Write(r.Body)
	return b.Bytes()
}

// Config describes one run.
type Config struct {
	Addr     string        // host:port
	Requests []Request     // sent in rotation; at least one
	Conns    int           // keep-alive connections (workers)
	Duration time.Duration // how long to send
	Rate     float64       // requests per second; 0 = closed loop
	// OnResponse, when set, sees every response status and body (called
	// from the workers concurrently). Bodies are only read into memory
	// when it is set.
	OnResponse func(status int, body []byte)
}

// Result is what a run measured.
type Result struct {
	Requests   uint64         `json:"requests"` // responses received
	Errors     uint64         `json:"errors"`   // connection errors and malformed responses
	Status     map[int]uint64 `json:"status"`
	Elapsed    time.Duration  `json:"elapsed_ns"`
	Throughput float64        `json:"throughput_rps"` // responses per second
	Rate       float64        `json:"target_rate_rps,omitempty"`
	// Expected is Rate × Duration in fixed-rate mode: fewer Requests than
	// this means the server (or the generator) could not keep the rate.
	Expected uint64  `json:"expected,omitempty"`
	Latency  Summary `json:"latency"`
	// Late counts fixed-rate requests that were sent more than 1 ms after
	// their due time (the generator or the server could not keep up).
	Late uint64 `json:"late,omitempty"`
	// Oversleep is the generator's own delay in fixed-rate mode: for the
	// requests whose connection was free before their due time, how long
	// after it the connection woke to send. The server cannot cause it
	// (its connection had answered), so it is a floor under Latency that
	// no server can go below. Zero in closed-loop mode.
	Oversleep Summary `json:"oversleep"`
	hist      Histogram
	sleep     Histogram
}

// Summary is the latency distribution in a printable form.
type Summary struct {
	Mean time.Duration `json:"mean_ns"`
	P50  time.Duration `json:"p50_ns"`
	P90  time.Duration `json:"p90_ns"`
	P99  time.Duration `json:"p99_ns"`
	P999 time.Duration `json:"p999_ns"`
	Max  time.Duration `json:"max_ns"`
}

// Histogram returns the merged latency histogram.
func (r *Result) Histogram() *Histogram { return &r.hist }

// Count5xx is the number of 5xx responses.
func (r *Result) Count5xx() uint64 {
	var n uint64
	for code, c := range r.Status {
		if code >= 500 {
			n += c
		}
	}
	return n
}

// ErrConfig reports an unusable Config.
var ErrConfig = errors.New("httpload: invalid config")

// Run sends load as cfg says until cfg.Duration passes or ctx ends.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Addr == "" || len(cfg.Requests) == 0 || cfg.Conns < 1 || cfg.Duration <= 0 || cfg.Rate < 0 {
		return nil, ErrConfig
	}
	reqs := make([][]byte, len(cfg.Requests))
	for i, r := range cfg.Requests {
		reqs[i] = r.encode(cfg.Addr)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	start := time.Now()
	end := start.Add(cfg.Duration)
	var next atomic.Uint64 // closed loop: the next request
	var interval time.Duration
	if cfg.Rate > 0 {
		interval = time.Duration(float64(time.Second) / cfg.Rate)
		if interval <= 0 {
			return nil, ErrConfig
		}
	}
	var tickets chan ticket
	if interval > 0 {
		tickets = make(chan ticket)
		go pace(ctx, start, interval, end, tickets)
	}
	ws := make([]*worker, cfg.Conns)
	var wg sync.WaitGroup
	for i := range ws {
		w := &worker{cfg: &cfg, reqs: reqs, status: map[int]uint64{}}
		ws[i] = w
		wg.Go(func() {
			defer w.close()
			if tickets == nil { // closed loop
				for ctx.Err() == nil {
					w.do(ctx, reqs[(next.Add(1)-1)%uint64(len(reqs))], time.Time{})
				}
				return
			}
			for tk := range tickets {
				due := start.Add(time.Duration(tk.n) * interval)
				late := time.Since(due)
				if tk.free {
					w.sleep.Record(late)
				}
				if late > time.Millisecond {
					w.late++
				}
				w.do(ctx, reqs[tk.n%uint64(len(reqs))], due)
			}
		})
	}
	wg.Wait()
	res := &Result{Status: map[int]uint64{}, Elapsed: time.Since(start), Rate: cfg.Rate}
	if cfg.Rate > 0 {
		res.Expected = uint64(cfg.Rate * cfg.Duration.Seconds())
	}
	if res.Elapsed > cfg.Duration {
		res.Elapsed = cfg.Duration // workers stop at the deadline; the tail is closing connections
	}
	for _, w := range ws {
		res.hist.Merge(&w.hist)
		res.sleep.Merge(&w.sleep)
		res.Errors += w.errors
		res.Late += w.late
		for c, n := range w.status {
			res.Status[c] += n
		}
	}
	res.Requests = res.hist.Count()
	res.Throughput = float64(res.Requests) / res.Elapsed.Seconds()
	res.Latency = summarize(&res.hist)
	res.Oversleep = summarize(&res.sleep)
	return res, nil
}

func summarize(h *Histogram) Summary {
	return Summary{Mean: h.Mean(), P50: h.Quantile(0.50), P90: h.Quantile(0.90), P99: h.Quantile(0.99),
		P999: h.Quantile(0.999), Max: h.Max()}
}

// worker owns one keep-alive connection.
type worker struct {
	cfg    *Config
	reqs   [][]byte
	conn   net.Conn
	br     *bufio.Reader
	hist   Histogram
	sleep  Histogram // oversleep of the timer waits (fixed rate)
	status map[int]uint64
	errors uint64
	late   uint64
	body   []byte
}

func (w *worker) close() {
	if w.conn != nil {
		_ = w.conn.Close()
		w.conn = nil
	}
}

// do sends one request and reads its response. Latency runs from due when
// set (fixed rate), else from the moment of sending.
func (w *worker) do(ctx context.Context, req []byte, due time.Time) {
	if w.conn == nil {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", w.cfg.Addr)
		if err != nil {
			if !stopping(ctx) {
				w.errors++
				time.Sleep(10 * time.Millisecond)
			}
			return
		}
		w.conn, w.br = c, bufio.NewReaderSize(c, 16<<10)
	}
	sent := time.Now()
	if due.IsZero() {
		due = sent
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = w.conn.SetDeadline(dl.Add(5 * time.Second)) // let the last answers land
	}
	if _, err := w.conn.Write(req); err != nil {
		w.fail(ctx)
		return
	}
	status, keep, err := w.readResponse()
	if err != nil {
		w.fail(ctx)
		return
	}
	w.hist.Record(time.Since(due))
	w.status[status]++
	if !keep {
		w.close()
	}
}

func (w *worker) fail(ctx context.Context) {
	if !stopping(ctx) {
		w.errors++
	}
	w.close()
}

// stopping reports whether the run is over, so that a failure is the
// deadline cutting a connection rather than an error to count.
func stopping(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}

var errMalformed = errors.New("httpload: malformed response")

// readResponse reads one HTTP/1.1 response: status line, headers, and a
// Content-Length or chunked body. It reports whether the connection stays
// open.
func (w *worker) readResponse() (status int, keep bool, err error) {
	line, err := w.br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, errMalformed
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, errMalformed
	}
	keep = line[7] == '1'
	length, chunked := -1, false
	for {
		line, err = w.br.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		if len(line) <= 2 {
			break
		}
		k, v, ok := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(":"))
		if !ok {
			return 0, false, errMalformed
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(v)); err != nil || length < 0 {
				return 0, false, errMalformed
			}
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(v, []byte("chunked"))
		case bytes.EqualFold(k, []byte("Connection")):
			if bytes.EqualFold(v, []byte("close")) {
				keep = false
			}
		}
	}
	w.body = w.body[:0]
	switch {
	case chunked:
		err = w.readChunked()
	case length >= 0:
		err = w.readBody(int64(length))
	default:
		return status, false, nil // body until close; not used by SAMO
	}
	if err != nil {
		return 0, false, err
	}
	if w.cfg.OnResponse != nil {
		w.cfg.OnResponse(status, w.body)
	}
	return status, keep, nil
}

func (w *worker) readBody(n int64) error {
	if w.cfg.OnResponse == nil {
		_, err := w.br.Discard(int(n))
		return err
	}
	buf := bytes.NewBuffer(w.body)
	_, err := io.CopyN(buf, w.br, n)
	w.body = buf.Bytes()
	return err
}

func (w *worker) readChunked() error {
	for {
		line, err := w.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 32)
		if err != nil || n < 0 {
			return errMalformed
		}
		if n == 0 {
			for { // trailers until the blank line
				line, err := w.br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(line) <= 2 {
					return nil
				}
			}
		}
		if err := w.readBody(n); err != nil {
			return err
		}
		if _, err := w.br.Discard(2); err != nil {
			return err
		}
	}
}
