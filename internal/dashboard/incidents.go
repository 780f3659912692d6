package dashboard

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/secevent"
)

// tab is one status filter of the incidents list.
type tab struct{ Name, Label string }

// incidentTabs are the status filters of the incidents list.
var incidentTabs = []tab{
	{"active", "Open and acknowledged"}, {"open", "Open"}, {"acknowledged", "Acknowledged"}, {"resolved", "Resolved"}, {"all", "All"},
}

// maxIncidentEventScan bounds the events read to show an incident's linked
// events.
const maxIncidentEventScan = 10000

type incidentsData struct {
	Available bool
	Tab       string
	Tabs      []tab
	List      []incident.Incident
}

func statusesFor(tab string) ([]incident.Status, bool) {
	switch tab {
	case "", "active":
		return []incident.Status{incident.StatusOpen, incident.StatusAcknowledged}, true
	case "open":
		return []incident.Status{incident.StatusOpen}, true
	case "acknowledged":
		return []incident.Status{incident.StatusAcknowledged}, true
	case "resolved":
		return []incident.Status{incident.StatusResolved}, true
	case "all":
		return nil, true
	}
	return nil, false
}

// incidents lists incidents by status, newest first.
func (db *Dashboard) incidents(w http.ResponseWriter, r *http.Request, v *viewer) error {
	data := incidentsData{Available: db.d.Incidents != nil, Tabs: incidentTabs, Tab: r.URL.Query().Get("status")}
	statuses, ok := statusesFor(data.Tab)
	if !ok {
		return failf(http.StatusBadRequest, "Unknown status filter.")
	}
	if data.Tab == "" {
		data.Tab = "active"
	}
	if data.Available {
		var err error
		if data.List, err = db.d.Incidents.List(r.Context(), incident.Filter{Statuses: statuses, Limit: 200}); err != nil {
			return unavailable(err)
		}
	}
	return db.render(w, r, v, http.StatusOK, "incidents", "Incidents", "incidents", data)
}

type incidentData struct {
	Inc     incident.Incident
	Events  []eventRow
	Missing int // linked events not found in the scanned range
	Open    bool
}

// incidentDetail shows one incident, its linked events and its timeline.
func (db *Dashboard) incidentDetail(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if db.d.Incidents == nil {
		return failf(http.StatusNotFound, "Incidents are not available in this build.")
	}
	id := r.PathValue("id")
	if !validID(id) {
		return failf(http.StatusNotFound, "There is no such incident.")
	}
	inc, err := db.d.Incidents.Get(r.Context(), id)
	switch {
	case errors.Is(err, incident.ErrNotFound):
		return failf(http.StatusNotFound, "There is no such incident.")
	case err != nil:
		return unavailable(err)
	}
	data := incidentData{Inc: inc, Open: inc.Status != incident.StatusResolved}
	if len(inc.EventIDs) > 0 {
		// The store has no lookup by event id: read the incident's time
		// range and keep the linked events.
		until := db.d.Now().UTC().Add(time.Minute)
		if inc.ResolvedAt != nil {
			until = inc.ResolvedAt.Add(time.Minute)
		}
		evs, err := db.d.EventLog.ListEvents(r.Context(), secevent.Filter{Since: inc.CreatedAt.Add(-time.Hour), Until: until, Limit: maxIncidentEventScan})
		if err != nil {
			return unavailable(err)
		}
		linked := make(map[string]bool, len(inc.EventIDs))
		for _, id := range inc.EventIDs {
			linked[id] = true
		}
		for _, e := range evs {
			if linked[e.ID] {
				data.Events = append(data.Events, eventRow{Event: e, Detail: detailString(e.Details)})
			}
		}
		data.Missing = len(inc.EventIDs) - len(data.Events)
	}
	return db.render(w, r, v, http.StatusOK, "incident", "Incident "+inc.ID, "incidents", data)
}

// acknowledge marks an open incident as being handled by the viewer.
func (db *Dashboard) acknowledge(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return db.changeIncident(w, r, v, nil)
}

// resolve closes an incident with the resolution typed by the admin.
func (db *Dashboard) resolve(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return db.changeIncident(w, r, v, []string{"resolution"})
}

func (db *Dashboard) changeIncident(w http.ResponseWriter, r *http.Request, v *viewer, fields []string) error {
	if db.d.Incidents == nil {
		return failf(http.StatusNotFound, "Incidents are not available in this build.")
	}
	id := r.PathValue("id")
	if !validID(id) {
		return failf(http.StatusNotFound, "There is no such incident.")
	}
	form, err := readForm(w, r, fields...)
	if err != nil {
		return badForm(err)
	}
	back := "/dashboard/incidents/" + url.PathEscape(id)
	verb := "acknowledged"
	if fields == nil {
		_, err = db.d.Incidents.Acknowledge(r.Context(), id, v.p.UserName)
	} else {
		verb = "resolved"
		res := strings.TrimSpace(strings.ReplaceAll(form.Get("resolution"), "\r\n", "\n"))
		if !cleanText(res, 2000, true) {
			return db.done(w, r, v, "error", "Write a resolution of 1-2000 characters: what was found and what was done.", back)
		}
		_, err = db.d.Incidents.Resolve(r.Context(), id, v.p.UserName, res)
	}
	switch {
	case errors.Is(err, incident.ErrNotFound):
		return failf(http.StatusNotFound, "There is no such incident.")
	case errors.Is(err, incident.ErrTransition):
		return db.done(w, r, v, "error", "The incident cannot be "+verb+" in its current status.", back)
	case errors.Is(err, incident.ErrInvalid):
		return db.done(w, r, v, "error", "The incident service refused the change (invalid field).", back)
	case err != nil:
		return unavailable(err)
	}
	return db.done(w, r, v, "ok", "Incident "+verb+".", back)
}
