package dashboard

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

// Page sizes.
const (
	eventsPerPage = 50
	maxCSVRows    = 10000
)

// errQuery is the sentinel of every rejected filter.
var errQuery = errors.New("dashboard: bad filter")

// eventQuery is the parsed filter of the events page.
type eventQuery struct {
	Type     string
	Severity string
	IP       string
	From, To time.Time
	BeforeAt time.Time
	BeforeID string
}

// inputTime formats t for <input type="datetime-local"> (UTC).
func inputTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04")
}

// maxUnix is 2200-01-01T00:00:00Z. Times outside 1970..2200 are refused:
// the store keeps Unix nanoseconds, which overflow past 2262.
const maxUnix = 7258118400

// parseInputTime accepts datetime-local ("2006-01-02T15:04", optionally
// with seconds) as UTC, or RFC 3339, between 1970 and 2200.
func parseInputTime(s string) (time.Time, error) {
	var t time.Time
	var err error
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err = time.ParseInLocation(layout, s, time.UTC); err == nil {
			break
		}
	}
	if err != nil || t.Unix() < 0 || t.Unix() > maxUnix {
		return time.Time{}, fmt.Errorf("%w: time", errQuery)
	}
	return t.UTC(), nil
}

// validName accepts 1-64 of [a-z0-9_] (event types).
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// validID accepts 1-64 of [A-Za-z0-9_-] (event, key and incident ids).
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// parseEventQuery parses the events filter strictly: known parameters
// only, each at most once; type a name, severity one of the four, ip an
// address, from/to times, before a page cursor "<unix nanoseconds>~<id>".
func parseEventQuery(q url.Values) (eventQuery, error) {
	var eq eventQuery
	for k, vs := range q {
		if len(vs) != 1 {
			return eq, fmt.Errorf("%w: %q repeated", errQuery, k)
		}
		v := strings.TrimSpace(vs[0])
		if v == "" {
			continue
		}
		var err error
		switch k {
		case "type":
			if !validName(v) {
				return eq, fmt.Errorf("%w: type", errQuery)
			}
			eq.Type = v
		case "severity":
			if !secevent.Severity(v).Valid() {
				return eq, fmt.Errorf("%w: severity", errQuery)
			}
			eq.Severity = v
		case "ip":
			a, perr := netip.ParseAddr(v)
			if perr != nil || a.Zone() != "" {
				return eq, fmt.Errorf("%w: ip", errQuery)
			}
			eq.IP = a.Unmap().String()
		case "from":
			eq.From, err = parseInputTime(v)
		case "to":
			eq.To, err = parseInputTime(v)
		case "before":
			ns, id, ok := strings.Cut(v, "~")
			n, perr := strconv.ParseInt(ns, 10, 64)
			if !ok || perr != nil || n <= 0 || n > maxUnix*1e9 || !validID(id) {
				return eq, fmt.Errorf("%w: before", errQuery)
			}
			eq.BeforeAt, eq.BeforeID = time.Unix(0, n).UTC(), id
		default:
			return eq, fmt.Errorf("%w: unknown parameter %q", errQuery, k)
		}
		if err != nil {
			return eq, err
		}
	}
	if !eq.From.IsZero() && !eq.To.IsZero() && !eq.From.Before(eq.To) {
		return eq, fmt.Errorf("%w: from must be before to", errQuery)
	}
	return eq, nil
}

// filter returns the store filter for eq.
func (eq eventQuery) filter(limit int) secevent.Filter {
	f := secevent.Filter{Since: eq.From, Until: eq.To, ClientIP: eq.IP, Limit: limit,
		BeforeAt: eq.BeforeAt, BeforeID: eq.BeforeID}
	if eq.Type != "" {
		f.Types = []secevent.Type{secevent.Type(eq.Type)}
	}
	if eq.Severity != "" {
		f.Severities = []secevent.Severity{secevent.Severity(eq.Severity)}
	}
	return f
}

// values returns eq as query parameters, without the cursor.
func (eq eventQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("type", eq.Type)
	set("severity", eq.Severity)
	set("ip", eq.IP)
	set("from", inputTime(eq.From))
	set("to", inputTime(eq.To))
	return v
}

// eventRow is an event with its details flattened for display.
type eventRow struct {
	secevent.Event
	Detail string
}

// detailString renders details as sorted "k=v" pairs.
func detailString(d map[string]string) string {
	keys := slices.Sorted(maps.Keys(d))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+d[k])
	}
	return strings.Join(parts, " ")
}

type eventsData struct {
	Q          eventQuery
	Types      []string
	Severities []secevent.Severity
	Rows       []eventRow
	Next       string // URL of the next (older) page, "" at the end
	First      string // URL of the first page when paging
	CSV        string
	BadFilter  bool
}

// knownTypes lists the event types present in the log, for the filter.
func (db *Dashboard) knownTypes(r *http.Request) ([]string, error) {
	counts, err := db.d.EventLog.CountEvents(r.Context(), secevent.Filter{})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, c := range counts {
		seen[string(c.Type)] = true
	}
	return slices.Sorted(maps.Keys(seen)), nil
}

// events is the filterable, paginated event log, newest first.
func (db *Dashboard) events(w http.ResponseWriter, r *http.Request, v *viewer) error {
	eq, err := parseEventQuery(r.URL.Query())
	data := eventsData{Severities: severities}
	status := http.StatusOK
	if err != nil {
		data.BadFilter, status = true, http.StatusBadRequest
	}
	if data.Types, err = db.knownTypes(r); err != nil {
		return unavailable(err)
	}
	if !data.BadFilter {
		data.Q = eq
		evs, err := db.d.EventLog.ListEvents(r.Context(), eq.filter(eventsPerPage+1))
		if err != nil {
			return unavailable(err)
		}
		base := eq.values()
		if len(evs) > eventsPerPage {
			evs = evs[:eventsPerPage]
			last := evs[len(evs)-1]
			next := eq.values()
			next.Set("before", strconv.FormatInt(last.Time.UnixNano(), 10)+"~"+last.ID)
			data.Next = "/dashboard/events?" + next.Encode()
		}
		if eq.BeforeID != "" {
			data.First = "/dashboard/events?" + base.Encode()
		}
		data.CSV = "/dashboard/events.csv?" + base.Encode()
		db.pseudonymize(v, evs)
		for _, e := range evs {
			data.Rows = append(data.Rows, eventRow{Event: e, Detail: detailString(e.Details)})
		}
	}
	return db.render(w, r, v, status, "events", "Events", "events", data)
}

// eventsCSV exports the filtered events (at most maxCSVRows, newest first)
// as CSV that spreadsheets cannot execute (see csvSafe).
func (db *Dashboard) eventsCSV(w http.ResponseWriter, r *http.Request, v *viewer) error {
	eq, err := parseEventQuery(r.URL.Query())
	if err != nil {
		return failf(http.StatusBadRequest, "The filter is not valid.")
	}
	eq.BeforeAt, eq.BeforeID = time.Time{}, ""
	evs, err := db.d.EventLog.ListEvents(r.Context(), eq.filter(maxCSVRows))
	if err != nil {
		return unavailable(err)
	}
	db.pseudonymize(v, evs)
	var buf bytes.Buffer
	if err := writeEventsCSV(&buf, evs); err != nil {
		return err
	}
	name := "samo-events-" + db.d.Now().UTC().Format("20060102T150405Z") + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, err = w.Write(buf.Bytes())
	return err
}

// pseudonymize replaces user ids with their pseudonyms for viewers who are
// not admins, as the prediction pages and the API do for analysts.
func (db *Dashboard) pseudonymize(v *viewer, evs []secevent.Event) {
	if v.Admin() {
		return
	}
	for i := range evs {
		evs[i].UserID = db.d.Predictions.Pseudonym(evs[i].UserID)
	}
}

// csvSafe defuses formula injection: a cell that a spreadsheet would read
// as a formula (starting with = + - @, or a tab or carriage return that
// some strip first) is prefixed with a single quote.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

var csvHeader = []string{"time", "severity", "type", "client_ip", "user_id", "key_id", "route", "request_id", "id", "details"}

func writeEventsCSV(buf *bytes.Buffer, evs []secevent.Event) error {
	cw := csv.NewWriter(buf)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, e := range evs {
		row := []string{e.Time.UTC().Format(time.RFC3339Nano), string(e.Severity), string(e.Type), e.ClientIP, e.UserID,
			e.KeyID, e.Route, e.RequestID, e.ID, detailString(e.Details)}
		for i := range row {
			row[i] = csvSafe(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
