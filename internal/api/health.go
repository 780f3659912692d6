package api

import (
	"context"
	"net/http"
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

// ready checks every dependency with a short timeout; any failure makes the
// instance not ready (503) and names the failing check without internals.
func (a *API) ready(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
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
	writeJSON(w, code, map[string]any{"status": status, "checks": checks, "version": a.Version, "model_version": a.ModelVersion})
	return nil
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
