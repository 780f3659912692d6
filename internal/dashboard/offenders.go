package dashboard

import (
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/report"
)

// window is a period the offenders page ranks over.
type window struct {
	Name string
	D    time.Duration
}

// windows are the offered ranking periods; the second is the default.
var windows = []window{{"1h", time.Hour}, {"24h", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}}

// blockDuration is a duration an admin can choose for a manual block.
type blockDuration struct {
	Value, Label string
	D            time.Duration
}

var blockDurations = []blockDuration{{"15m", "15 minutes", 15 * time.Minute}, {"1h", "1 hour", time.Hour},
	{"24h", "24 hours", 24 * time.Hour}, {"168h", "7 days", 7 * 24 * time.Hour}}

type blockRow struct {
	ids.Block
	Remaining time.Duration
}

type offendersData struct {
	Window    string
	Windows   []string
	IPs       []offender
	Keys      []offender
	Blocked   []blockRow
	Suspects  []ids.Suspect
	Threshold int
	Allowlist []string
	Durations []blockDuration
}

// offender is a ranked IP or key.
type offender struct {
	report.Offender
	Link    string
	Blocked bool
}

// offenders ranks IPs and keys by their events in a window, and lists
// blocks, suspicious clients and the allowlist.
func (db *Dashboard) offenders(w http.ResponseWriter, r *http.Request, v *viewer) error {
	win := windows[1]
	if q := r.URL.Query().Get("window"); q != "" {
		i := slices.IndexFunc(windows, func(x window) bool { return x.Name == q })
		if i < 0 {
			return failf(http.StatusBadRequest, "Unknown window; pick 1h, 24h or 7d.")
		}
		win = windows[i]
	}
	ctx := r.Context()
	now := db.d.Now().UTC()
	from := now.Add(-win.D)
	topIPs, err := db.d.Aggregates.TopEventSources(ctx, from, now.Add(time.Second), report.SourceIP, report.OffenceTypes(), 10)
	if err != nil {
		return unavailable(err)
	}
	topKeys, err := db.d.Aggregates.TopEventSources(ctx, from, now.Add(time.Second), report.SourceKey, report.OffenceTypes(), 10)
	if err != nil {
		return unavailable(err)
	}
	st, err := db.d.IDS.Status(ctx)
	if err != nil {
		return unavailable(err)
	}
	data := offendersData{Window: win.Name, Suspects: st.Suspicious, Threshold: st.Threshold, Durations: blockDurations}
	for _, x := range windows {
		data.Windows = append(data.Windows, x.Name)
	}
	blocked := map[string]bool{}
	for _, b := range st.Blocked {
		data.Blocked = append(data.Blocked, blockRow{Block: b, Remaining: b.Until.Sub(now)})
		blocked[b.IP.String()] = true
	}
	for _, o := range topIPs {
		data.IPs = append(data.IPs, offender{Offender: o, Blocked: blocked[o.Source],
			Link: "/dashboard/events?" + url.Values{"ip": {o.Source}}.Encode()})
	}
	for _, o := range topKeys {
		data.Keys = append(data.Keys, offender{Offender: o})
	}
	for _, p := range db.d.Allowlist {
		data.Allowlist = append(data.Allowlist, p.String())
	}
	return db.render(w, r, v, http.StatusOK, "offenders", "Top offenders", "offenders", data)
}

// block blocks an IP for one of the offered durations.
func (db *Dashboard) block(w http.ResponseWriter, r *http.Request, v *viewer) error {
	form, err := readForm(w, r, "ip", "duration", "reason")
	if err != nil {
		return badForm(err)
	}
	back := "/dashboard/offenders"
	ip, err := netip.ParseAddr(strings.TrimSpace(form.Get("ip")))
	if err != nil {
		return db.done(w, r, v, "error", "Not an IP address.", back)
	}
	i := slices.IndexFunc(blockDurations, func(d blockDuration) bool { return d.Value == form.Get("duration") })
	if i < 0 {
		return db.done(w, r, v, "error", "Pick one of the offered durations.", back)
	}
	reason := strings.TrimSpace(form.Get("reason"))
	if reason == "" {
		reason = "blocked from the dashboard"
	}
	if !cleanText(reason, 200, false) {
		return db.done(w, r, v, "error", "The reason must be 1-200 printable characters.", back)
	}
	err = db.d.IDS.Block(r.Context(), ip, blockDurations[i].D, reason, v.p.UserName)
	switch {
	case errors.Is(err, ids.ErrAllowlisted):
		return db.done(w, r, v, "error", ip.String()+" is on the allowlist (IP_ALLOWLIST) and cannot be blocked.", back)
	case errors.Is(err, ids.ErrInvalidBlock):
		return db.done(w, r, v, "error", "The block was refused: check the address and reason.", back)
	case err != nil:
		return unavailable(err)
	}
	return db.done(w, r, v, "ok", "Blocked "+ip.String()+" for "+blockDurations[i].Label+".", back)
}

// unblock lifts the block on an IP.
func (db *Dashboard) unblock(w http.ResponseWriter, r *http.Request, v *viewer) error {
	form, err := readForm(w, r, "ip")
	if err != nil {
		return badForm(err)
	}
	back := "/dashboard/offenders"
	ip, err := netip.ParseAddr(strings.TrimSpace(form.Get("ip")))
	if err != nil {
		return db.done(w, r, v, "error", "Not an IP address.", back)
	}
	err = db.d.IDS.Unblock(r.Context(), ip, v.p.UserName)
	switch {
	case errors.Is(err, ids.ErrNotBlocked):
		return db.done(w, r, v, "ok", ip.String()+" was not blocked.", back)
	case errors.Is(err, ids.ErrInvalidBlock):
		return db.done(w, r, v, "error", "The address could not be unblocked.", back)
	case err != nil:
		return unavailable(err)
	}
	return db.done(w, r, v, "ok", "Unblocked "+ip.String()+".", back)
}
