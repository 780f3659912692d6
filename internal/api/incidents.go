package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/secevent"
)

// incidentError maps the incident package's errors onto problems.
func incidentError(err error) error {
	switch {
	case errors.Is(err, incident.ErrNotFound):
		return problem.Errorf(http.StatusNotFound, "not_found", "No such incident.")
	case errors.Is(err, incident.ErrTransition):
		return &problem.Error{Status: http.StatusConflict, Code: "invalid_transition", Title: "Conflict",
			Detail: "The incident's status does not allow this (resolved incidents are final; acknowledge only open ones).", Cause: err}
	case errors.Is(err, incident.ErrInvalid):
		detail := strings.TrimPrefix(err.Error(), incident.ErrInvalid.Error()+": ")
		return &problem.Error{Status: http.StatusBadRequest, Code: "invalid_request", Title: "Bad Request", Detail: detail, Cause: err}
	}
	return storeError(err)
}

type incidentsResponse struct {
	Incidents  []incident.Incident `json:"incidents"`
	NextCursor string              `json:"next_cursor,omitempty"`
}

func (a *API) listIncidents(w http.ResponseWriter, r *http.Request) error {
	svc := a.Security.Incidents
	if svc == nil {
		return notAvailable("Incident response")
	}
	q := parseQuery(r, "status", "severity", "since", "until", "limit", "cursor")
	f := incident.Filter{Since: q.time("since"), Until: q.time("until"), Limit: q.limit(50, 500)}
	for _, s := range q.list("status", func(s string) bool { return incident.Status(s).Valid() }, "status must be open, acknowledged or resolved (comma-separated)") {
		f.Statuses = append(f.Statuses, incident.Status(s))
	}
	for _, s := range q.list("severity", validSeverity, "severity must be low, medium, high or critical (comma-separated)") {
		f.Severities = append(f.Severities, secevent.Severity(s))
	}
	f.BeforeAt, f.BeforeID = q.cursor()
	if err := q.err(); err != nil {
		return err
	}
	limit := f.Limit
	f.Limit++
	list, err := svc.List(r.Context(), f)
	if err != nil {
		return incidentError(err)
	}
	var resp incidentsResponse
	resp.Incidents, resp.NextCursor = page(list, limit, func(i incident.Incident) (time.Time, string) { return i.CreatedAt, i.ID })
	writeJSON(w, http.StatusOK, resp)
	return nil
}

type openIncidentRequest struct {
	Type        string `json:"type"`
	Severity    string `json:"severity"`
	Description string `json:"description"`
	Source      string `json:"source"`
}

func (a *API) openIncident(w http.ResponseWriter, r *http.Request) error {
	svc := a.Security.Incidents
	if svc == nil {
		return notAvailable("Incident response")
	}
	var req openIncidentRequest
	if err := decodeJSON(w, r, 8192, &req, "type", "severity", "description", "source"); err != nil {
		return err
	}
	inc, err := svc.Open(r.Context(), incident.OpenRequest{Type: req.Type, Severity: secevent.Severity(req.Severity),
		Description: req.Description, Source: req.Source}, actor(r))
	if err != nil {
		return incidentError(err)
	}
	writeJSON(w, http.StatusCreated, inc)
	return nil
}

func (a *API) getIncident(w http.ResponseWriter, r *http.Request) error {
	svc := a.Security.Incidents
	if svc == nil {
		return notAvailable("Incident response")
	}
	inc, err := svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return incidentError(err)
	}
	writeJSON(w, http.StatusOK, inc)
	return nil
}

type incidentActionRequest struct {
	Action  string `json:"action"`
	Outcome string `json:"outcome"`
}

func (a *API) addIncidentAction(w http.ResponseWriter, r *http.Request) error {
	svc := a.Security.Incidents
	if svc == nil {
		return notAvailable("Incident response")
	}
	var req incidentActionRequest
	if err := decodeJSON(w, r, 4096, &req, "action", "outcome"); err != nil {
		return err
	}
	act, err := svc.AddAction(r.Context(), r.PathValue("id"), req.Action, actor(r), req.Outcome)
	if err != nil {
		return incidentError(err)
	}
	writeJSON(w, http.StatusCreated, act)
	return nil
}

func (a *API) acknowledgeIncident(w http.ResponseWriter, r *http.Request) error {
	svc := a.Security.Incidents
	if svc == nil {
		return notAvailable("Incident response")
	}
	if r.ContentLength != 0 {
		var empty struct{}
		if err := decodeJSON(w, r, 64, &empty); err != nil {
			return err
		}
	}
	inc, err := svc.Acknowledge(r.Context(), r.PathValue("id"), actor(r))
	if err != nil {
		return incidentError(err)
	}
	writeJSON(w, http.StatusOK, inc)
	return nil
}

type resolveRequest struct {
	Resolution string `json:"resolution"`
}

func (a *API) resolveIncident(w http.ResponseWriter, r *http.Request) error {
	svc := a.Security.Incidents
	if svc == nil {
		return notAvailable("Incident response")
	}
	var req resolveRequest
	if err := decodeJSON(w, r, 4096, &req, "resolution"); err != nil {
		return err
	}
	if req.Resolution == "" {
		return fieldProblem("resolution", "required", "resolution is required: say what was found and done")
	}
	inc, err := svc.Resolve(r.Context(), r.PathValue("id"), actor(r), req.Resolution)
	if err != nil {
		return incidentError(err)
	}
	writeJSON(w, http.StatusOK, inc)
	return nil
}

func (a *API) incidentReport(w http.ResponseWriter, r *http.Request) error {
	svc := a.Security.Incidents
	if svc == nil {
		return notAvailable("Incident response")
	}
	q := parseQuery(r, "from", "to")
	from, to := a.period(q, 30*24*time.Hour)
	if err := q.err(); err != nil {
		return err
	}
	rep, err := svc.Report(r.Context(), from, to)
	if err != nil {
		return incidentError(err)
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
