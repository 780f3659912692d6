package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/samo-brain/samo/internal/httpload"
)

// benchText is a typical 70-character comment, the same as the in-process
// benchmarks in internal/app.
const benchText = "I can't believe how well the interview went, I'm so happy right now!!"

var predictBody = []byte(`{"text":"` + benchText + `","taxonomy":"goemotions"}`)

// scenario is one server set-up and the request that loads it.
type scenario struct {
	ID    string // short name for tables
	Title string
	Route string
	// Conns overrides the keep-alive connections of the closed loop (0 =
	// the runner's -c).
	Conns int
	// start starts the server and returns it with the request to send.
	start func(ctx context.Context) (*server, httpload.Request, func(), error)
}

// spread returns req once per client address, with its X-Forwarded-For.
func spread(req httpload.Request) []httpload.Request {
	out := make([]httpload.Request, clientCount)
	for i := range out {
		h := make(map[string]string, len(req.Header)+1)
		for k, v := range req.Header {
			h[k] = v
		}
		h["X-Forwarded-For"] = clientIP(i)
		out[i] = req
		out[i].Header = h
	}
	return out
}

// measurement is what one scenario measured.
type measurement struct {
	ID, Title, Route string
	Max              *httpload.Result // closed loop
	Half             *httpload.Result // fixed rate at half of Max.Throughput
	HalfServer       *serverSide      // the same requests as samo's access log timed them
	CPU              time.Duration    // server CPU over every closed-loop round
	CPUElapsed       time.Duration    // wall time of those rounds
	PeakRSS          int64            // server high-water RSS at the end
	FileRSS          int64            // of the RSS at the end, pages of mapped files
	cpuRequests      uint64           // responses in those rounds
}

// CPUPerRequest is server CPU time per response in the closed-loop rounds.
func (m *measurement) CPUPerRequest() time.Duration {
	if m.cpuRequests == 0 {
		return 0
	}
	return m.CPU / time.Duration(m.cpuRequests)
}

// CPUCores is the server's average CPU use in the closed-loop rounds.
func (m *measurement) CPUCores() float64 {
	if m.CPUElapsed <= 0 {
		return 0
	}
	return m.CPU.Seconds() / m.CPUElapsed.Seconds()
}

// samoEnv is the configuration every samo scenario runs with: development
// mode, a fresh data dir, explicit random secrets, and rate limits and IDS
// thresholds far above what the load generator sends, with loopback on the
// IP allowlist. Every middleware and check still runs on every request; the
// limits just never trip, so the figures are the cost of the security
// work, not of 429s.
func samoEnv(addr, dataDir string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "SAMO_") || k == "DATABASE_URL" || k == "REDIS_URL" || strings.HasPrefix(k, "RATE_LIMIT") ||
			strings.HasPrefix(k, "IP_") || strings.HasPrefix(k, "IDS_") || strings.HasPrefix(k, "SECURITY_") || k == "LOG_LEVEL" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"SECURITY_LEVEL=development", "SAMO_ADDR="+addr, "SAMO_DATA_DIR="+dataDir, // no .env.security: cwd is a fresh dir
		"JWT_SECRET_KEY="+randomSecret(), "ENCRYPTION_KEY="+randomSecret(),
		"ENABLE_RATE_LIMITING=true", "RATE_LIMIT_REQUESTS=1000000", "RATE_LIMIT_WINDOW=3600",
		"IP_RATE_LIMIT_REQUESTS=1000000", "IP_RATE_LIMIT_WINDOW=60s",
		"IDS_REQUESTS_PER_MINUTE=60000", "TRUSTED_PROXIES=127.0.0.1/32", "IP_ALLOWLIST="+clientRange,
		"SECURITY_LOGGING_ENABLED=true", "LOG_LEVEL=info",
	)
	return append(env, extra...)
}

// Clients: the load generator plays a trusted reverse proxy (127.0.0.1 in
// TRUSTED_PROXIES) forwarding for clientCount addresses in clientRange, as
// a production deployment behind a TLS-terminating proxy sees them. One
// address sending 20,000 requests a second would be, correctly, an attack:
// IDS_REQUESTS_PER_MINUTE cannot exceed 60,000, and an allowlisted client
// is still scored and its "would have been blocked" events recorded.
const (
	clientRange = "10.77.0.0/16"
	clientCount = 1024
)

// clientIP returns the X-Forwarded-For value of client i.
func clientIP(i int) string { return fmt.Sprintf("10.77.%d.%d", i/250, 1+i%250) }

// SamoSettingsNote says how samo was configured, for the output.
const SamoSettingsNote = "samo runs in development mode on a fresh data dir, behind the load generator acting as a " +
	"trusted proxy (TRUSTED_PROXIES=127.0.0.1/32) for 1,024 client addresses in 10.77.0.0/16 (also on IP_ALLOWLIST), " +
	"with RATE_LIMIT_REQUESTS (per hour) and IP_RATE_LIMIT_REQUESTS (per minute) at the limiter's maximum, 10⁶, and IDS_REQUESTS_PER_MINUTE at its maximum, 60,000: " +
	"every middleware (request id, client address from X-Forwarded-For, access log, headers, CORS, block check, " +
	"IP and principal rate limits, IDS scoring, API-key authentication, RBAC) runs on every request, but nothing " +
	"is ever throttled or blocked. Access log on (to a file), security event log on. The bare server gets the same headers."

func randomSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// startSamo creates a user key with `samo keys create` (so the server finds
// users and creates no admin key), then starts `samo serve`.
func startSamo(ctx context.Context, o options, name, role string, extraEnv ...string) (*server, string, func(), error) {
	dir, err := os.MkdirTemp("", "samo-bench-")
	if err != nil {
		return nil, "", nil, err
	}
	cleanup := func() {
		if !o.keepDataDirs {
			_ = os.RemoveAll(dir)
		}
	}
	addr, err := freeAddr()
	if err != nil {
		cleanup()
		return nil, "", nil, err
	}
	env := samoEnv(addr, filepath.Join(dir, "data"), extraEnv...)
	// Commands other than serve refuse a database that does not exist yet.
	initCmd := exec.CommandContext(ctx, o.samo, "init") // #nosec G204 -- our binary
	initCmd.Dir, initCmd.Env = dir, env
	if out, err := initCmd.CombinedOutput(); err != nil {
		cleanup()
		return nil, "", nil, fmt.Errorf("samo init: %v: %s", err, out)
	}
	key, err := createKey(ctx, o, dir, env, "bench", role)
	if err != nil {
		cleanup()
		return nil, "", nil, err
	}
	s, err := startServer(ctx, name, addr, o.serverCPUs, dir, filepath.Join(dir, "server.log"), env, o.samo, "serve")
	if err != nil {
		cleanup()
		return nil, "", nil, err
	}
	s.dir, s.env = dir, env
	return s, key, func() { s.stop(); cleanup() }, nil
}

// createKey creates an API key for user with `samo keys create`.
func createKey(ctx context.Context, o options, dir string, env []string, user, role string) (string, error) {
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, o.samo, "keys", "create", "--user", user, "--role", role, "--name", user, "--json") // #nosec G204 -- our binary
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("samo keys create: %v: %s", err, errOut.String())
	}
	var k struct {
		Key string `json:"key"`
	}
	if err := json.Unmarshal(out.Bytes(), &k); err != nil || k.Key == "" {
		return "", fmt.Errorf("samo keys create printed no key: %s", out.String())
	}
	return k.Key, nil
}

func scenarios(o options) []scenario {
	sc := []scenario{
		{ID: "bare", Title: "bare net/http (ceiling)", Route: "POST /v1/predict",
			start: func(ctx context.Context) (*server, httpload.Request, func(), error) {
				addr, err := freeAddr()
				if err != nil {
					return nil, httpload.Request{}, nil, err
				}
				dir, err := os.MkdirTemp("", "samo-bench-bare-")
				if err != nil {
					return nil, httpload.Request{}, nil, err
				}
				s, err := startServer(ctx, "bare", addr, o.serverCPUs, dir, filepath.Join(dir, "bare.log"), os.Environ(), o.bare, "-addr", addr)
				if err != nil {
					return nil, httpload.Request{}, nil, err
				}
				return s, predictRequest(""), func() { s.stop(); _ = os.RemoveAll(dir) }, nil
			}},
		{ID: "chain", Title: "samo, security chain on a cheap route", Route: "GET /v1/predictions?limit=1",
			start: func(ctx context.Context) (*server, httpload.Request, func(), error) {
				s, key, stop, err := startSamo(ctx, o, "samo", "user")
				if err != nil {
					return nil, httpload.Request{}, nil, err
				}
				return s, httpload.Request{Method: http.MethodGet, Path: "/v1/predictions?limit=1", Header: map[string]string{"X-API-Key": key}}, stop, nil
			}},
		{ID: "predict", Title: "samo, predict end to end (SQLite)", Route: "POST /v1/predict",
			start: func(ctx context.Context) (*server, httpload.Request, func(), error) {
				s, key, stop, err := startSamo(ctx, o, "samo", "user")
				if err != nil {
					return nil, httpload.Request{}, nil, err
				}
				return s, predictRequest(key), stop, nil
			}},
	}
	sc = append(sc, growthScenarios(o)...)
	if pg := os.Getenv("SAMO_TEST_POSTGRES_URL"); pg != "" {
		title, redis := "samo, predict end to end (PostgreSQL)", os.Getenv("SAMO_TEST_REDIS_URL")
		if redis != "" {
			title = "samo, predict end to end (PostgreSQL + Redis)"
		}
		pgEnv := func(ctx context.Context) ([]string, func(), error) {
			url, drop, err := pgSchema(ctx, pg)
			if err != nil {
				return nil, nil, err
			}
			extra := []string{"DATABASE_URL=" + url}
			if redis != "" {
				extra = append(extra, "REDIS_URL="+redis)
			}
			return extra, drop, nil
		}
		sc = append(sc, scenario{ID: "predict-pg", Title: title, Route: "POST /v1/predict",
			start: func(ctx context.Context) (*server, httpload.Request, func(), error) {
				extra, drop, err := pgEnv(ctx)
				if err != nil {
					return nil, httpload.Request{}, nil, err
				}
				s, key, stop, err := startSamo(ctx, o, "samo", "user", extra...)
				if err != nil {
					drop()
					return nil, httpload.Request{}, nil, err
				}
				return s, predictRequest(key), func() { stop(); drop() }, nil
			}},
			searchScenario(o, "search-pg", "PostgreSQL", pgEnv))
	}
	return sc
}

func predictRequest(key string) httpload.Request {
	h := map[string]string{"Content-Type": "application/json"}
	if key != "" {
		h["X-API-Key"] = key
	}
	return httpload.Request{Method: http.MethodPost, Path: "/v1/predict", Header: h, Body: predictBody}
}

// pgSchema creates a throwaway schema and returns a URL whose connections
// use it, and a function that drops it.
func pgSchema(ctx context.Context, url string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", nil, fmt.Errorf("postgres: %w", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "bench_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = conn.Close(ctx)
		return "", nil, fmt.Errorf("postgres: %w", err)
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "search_path=" + schema, func() {
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		_ = conn.Close(context.Background())
	}, nil
}

// errNotOK reports responses other than 200 during a measurement: the
// figures would not be those of the success path.
var errNotOK = errors.New("responses other than 200")

func runScenarios(ctx context.Context, o options, log io.Writer) ([]*measurement, error) {
	fmt.Fprintln(log, SamoSettingsNote)
	type running struct {
		m    *measurement
		s    *server
		cfg  httpload.Config
		stop func()
	}
	var rs []*running
	defer func() {
		for _, r := range rs {
			r.stop()
		}
	}()
	// Every server runs for the whole measurement (idle ones cost nothing),
	// so the rounds below can interleave them.
	for _, sc := range scenarios(o) {
		if o.only != "" && sc.ID != "bare" && !slices.Contains(strings.Split(o.only, ","), sc.ID) {
			continue
		}
		fmt.Fprintf(log, "starting %s\n", sc.ID)
		s, req, stop, err := sc.start(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sc.ID, err)
		}
		rs = append(rs, &running{m: &measurement{ID: sc.ID, Title: sc.Title, Route: sc.Route}, s: s, stop: stop,
			cfg: httpload.Config{Addr: s.addr, Requests: spread(req), Conns: cmp.Or(sc.Conns, o.conns), Duration: o.warmup}})
	}
	out := make([]*measurement, len(rs))
	for i, r := range rs {
		out[i] = r.m
		if o.warmup > 0 {
			if _, err := httpload.Run(ctx, r.cfg); err != nil {
				return nil, err
			}
		}
	}
	// Closed loop, in interleaved rounds: on a shared machine a burst of
	// someone else's work then hurts one round of every scenario rather than
	// every round of one. The best round counts (noise only ever slows
	// down); CPU per request is over all rounds.
	var reqs = make([]uint64, len(rs))
	for round := 1; round <= o.rounds; round++ {
		for i, r := range rs {
			before, err := readProc(r.s.pid())
			if err != nil {
				return nil, err
			}
			r.cfg.Duration = o.duration
			res, err := httpload.Run(ctx, r.cfg)
			if err != nil {
				return nil, err
			}
			after, err := readProc(r.s.pid())
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(log, "round %d %-10s %8.0f req/s  p50 %-10v p99 %-10v server %.2f cores\n", round, r.m.ID, res.Throughput,
				res.Latency.P50, res.Latency.P99, (after.CPU-before.CPU).Seconds()/res.Elapsed.Seconds())
			if err := checkOK(res); err != nil {
				return out, fmt.Errorf("%s: %w (see %s)", r.m.ID, err, r.s.log)
			}
			r.m.CPU += after.CPU - before.CPU
			r.m.CPUElapsed += res.Elapsed
			reqs[i] += res.Requests
			if r.m.Max == nil || res.Throughput > r.m.Max.Throughput {
				r.m.Max = res
			}
		}
	}
	for i, r := range rs {
		r.m.cpuRequests = reqs[i]
		r.cfg.Rate = r.m.Max.Throughput / 2
		logAt := logSize(r.s.log)
		res, err := httpload.Run(ctx, r.cfg)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "half %-10s %8.0f req/s  p50 %-10v p99 %-10v max %-10v generator oversleep p99 %-10v", r.m.ID, r.cfg.Rate,
			res.Latency.P50, res.Latency.P99, res.Latency.Max, res.Oversleep.P99)
		// samo's log writer writes a line as soon as no other write is in
		// progress; a moment's wait lets the phase's last lines land.
		time.Sleep(200 * time.Millisecond)
		if ss, err := readServerSide(r.s.log, logAt); err == nil && ss.Requests > 0 {
			r.m.HalfServer = &ss
			fmt.Fprintf(log, "  server-side p50 %-10v p99 %-10v max %v", ss.P50, ss.P99, ss.Max)
		}
		fmt.Fprintln(log)
		if err := checkOK(res); err != nil {
			return out, fmt.Errorf("%s: %w (see %s)", r.m.ID, err, r.s.log)
		}
		r.m.Half = res
		end, err := readProc(r.s.pid())
		if err != nil {
			return nil, err
		}
		r.m.PeakRSS, r.m.FileRSS = end.PeakRSS, end.FileRSS
	}
	return out, nil
}

func checkOK(r *httpload.Result) error {
	if r.Errors > 0 || r.Status[200] != r.Requests || r.Requests == 0 {
		return fmt.Errorf("%w: %d responses, %v, %d connection errors", errNotOK, r.Requests, r.Status, r.Errors)
	}
	return nil
}

// machine describes where the figures come from.
type machine struct {
	CPU, Kernel, Go, Date, LoadAvg, Pinning string
	Cores                                   int
	Duration, Warmup                        time.Duration
	Conns, Rounds                           int
}

func describeMachine(o options) machine {
	m := machine{Go: runtime.Version(), Date: time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		Duration: o.duration, Warmup: o.warmup, Conns: o.conns, Rounds: o.rounds, CPU: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			k, v, _ := strings.Cut(line, ":")
			switch strings.TrimSpace(k) {
			case "model name":
				m.CPU = strings.TrimSpace(v)
			case "processor":
				m.Cores++
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	m.Pinning = "none: servers and load generator share every core"
	if o.serverCPUs != "" {
		m.Pinning = "servers on CPU " + o.serverCPUs + " (taskset), load generator on the others"
	}
	return m
}
