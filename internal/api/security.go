package api

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/alert"
	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/report"
	"github.com/samo-brain/samo/internal/secevent"
)

// EventReader reads persisted security events (*store.Store).
type EventReader interface {
	ListEvents(ctx context.Context, f secevent.Filter) ([]secevent.Event, error)
	CountEvents(ctx context.Context, f secevent.Filter) ([]secevent.Count, error)
}

// IPBlocker lists, blocks and unblocks client addresses (*ids.Detector).
type IPBlocker interface {
	Block(ctx context.Context, ip netip.Addr, dur time.Duration, reason, by string) error
	Unblock(ctx context.Context, ip netip.Addr, by string) error
	Status(ctx context.Context) (ids.Status, error)
	// Blocks returns one page of the active blocks, soonest expiry first.
	Blocks(ctx context.Context, p ids.BlockPage) ([]ids.Block, error)
}

// AlertLister shows the webhook outbox (*alert.Outbox).
type AlertLister interface {
	Enabled() bool
	List(ctx context.Context, f alert.Filter) ([]alert.Entry, error)
	Stats(ctx context.Context) (alert.Stats, error)
}

// SecurityDeps are the dependencies of the security-operations routes
// (events, status, reports, alerts, IP blocks, incidents). A nil field
// makes its routes answer 404.
type SecurityDeps struct {
	Events    EventReader
	IDS       IPBlocker
	Allowlist []netip.Prefix // IP_ALLOWLIST, shown with the blocks
	Incidents *incident.Service
	Reports   *report.Builder
	Alerts    AlertLister
	// Shed returns how many security events were shed under overload
	// (secevent.Pipeline.Shed).
	Shed func() int64
}

// securityRoutes are the admin routes for security operations.
func (a *API) securityRoutes() []Route {
	admin := perm(rbac.Admin)
	return []Route{
		{http.MethodGet, "/v1/admin/security/status", admin, "Blocked and suspicious IPs, recent events, open incidents, keys", a.securityStatus},
		{http.MethodGet, "/v1/admin/security/events", admin, "Security events filtered by severity, type, time and IP", a.securityEvents},
		{http.MethodGet, "/v1/admin/security/report", admin, "Security report for a period (json, csv or html)", a.securityReport},
		{http.MethodGet, "/v1/admin/security/alerts", admin, "Webhook alert deliveries with attempts and last error", a.securityAlerts},
		{http.MethodGet, "/v1/admin/ip-blocks", admin, "List blocked IPs and the allowlist", a.listIPBlocks},
		{http.MethodPost, "/v1/admin/ip-blocks", admin, "Block an IP for a duration with a reason", a.blockIP},
		{http.MethodDelete, "/v1/admin/ip-blocks/{ip}", admin, "Lift the block on an IP", a.unblockIP},
		{http.MethodGet, "/v1/admin/incidents", admin, "List incidents", a.listIncidents},
		{http.MethodPost, "/v1/admin/incidents", admin, "Open an incident by hand", a.openIncident},
		{http.MethodGet, "/v1/admin/incidents/report", admin, "Incident report: counts, time to acknowledge and resolve", a.incidentReport},
		{http.MethodGet, "/v1/admin/incidents/{id}", admin, "Show an incident with its events and timeline", a.getIncident},
		{http.MethodPost, "/v1/admin/incidents/{id}/actions", admin, "Record an action taken on an incident", a.addIncidentAction},
		{http.MethodPost, "/v1/admin/incidents/{id}/acknowledge", admin, "Acknowledge an incident", a.acknowledgeIncident},
		{http.MethodPost, "/v1/admin/incidents/{id}/resolve", admin, "Resolve an incident with a resolution", a.resolveIncident},
	}
}

type eventsResponse struct {
	Events     []secevent.Event `json:"events"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

func (a *API) securityEvents(w http.ResponseWriter, r *http.Request) error {
	if a.Security.Events == nil {
		return notAvailable("The security event store")
	}
	q := parseQuery(r, "severity", "type", "since", "until", "ip", "key_id", "limit", "cursor")
	f := secevent.Filter{Since: q.time("since"), Until: q.time("until"), Limit: q.limit(100, 1000)}
	for _, s := range q.list("severity", validSeverity, "severity must be low, medium, high or critical (comma-separated)") {
		f.Severities = append(f.Severities, secevent.Severity(s))
	}
	for _, t := range q.list("type", validTypeName, "type must be event type names such as auth_failure (comma-separated)") {
		f.Types = append(f.Types, secevent.Type(t))
	}
	if s := q.get("ip"); s != "" {
		ip, err := netip.ParseAddr(s)
		if err != nil {
			q.fail("ip", "invalid_ip", "ip must be an IPv4 or IPv6 address")
		}
		f.ClientIP = ip.Unmap().WithZone("").String()
	}
	if s := q.get("key_id"); s != "" {
		if !validTypeName(strings.ToLower(s)) {
			q.fail("key_id", "invalid_value", "key_id must be a key id")
		}
		f.KeyID = s
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		q.fail("until", "out_of_range", "until must be after since")
	}
	f.BeforeAt, f.BeforeID = q.cursor()
	if err := q.err(); err != nil {
		return err
	}
	limit := f.Limit
	f.Limit++
	es, err := a.Security.Events.ListEvents(r.Context(), f)
	if err != nil {
		return storeError(err)
	}
	var resp eventsResponse
	resp.Events, resp.NextCursor = page(es, limit, func(e secevent.Event) (time.Time, string) { return e.Time, e.ID })
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// statusResponse is the security status; a section that could not be read
// is named in Unavailable and left empty.
type statusResponse struct {
	Blocked         []ids.Block               `json:"blocked"`
	Suspicious      []ids.Suspect             `json:"suspicious"`
	SuspiciousTotal int                       `json:"suspicious_total"`
	Tracked         int                       `json:"tracked"`
	Threshold       int                       `json:"block_threshold"`
	Allowlist       []string                  `json:"allowlist"`
	EventsLastHour  map[secevent.Severity]int `json:"events_last_hour"`
	OpenIncidents   openIncidents             `json:"open_incidents"`
	Keys            map[string]int            `json:"keys"`
	EventsShed      int64                     `json:"events_shed_total"`
	Alerts          *alertStatus              `json:"alerts,omitempty"`
	Unavailable     []string                  `json:"unavailable,omitempty"`
}

type openIncidents struct {
	Total      int                       `json:"total"`
	BySeverity map[secevent.Severity]int `json:"by_severity"`
	Oldest     *time.Time                `json:"oldest,omitempty"`
}

type alertStatus struct {
	Enabled bool `json:"enabled"`
	alert.Stats
}

func (a *API) securityStatus(w http.ResponseWriter, r *http.Request) error {
	if err := parseQuery(r).err(); err != nil {
		return err
	}
	ctx := r.Context()
	s := statusResponse{Blocked: []ids.Block{}, Suspicious: []ids.Suspect{}, Allowlist: []string{},
		EventsLastHour: map[secevent.Severity]int{}, Keys: map[string]int{},
		OpenIncidents: openIncidents{BySeverity: map[secevent.Severity]int{}}}
	for _, sev := range report.Severities() {
		s.EventsLastHour[sev], s.OpenIncidents.BySeverity[sev] = 0, 0
	}
	unavailable := func(section string, err error) {
		s.Unavailable = append(s.Unavailable, section)
		if a.Log != nil {
			a.Log.Error("security status section unavailable", "section", section, "error", err)
		}
	}
	for _, p := range a.Security.Allowlist {
		s.Allowlist = append(s.Allowlist, p.String())
	}
	if d := a.Security.IDS; d != nil {
		if st, err := d.Status(ctx); err != nil {
			unavailable("ip_blocks", err)
		} else {
			s.Blocked, s.Suspicious, s.SuspiciousTotal, s.Tracked, s.Threshold = nonNil(st.Blocked), nonNil(st.Suspicious), st.SuspiciousTotal, st.Tracked, st.Threshold
		}
	}
	if ev := a.Security.Events; ev != nil {
		if counts, err := ev.CountEvents(ctx, secevent.Filter{Since: a.Now().Add(-time.Hour)}); err != nil {
			unavailable("events", err)
		} else {
			for _, c := range counts {
				s.EventsLastHour[c.Severity] += c.Count
			}
		}
	}
	if inc := a.Security.Incidents; inc != nil {
		list, err := inc.List(ctx, incident.Filter{Statuses: []incident.Status{incident.StatusOpen, incident.StatusAcknowledged}, Limit: 100000})
		if err != nil {
			unavailable("incidents", err)
		}
		for _, i := range list {
			s.OpenIncidents.Total++
			s.OpenIncidents.BySeverity[i.Severity]++
			if t := i.CreatedAt; s.OpenIncidents.Oldest == nil || t.Before(*s.OpenIncidents.Oldest) {
				s.OpenIncidents.Oldest = &t
			}
		}
	}
	if a.Keys != nil {
		keys, err := a.Keys.List(ctx, "")
		if err != nil {
			unavailable("keys", err)
		}
		for _, k := range keys {
			s.Keys[string(k.Status)]++
			s.Keys["total"]++
		}
	}
	if a.Security.Shed != nil {
		s.EventsShed = a.Security.Shed()
	}
	if al := a.Security.Alerts; al != nil {
		st, err := al.Stats(ctx)
		if err != nil {
			unavailable("alerts", err)
		}
		s.Alerts = &alertStatus{Enabled: al.Enabled(), Stats: st}
	}
	writeJSON(w, http.StatusOK, s)
	return nil
}

func (a *API) securityReport(w http.ResponseWriter, r *http.Request) error {
	if a.Security.Reports == nil {
		return notAvailable("Security reporting")
	}
	q := parseQuery(r, "from", "to", "format")
	from, to := a.period(q, 24*time.Hour)
	format := q.get("format")
	if format == "" {
		format = report.FormatJSON
	}
	if report.ContentType(format) == "" {
		q.fail("format", "invalid_value", "format must be json, csv or html")
	}
	if err := q.err(); err != nil {
		return err
	}
	rep, err := a.Security.Reports.Build(r.Context(), from, to)
	if err != nil {
		return storeError(err)
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, rep, format); err != nil {
		return problem.Internal(err)
	}
	h := w.Header()
	h.Set("Content-Type", report.ContentType(format))
	switch format {
	case report.FormatCSV:
		h.Set("Content-Disposition", `attachment; filename="samo-security-report-`+from.Format("20060102T150405Z")+`-`+to.Format("20060102T150405Z")+`.csv"`)
	case report.FormatHTML:
		h.Set("Content-Security-Policy", report.ContentSecurityPolicy())
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}

func (a *API) securityAlerts(w http.ResponseWriter, r *http.Request) error {
	if a.Security.Alerts == nil {
		return notAvailable("Alerting")
	}
	q := parseQuery(r, "state", "limit", "cursor")
	f := alert.Filter{State: q.get("state"), Limit: q.limit(100, 1000)}
	switch f.State {
	case "", "pending", "delivered", "dead":
	default:
		q.fail("state", "invalid_value", "state must be pending, delivered or dead")
	}
	f.BeforeAt, f.BeforeID = q.cursor()
	if err := q.err(); err != nil {
		return err
	}
	limit := f.Limit
	f.Limit++
	list, err := a.Security.Alerts.List(r.Context(), f)
	if err != nil {
		return storeError(err)
	}
	st, err := a.Security.Alerts.Stats(r.Context())
	if err != nil {
		return storeError(err)
	}
	list, next := page(list, limit, func(e alert.Entry) (time.Time, string) { return e.CreatedAt, e.ID })
	resp := map[string]any{"enabled": a.Security.Alerts.Enabled(), "stats": st, "alerts": list}
	if next != "" {
		resp["next_cursor"] = next
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// listIPBlocks pages the active blocks, soonest expiry first; the
// allowlist (IP_ALLOWLIST, short and fixed) comes whole with every page.
func (a *API) listIPBlocks(w http.ResponseWriter, r *http.Request) error {
	if a.Security.IDS == nil {
		return notAvailable("Intrusion detection")
	}
	q := parseQuery(r, "limit", "cursor")
	p := ids.BlockPage{Limit: q.limit(100, 1000)}
	if p.AfterUntil, p.AfterIP = q.cursor(); p.AfterIP != "" {
		if _, err := netip.ParseAddr(p.AfterIP); err != nil {
			q.fail("cursor", "invalid_cursor", "cursor must be a value returned as next_cursor")
		}
	}
	if err := q.err(); err != nil {
		return err
	}
	limit := p.Limit
	p.Limit++
	blocks, err := a.Security.IDS.Blocks(r.Context(), p)
	if err != nil {
		return problem.Unavailable("The block list", err)
	}
	blocks, next := page(blocks, limit, func(b ids.Block) (time.Time, string) { return b.Until, b.IP.String() })
	allow := []string{}
	for _, prefix := range a.Security.Allowlist {
		allow = append(allow, prefix.String())
	}
	resp := map[string]any{"blocks": blocks, "allowlist": allow}
	if next != "" {
		resp["next_cursor"] = next
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

type blockRequest struct {
	IP       string `json:"ip"`
	Duration string `json:"duration"`
	Reason   string `json:"reason"`
}

// maxManualBlock mirrors ids.DefaultConfig().MaxBlock.
const maxManualBlock = 365 * 24 * time.Hour

func (a *API) blockIP(w http.ResponseWriter, r *http.Request) error {
	if a.Security.IDS == nil {
		return notAvailable("Intrusion detection")
	}
	var req blockRequest
	if err := decodeJSON(w, r, 2048, &req, "ip", "duration", "reason"); err != nil {
		return err
	}
	var fields []problem.FieldError
	ip, err := netip.ParseAddr(req.IP)
	if err != nil {
		fields = append(fields, problem.FieldError{Field: "ip", Code: "invalid_ip", Message: "ip must be an IPv4 or IPv6 address"})
	}
	dur, err := time.ParseDuration(req.Duration)
	if err != nil || dur < time.Second || dur > maxManualBlock {
		fields = append(fields, problem.FieldError{Field: "duration", Code: "out_of_range", Message: "duration must be a duration such as 30m or 24h, from 1s to 8760h"})
	}
	if !printable(req.Reason, 200) {
		fields = append(fields, problem.FieldError{Field: "reason", Code: "invalid_value", Message: "reason must be 1-200 printable characters"})
	}
	if len(fields) > 0 {
		return &problem.Error{Status: http.StatusBadRequest, Code: "invalid_request", Title: "Bad Request", Detail: "The request has invalid fields.", Fields: fields}
	}
	by := actor(r)
	switch err := a.Security.IDS.Block(r.Context(), ip, dur, req.Reason, by); {
	case errors.Is(err, ids.ErrAllowlisted):
		return problem.Errorf(http.StatusConflict, "allowlisted", "This address is on the allowlist (IP_ALLOWLIST) and cannot be blocked.")
	case errors.Is(err, ids.ErrInvalidBlock):
		return &problem.Error{Status: http.StatusBadRequest, Code: "invalid_block", Title: "Bad Request", Detail: "The block was refused: check the address, duration and reason.", Cause: err}
	case err != nil:
		return problem.Unavailable("The block list", err)
	}
	ip = ids.Normalize(ip)
	writeJSON(w, http.StatusCreated, map[string]any{"ip": ip.String(), "until": a.Now().UTC().Add(dur), "reason": req.Reason, "by": by})
	return nil
}

func (a *API) unblockIP(w http.ResponseWriter, r *http.Request) error {
	if a.Security.IDS == nil {
		return notAvailable("Intrusion detection")
	}
	ip, err := netip.ParseAddr(r.PathValue("ip"))
	if err != nil {
		return fieldProblem("ip", "invalid_ip", "the path must end with an IPv4 or IPv6 address")
	}
	switch err := a.Security.IDS.Unblock(r.Context(), ip, actor(r)); {
	case errors.Is(err, ids.ErrNotBlocked):
		return problem.Errorf(http.StatusNotFound, "not_blocked", "This address is not blocked.")
	case errors.Is(err, ids.ErrInvalidBlock):
		return fieldProblem("ip", "invalid_ip", "the address cannot be unblocked")
	case err != nil:
		return problem.Unavailable("The block list", err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
