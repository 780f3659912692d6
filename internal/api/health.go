package api

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/samo-brain/samo/internal/problem"
)

func (a *API) health(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": a.Version})
	return nil
}

type checkResult struct {
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// readiness lets concurrent /ready calls share one round of checks:
// probes are public and outside the rate limits, so however many arrive at
// once, the store, cache and model see one check at a time.
type readiness struct {
	mu    sync.Mutex
	round *readyRound // the round in progress, nil when none
}

type readyRound struct {
	done chan struct{} // closed when code and body are set
	code int
	body map[string]any
}

// ready checks every dependency with a short timeout; any failure makes the
// instance not ready (503) and names the failing check without internals.
// A call arriving while a round of checks runs gets that round's answer.
func (a *API) ready(w http.ResponseWriter, r *http.Request) error {
	rd := &a.lastReady
	rd.mu.Lock()
	round := rd.round
	if round == nil {
		round = &readyRound{done: make(chan struct{})}
		rd.round = round
		rd.mu.Unlock()
		// The round serves other callers too: it does not end with this request.
		round.code, round.body = a.checkReady(context.WithoutCancel(r.Context()))
		rd.mu.Lock()
		rd.round = nil
		rd.mu.Unlock()
		close(round.done)
	} else {
		rd.mu.Unlock()
		select {
		case <-round.done:
		case <-r.Context().Done():
			return r.Context().Err()
		}
	}
	writeJSON(w, round.code, round.body)
	return nil
}

func (a *API) checkReady(ctx context.Context) (int, map[string]any) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	checks := map[string]checkResult{}
	ok := true
	for _, c := range a.Ready {
		if err := c.Check(ctx); err != nil {
			ok = false
			checks[c.Name] = checkResult{Status: "unavailable", Error: c.Name + " check failed"}
			a.Log.Warn("readiness check failed", "check", c.Name, "error", err)
			continue
		}
		checks[c.Name] = checkResult{Status: "ok"}
	}
	status, code := "ready", http.StatusOK
	if !ok {
		status, code = "not_ready", http.StatusServiceUnavailable
	}
	return code, map[string]any{"status": status, "checks": checks, "version": a.Version, "model_version": a.ModelVersion}
}

func (a *API) jwks(w http.ResponseWriter, _ *http.Request) error {
	if a.JWKS == nil {
		writeJSON(w, http.StatusOK, map[string]any{"keys": []any{}})
		return nil
	}
	b, err := a.JWKS()
	if err != nil {
		return problem.Internal(err)
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(b)
	return nil
}
