package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/secevent/seceventtest"
)

// sessionAdminFunc is a SessionAdmin from a function.
type sessionAdminFunc func(ctx context.Context) (int, error)

func (f sessionAdminFunc) EndAll(ctx context.Context) (int, error) { return f(ctx) }

// TestEndAllSessionsFailsClosed: when ending every session fails part way,
// the admin gets a 503 (not a success) and the event says how far it got.
func TestEndAllSessionsFailsClosed(t *testing.T) {
	events := &seceventtest.Collector{}
	a := New(Deps{Auth: denyAll{}, Version: "test", Events: events,
		SessionAdmin: sessionAdminFunc(func(context.Context) (int, error) { return 3, errors.New("redis down") })})
	err := a.endAllSessions(httptest.NewRecorder(), httptest.NewRequest(http.MethodDelete, "/v1/admin/sessions", nil))
	var pe *problem.Error
	if !errors.As(err, &pe) || pe.Status != http.StatusServiceUnavailable {
		t.Fatalf("endAllSessions with a failing store = %v, want a 503 problem", err)
	}
	evs := events.Events()
	if len(evs) != 1 || evs[0].Type != secevent.SessionsRevoked || evs[0].Details["refresh_families"] != "3" || evs[0].Details["complete"] != "false" {
		t.Errorf("events %+v, want one sessions_revoked with 3 families, complete=false", evs)
	}
	if err := New(Deps{Auth: denyAll{}}).endAllSessions(httptest.NewRecorder(), httptest.NewRequest(http.MethodDelete, "/v1/admin/sessions", nil)); !errors.As(err, &pe) || pe.Status != http.StatusNotFound {
		t.Errorf("without SessionAdmin = %v, want 404", err)
	}
}
