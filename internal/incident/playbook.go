package incident

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

// Actors of automatic timeline entries.
const (
	ActorSystem           = "system"
	ActorPlaybookCritical = "playbook:critical"
	ActorPlaybookHigh     = "playbook:high"
)

// OnEvents is a secevent.Subscriber: every high or critical event opens an
// incident, or joins the unresolved incident of the same source (client IP,
// key or user) or of the same campaign (CampaignSources: same type and
// target within CampaignWindow, from any address). A new incident runs the playbook of its severity; a joining
// event of higher severity escalates the incident and runs the playbook of
// the new severity. Failures are logged; the events stay in the store and
// were alerted independently.
func (s *Service) OnEvents(ctx context.Context, es []secevent.Event) {
	for _, e := range es {
		if e.Severity.Rank() < secevent.High.Rank() {
			continue
		}
		if err := s.handle(ctx, e); err != nil {
			s.d.Log.Error("incident handling failed", "event_id", e.ID, "type", string(e.Type), "error", err)
		}
	}
}

// Sources returns the incident sources of an event: "ip:…", "key:…" and
// "user:…" for what it names, or "type:…" when it names none.
func Sources(e secevent.Event) []string {
	var out []string
	if e.ClientIP != "" {
		out = append(out, "ip:"+e.ClientIP)
	}
	if e.KeyID != "" {
		out = append(out, "key:"+e.KeyID)
	}
	if e.UserID != "" {
		out = append(out, "user:"+e.UserID)
	}
	if len(out) == 0 {
		out = append(out, "type:"+string(e.Type))
	}
	return out
}

// CampaignWindow is the period of campaign grouping (see CampaignSources).
const CampaignWindow = 5 * time.Minute

// CampaignSources returns the campaign sources of an event at time t:
// "campaign:<type>|<target>|<window start, Unix seconds>" for the
// CampaignWindow that holds t and for the one before it, where target is
// secevent.Target (the key, else the user, else the route). An incident
// linked to one of them is joined by every event of the same type against
// the same target whatever its client address, so a campaign from many
// addresses is one incident as long as its events are less than one window
// apart (at most two); different types or targets open separate incidents.
func CampaignSources(e secevent.Event, t time.Time) []string {
	start := t.UTC().Truncate(CampaignWindow)
	prefix := "campaign:" + string(e.Type) + "|" + secevent.Target(e) + "|"
	return []string{
		prefix + strconv.FormatInt(start.Unix(), 10),
		prefix + strconv.FormatInt(start.Add(-CampaignWindow).Unix(), 10),
	}
}

func (s *Service) handle(ctx context.Context, e secevent.Event) error {
	sources := Sources(e)
	at := e.Time
	if at.IsZero() {
		at = s.d.Now()
	}
	joinOn := append(append([]string(nil), sources...), CampaignSources(e, at)...)
	cand := Incident{
		ID: newID("inc_"), Type: string(e.Type), Severity: e.Severity, Status: StatusOpen, Source: sources[0],
		CreatedAt:   s.d.Now().UTC(),
		Description: clip(fmt.Sprintf("%s event %s from %s", e.Severity, e.Type, sources[0]), 2000),
	}
	inc, created, err := s.d.Store.OpenOrJoinIncident(ctx, cand, joinOn, e.ID)
	if err != nil {
		return err
	}
	if created {
		s.addAction(ctx, inc.ID, "opened", ActorSystem, "from event "+e.ID)
		s.runPlaybook(ctx, inc, e, "opened")
		return nil
	}
	if e.Severity == secevent.Critical && inc.Severity == secevent.Critical && e.ClientIP != "" {
		// Grouping must not spare an attacker's other addresses: a critical
		// event joining a critical incident still has its address blocked.
		s.blockIP(ctx, inc, e)
	}
	if e.Severity.Rank() <= inc.Severity.Rank() {
		return nil
	}
	raised, err := s.d.Store.RaiseIncidentSeverity(ctx, inc.ID, e.Severity)
	if err != nil || !raised {
		return err
	}
	s.addAction(ctx, inc.ID, "escalated to "+string(e.Severity), ActorSystem, "by event "+e.ID)
	inc.Severity = e.Severity
	s.runPlaybook(ctx, inc, e, "escalated")
	return nil
}

// runPlaybook runs the actions of the incident's severity against the
// event's source and records each with its outcome:
//
//	critical: block the client IP, suspend the key, alert
//	high:     alert, watch the source
func (s *Service) runPlaybook(ctx context.Context, inc Incident, e secevent.Event, why string) {
	switch inc.Severity {
	case secevent.Critical:
		done := []Action{s.blockIP(ctx, inc, e), s.suspendKey(ctx, inc, e)}
		s.alert(ctx, inc, e, why, ActorPlaybookCritical, done)
	case secevent.High:
		s.alert(ctx, inc, e, why, ActorPlaybookHigh, nil)
		s.watch(ctx, inc, e)
	}
}

// sourceEvent is the event a playbook acts on for an incident opened by
// hand: it names what the incident's Source names ("ip:…", "key:…",
// "user:…"), and nothing for any other source.
func sourceEvent(inc Incident, actor string) secevent.Event {
	e := secevent.Event{Type: secevent.Type(inc.Type), Severity: inc.Severity, Time: inc.CreatedAt,
		Details: map[string]string{"opened_by": actor}}
	kind, v, _ := strings.Cut(inc.Source, ":")
	switch kind {
	case "ip":
		if ip, err := netip.ParseAddr(v); err == nil {
			e.ClientIP = ip.String()
		}
	case "key":
		e.KeyID = v
	case "user":
		e.UserID = v
	}
	return e
}

func (s *Service) blockIP(ctx context.Context, inc Incident, e secevent.Event) Action {
	ip, err := netip.ParseAddr(e.ClientIP)
	if err != nil {
		return s.addAction(ctx, inc.ID, "block_ip", ActorPlaybookCritical, "skipped: the event names no client IP")
	}
	action := fmt.Sprintf("block_ip %s for %s", ip, s.d.Config.BlockDuration)
	if s.d.Blocker == nil {
		return s.addAction(ctx, inc.ID, action, ActorPlaybookCritical, "skipped: no intrusion detector configured")
	}
	reason := clip("incident "+inc.ID+": "+inc.Type, 200)
	if err := s.d.Blocker.Block(ctx, ip, s.d.Config.BlockDuration, reason, ActorPlaybookCritical); err != nil {
		return s.addAction(ctx, inc.ID, action, ActorPlaybookCritical, "failed: "+err.Error())
	}
	return s.addAction(ctx, inc.ID, action, ActorPlaybookCritical, "ok: blocked until "+s.d.Now().UTC().Add(s.d.Config.BlockDuration).Format(time.RFC3339))
}

func (s *Service) suspendKey(ctx context.Context, inc Incident, e secevent.Event) Action {
	if e.KeyID == "" {
		return s.addAction(ctx, inc.ID, "suspend_key", ActorPlaybookCritical, "skipped: the event names no API key")
	}
	action := "suspend_key " + e.KeyID
	if e.Type == secevent.KeyNewAddress && e.Details["status"] == "revoked" {
		// A revoked key cannot be suspended, and needs no containment.
		return s.addAction(ctx, inc.ID, action, ActorPlaybookCritical, "skipped: the key is already revoked")
	}
	if s.d.Suspender == nil {
		return s.addAction(ctx, inc.ID, action, ActorPlaybookCritical, "skipped: no key service configured")
	}
	if err := s.d.Suspender.Suspend(ctx, e.KeyID); err != nil {
		return s.addAction(ctx, inc.ID, action, ActorPlaybookCritical, "failed: "+err.Error())
	}
	ev := secevent.New(ctx, secevent.KeySuspended, secevent.Medium, s.d.Now(), map[string]string{"incident_id": inc.ID, "by": ActorPlaybookCritical})
	ev.KeyID, ev.UserID = e.KeyID, e.UserID
	s.d.Events.Record(ctx, ev)
	return s.addAction(ctx, inc.ID, action, ActorPlaybookCritical, "ok: key suspended")
}

// Notice is the data of an incident alert.
type Notice struct {
	Reason   string         `json:"reason"` // "opened" or "escalated"
	Incident Incident       `json:"incident"`
	Event    secevent.Event `json:"event"`
	Actions  []Action       `json:"actions,omitempty"` // playbook actions taken before the alert
}

func (s *Service) alert(ctx context.Context, inc Incident, e secevent.Event, why, actor string, before []Action) Action {
	if s.d.Alerter == nil || !s.d.Alerter.Enabled() {
		return s.addAction(ctx, inc.ID, "alert", actor, "skipped: no alert webhook configured")
	}
	key := "incident:" + inc.ID + ":" + why
	if err := s.d.Alerter.Send(ctx, AlertKind, key, Notice{Reason: why, Incident: inc, Event: e, Actions: before}); err != nil {
		return s.addAction(ctx, inc.ID, "alert", actor, "failed: "+err.Error())
	}
	return s.addAction(ctx, inc.ID, "alert", actor, "ok: queued for the webhook as "+key)
}

func (s *Service) watch(ctx context.Context, inc Incident, e secevent.Event) Action {
	until := s.d.Now().UTC().Add(s.d.Config.WatchDuration)
	const joined = "further events from this source join this incident, and a critical one escalates it to the critical playbook"
	ip, err := netip.ParseAddr(e.ClientIP)
	if s.d.Watcher == nil || err != nil {
		return s.addAction(ctx, inc.ID, "watch "+inc.Source, ActorPlaybookHigh, "recorded: "+joined)
	}
	action := fmt.Sprintf("watch %s until %s", ip, until.Format(time.RFC3339))
	if err := s.d.Watcher.Watch(ctx, ip, until, clip("incident "+inc.ID, 200)); err != nil {
		return s.addAction(ctx, inc.ID, action, ActorPlaybookHigh, "failed: "+err.Error()+"; "+joined)
	}
	return s.addAction(ctx, inc.ID, action, ActorPlaybookHigh, "ok: "+joined)
}
