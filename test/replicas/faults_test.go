package replicas

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// loadStats is what a load run saw.
type loadStats struct {
	mu         sync.Mutex
	statuses   map[int]int
	details    map[string]int // 503 problem details
	unexpected []string       // anything but 200 or a 503 problem
	transport  int            // connection failures (a killed replica)
	acked      []string       // ids of predictions answered 200
}

func (s *loadStats) snapshot() (map[int]int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int]int{}
	for k, v := range s.statuses {
		out[k] = v
	}
	return out, s.transport
}

// runLoad sends predictions from workers goroutines, round-robin over
// targets, until stop is called; stop waits for the workers.
func runLoad(targets []*replica, key string, workers int) (*loadStats, func()) {
	s := &loadStats{statuses: map[int]int{}, details: map[string]int{}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				r := targets[(w+i)%len(targets)]
				resp, err := r.call(http.MethodPost, "/v1/predict", "key:"+key, fmt.Sprintf("198.51.100.%d", 100+w),
					map[string]string{"text": fmt.Sprintf("worker %d request %d: what a lovely day", w, i)})
				s.record(r, resp, err)
				if err != nil || resp.status != http.StatusOK {
					time.Sleep(20 * time.Millisecond) // do not spin on a failing server
				}
			}
		})
	}
	return s, func() { cancel(); wg.Wait() }
}

func (s *loadStats) record(r *replica, resp response, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.transport++
		return
	}
	s.statuses[resp.status]++
	switch resp.status {
	case http.StatusOK:
		var p struct{ ID string }
		if json.Unmarshal(resp.body, &p) != nil || p.ID == "" {
			s.unexpected = append(s.unexpected, r.name+": 200 without an id: "+string(resp.body))
			return
		}
		s.acked = append(s.acked, p.ID)
	case http.StatusServiceUnavailable:
		var p struct {
			Title, Detail string
			Status        int
		}
		if resp.ctype != "application/problem+json" || json.Unmarshal(resp.body, &p) != nil || p.Status != 503 || p.Detail == "" {
			s.unexpected = append(s.unexpected, fmt.Sprintf("%s: 503 that is not a problem: %q %s", r.name, resp.ctype, resp.body))
			return
		}
		s.details[p.Detail]++
	default:
		s.unexpected = append(s.unexpected, fmt.Sprintf("%s: %d %s", r.name, resp.status, resp.body))
	}
}

// check reports unexpected answers and logs the 503 reasons seen.
func (s *loadStats) check(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, u := range s.unexpected {
		if i == 10 {
			t.Errorf("... and %d more unexpected answers", len(s.unexpected)-10)
			break
		}
		t.Errorf("unexpected answer under load: %s", u)
	}
	var reasons []string
	for d, n := range s.details {
		reasons = append(reasons, fmt.Sprintf("%d × %q", n, d))
	}
	sort.Strings(reasons)
	t.Logf("statuses %v, transport errors %d, 503 reasons: %s", s.statuses, s.transport, strings.Join(reasons, "; "))
}

// readyStatus returns /ready's status and the named check's status. When
// the per-IP rate limiter in front of /ready cannot reach Redis, the answer
// is its 503 problem instead of the check list; that counts as the cache
// check being unavailable.
func readyStatus(r *replica, check string) (int, string) {
	resp, err := r.call(http.MethodGet, "/ready", "", "", nil)
	if err != nil {
		return 0, ""
	}
	var body struct {
		Checks map[string]struct{ Status string }
		Detail string
	}
	_ = json.Unmarshal(resp.body, &body)
	if check == "cache" && resp.status == http.StatusServiceUnavailable && body.Detail == "Rate limiting is unavailable; retry later." {
		return resp.status, "unavailable"
	}
	return resp.status, body.Checks[check].Status
}

// TestFaults stops Redis and restarts PostgreSQL under load, then kills a
// replica with SIGKILL during writes, on private servers.
func TestFaults(t *testing.T) {
	svc := privateServices(t)
	dbURL, redisURL := svc.database(t), svc.redisDB(t)
	env := baseEnv(dbURL, redisURL)
	env["RATE_LIMIT_REQUESTS"] = "1000000"
	env["IP_RATE_LIMIT_REQUESTS"] = "1000000"
	env["IDS_REQUESTS_PER_MINUTE"] = "60000"
	a := startReplica(t, "A", env)
	b := startReplica(t, "B", env)
	// C runs with REDIS_FAIL_OPEN=true and takes no load: during a Redis
	// outage it serves API-key requests with local rate limits.
	envC := maps.Clone(env)
	envC["REDIS_FAIL_OPEN"] = "true"
	c := startReplica(t, "C", envC)
	_, key := a.createKey(t, a.adminKey(t), "loader", "user")
	both := []*replica{a, b}

	// outage stops a server under load, checks that requests fail with 503
	// problems and /ready says why, restarts it, and checks recovery.
	outage := func(t *testing.T, stopCmd, startCmd, check string) {
		stats, stop := runLoad(both, key, 4)
		defer stop()
		eventually(t, 10*time.Second, "load flowing", func() bool { s, _ := stats.snapshot(); return s[http.StatusOK] >= 20 })
		// C has served traffic, so its block-list snapshot is fresh (a
		// replica that never read it fails closed).
		if resp := c.must(t, http.MethodGet, "/v1/predictions", "key:"+key, "198.51.100.250", nil); resp.status != http.StatusOK {
			t.Fatalf("C before the outage: %d %s", resp.status, resp.body)
		}
		svc.ctl(t, stopCmd)
		restarted := false
		defer func() {
			if !restarted { // a failed check must not leave the server down for the next subtest
				svc.ctl(t, startCmd)
			}
		}()
		eventually(t, 10*time.Second, "503s while "+check+" is down", func() bool {
			s, _ := stats.snapshot()
			return s[http.StatusServiceUnavailable] >= 10
		})
		for _, r := range both {
			eventually(t, 5*time.Second, r.name+" /ready 503 naming "+check, func() bool {
				st, cs := readyStatus(r, check)
				return st == http.StatusServiceUnavailable && cs == "unavailable"
			})
		}
		if check == "cache" {
			// Fail-open: only rate limiting falls back (to C's own
			// memory), so API-key requests are served; bearer tokens still
			// need the deny-list in Redis and fail closed.
			resp := c.must(t, http.MethodPost, "/v1/predict", "key:"+key, "198.51.100.250", map[string]string{"text": "calm and content"})
			if resp.status != http.StatusOK {
				t.Errorf("fail-open replica during the Redis outage: %d %s, want 200", resp.status, resp.body)
			}
			if st, _ := readyStatus(c, "cache"); st != http.StatusServiceUnavailable {
				t.Errorf("fail-open replica /ready = %d, want 503 (Redis is down all the same)", st)
			}
		}
		// Stay down long enough that every load client sees more failed
		// requests than its failed-authentication budget (30): an outage
		// must not be charged to the clients.
		time.Sleep(2 * time.Second)
		svc.ctl(t, startCmd)
		restarted = true
		before, _ := stats.snapshot()
		took := eventually(t, 20*time.Second, "recovery after "+check+" returns", func() bool {
			s, _ := stats.snapshot()
			r1, _ := readyStatus(a, check)
			r2, _ := readyStatus(b, check)
			return s[http.StatusOK] >= before[http.StatusOK]+20 && r1 == http.StatusOK && r2 == http.StatusOK
		})
		t.Logf("recovered %v after %s came back", took.Round(10*time.Millisecond), check)
		stop()
		stats.check(t)
		for _, r := range both {
			if !r.alive() || r.logHas("panic:") {
				t.Fatalf("replica %s died or panicked", r.name)
			}
		}
	}

	t.Run("redis stopped under load", func(t *testing.T) { outage(t, "stop-redis", "start-redis", "cache") })
	t.Run("postgres restarted under load", func(t *testing.T) { outage(t, "stop-postgres", "start-postgres", "store") })

	t.Run("kill -9 during writes loses no acknowledged prediction", func(t *testing.T) {
		stats, stop := runLoad(both, key, 6)
		eventually(t, 10*time.Second, "load flowing", func() bool { s, _ := stats.snapshot(); return s[http.StatusOK] >= 50 })
		a.kill()
		eventually(t, 10*time.Second, "writes continue on B", func() bool {
			s, tr := stats.snapshot()
			return tr > 0 && s[http.StatusOK] >= 100
		})
		stop()
		stats.check(t)
		db, err := sql.Open("pgx", dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		stats.mu.Lock()
		acked := stats.acked
		stats.mu.Unlock()
		var found int
		if err := db.QueryRow(`SELECT COUNT(*) FROM predictions WHERE id = ANY($1)`, acked).Scan(&found); err != nil {
			t.Fatal(err)
		}
		if found != len(acked) {
			t.Errorf("%d of %d acknowledged predictions are in the database after kill -9", found, len(acked))
		}
		t.Logf("%d acknowledged predictions, all %d in the database", len(acked), found)
		if !b.alive() || b.logHas("panic:") {
			t.Error("replica B died or panicked")
		}
	})
}
