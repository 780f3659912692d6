package dashboard

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/secevent"
)

// pageError is an error with the status and the message the viewer sees;
// cause is only logged.
type pageError struct {
	status int
	msg    string
	cause  error
}

func (e *pageError) Error() string {
	if e.cause != nil {
		return e.msg + ": " + e.cause.Error()
	}
	return e.msg
}

func (e *pageError) Unwrap() error { return e.cause }

func failf(status int, msg string) *pageError { return &pageError{status: status, msg: msg} }

func unavailable(cause error) *pageError {
	return &pageError{status: http.StatusServiceUnavailable, msg: "A backing service is unavailable; try again shortly.", cause: cause}
}

// layoutData is what every page template receives.
type layoutData struct {
	Title     string
	Nav       string
	User      string
	Role      string
	SignedIn  bool
	Admin     bool
	Flash     string
	FlashKind string
	RequestID string
	Data      any
}

// funcs are the template helpers. None returns template.HTML: everything
// they produce is escaped by html/template like any other value.
var funcs = template.FuncMap{
	"when":      fmtTime,
	"whenp":     fmtTimePtr,
	"sevclass":  sevClass,
	"dur":       fmtDuration,
	"pct":       func(f float64) string { return strconv.FormatFloat(f*100, 'f', 0, 64) + "%" },
	"f1":        func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
	"pathesc":   url.PathEscape,
	"join":      strings.Join,
	"inputtime": func(t time.Time) string { return inputTime(t) },
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return fmtTime(*t)
}

// fmtDuration shows d truncated for people: "3h07m", "4m05s", "20s".
func fmtDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", d/time.Hour, d%time.Hour/time.Minute)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", d/time.Minute, d%time.Minute/time.Second)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

// sevClass maps a severity to a fixed CSS class; unknown values get a
// neutral class, so stored data never chooses a class name.
func sevClass(s secevent.Severity) string {
	switch s {
	case secevent.Low, secevent.Medium, secevent.High, secevent.Critical:
		return "sev-" + string(s)
	}
	return "sev-unknown"
}

// parsePages parses every page template with the shared layout.
func parsePages(fsys fs.FS) (map[string]*template.Template, error) {
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := make(map[string]*template.Template)
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("dashboard: template %s: %w", base, err)
		}
		pages[strings.TrimSuffix(base, ".html")] = t
	}
	return pages, nil
}

// render writes page with status. The page is executed into a buffer
// first, so a template failure becomes a clean 500 rather than half a page.
func (db *Dashboard) render(w http.ResponseWriter, r *http.Request, v *viewer, status int, page, title, nav string, data any) error {
	t, ok := db.pages[page]
	if !ok {
		return fmt.Errorf("dashboard: no page %q", page)
	}
	ld := layoutData{Title: title, Nav: nav, Data: data}
	if v != nil && v.p != nil {
		ld.SignedIn, ld.User, ld.Role, ld.Admin = true, v.p.UserName, string(v.p.Role), v.Admin()
		var err error
		if ld.Flash, ld.FlashKind, err = db.sessions.takeFlash(r.Context(), v.sid); err != nil {
			db.d.Log.Error("dashboard: cannot read a notice", "error", err)
		}
	}
	if info, ok := reqctx.From(r.Context()); ok {
		ld.RequestID = info.RequestID
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, ld); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// fail renders err as an error page: a *pageError's status and message,
// otherwise a 500 whose cause is only logged.
func (db *Dashboard) fail(w http.ResponseWriter, r *http.Request, v *viewer, err error) {
	var pe *pageError
	if !errors.As(err, &pe) {
		pe = &pageError{status: http.StatusInternalServerError, msg: "Something went wrong on our side.", cause: err}
	}
	if pe.cause != nil || pe.status >= 500 {
		rid := ""
		if info, ok := reqctx.From(r.Context()); ok {
			rid = info.RequestID
		}
		db.d.Log.Error("dashboard request failed", "route", r.Pattern, "status", pe.status, "request_id", rid, "error", pe.Error())
	}
	data := struct {
		Status  int
		Message string
	}{pe.status, pe.msg}
	if rerr := db.render(w, r, v, pe.status, "error", http.StatusText(pe.status), "", data); rerr != nil {
		db.d.Log.Error("dashboard error page failed", "error", rerr)
		http.Error(w, http.StatusText(pe.status), pe.status)
	}
}

func (db *Dashboard) notFound(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return failf(http.StatusNotFound, "There is no such page.")
}
