package api

import (
	"encoding/json"
	"net/http"

	"github.com/samo-brain/samo/internal/problem"
)

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// recordedError marks a problem whose security event its producer already
// recorded (a rejected text is a validation_rejected event), so the route
// chain does not record an invalid_parameter event for it too.
type recordedError struct{ p *problem.Error }

func (e *recordedError) Error() string { return e.p.Error() }
func (e *recordedError) Unwrap() error { return e.p }
