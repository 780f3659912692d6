package dashboard

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/reqctx"
)

// predictionsPerPage is both the table page and the distribution sample.
const predictionsPerPage = 100

type predictionsData struct {
	View    string // the analyst text view (prediction.AnalystView)
	Emotion string
	Rows    []prediction.Record
	Dist    hbars
	Next    string
	First   string
}

// predictions shows stored predictions the way analysts may see them:
// every user's, anonymized or PII-masked (ANALYST_TEXT_VIEW) under user
// pseudonyms, and the distribution of primary emotions
// over the page. Admins get the same masked view here: the dashboard never
// shows stored plaintext, which stays behind the audited API read. Text is
// rendered by html/template like any other value, so stored markup is
// shown as text and never runs.
func (db *Dashboard) predictions(w http.ResponseWriter, r *http.Request, v *viewer) error {
	q := r.URL.Query()
	lp := prediction.ListParams{Limit: predictionsPerPage}
	for k, vs := range q {
		if len(vs) != 1 {
			return failf(http.StatusBadRequest, "A filter parameter is repeated.")
		}
		switch k {
		case "emotion":
			if vs[0] != "" && !validName(vs[0]) {
				return failf(http.StatusBadRequest, "Not an emotion name.")
			}
			lp.Emotion = vs[0]
		case "after":
			ns, id, ok := strings.Cut(vs[0], "~")
			n, err := strconv.ParseInt(ns, 10, 64)
			if !ok || err != nil || n <= 0 || n > maxUnix*1e9 || !validID(id) {
				return failf(http.StatusBadRequest, "Not a page cursor.")
			}
			lp.Cursor = prediction.Cursor{At: time.Unix(0, n).UTC(), ID: id}
		default:
			return failf(http.StatusBadRequest, "Unknown filter parameter.")
		}
	}
	recs, next, err := db.d.Predictions.List(db.maskedView(r, v), lp)
	if err != nil {
		return unavailable(err)
	}
	data := predictionsData{View: string(db.d.Predictions.AnalystView()), Emotion: lp.Emotion, Rows: recs}
	base := url.Values{}
	if lp.Emotion != "" {
		base.Set("emotion", lp.Emotion)
	}
	if !next.IsZero() {
		nv := url.Values{"after": {strconv.FormatInt(next.At.UnixNano(), 10) + "~" + next.ID}}
		if lp.Emotion != "" {
			nv.Set("emotion", lp.Emotion)
		}
		data.Next = "/dashboard/predictions?" + nv.Encode()
	}
	if !lp.Cursor.IsZero() {
		data.First = "/dashboard/predictions?" + base.Encode()
	}
	counts := map[string]int{}
	for _, rec := range recs {
		counts[rec.Primary]++
	}
	rows := make([]namedCount, 0, len(counts))
	for e, n := range counts {
		rows = append(rows, namedCount{Name: e, Count: n})
	}
	slices.SortFunc(rows, func(a, b namedCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Name, b.Name))
	})
	data.Dist = barChart(rows)
	return db.render(w, r, v, http.StatusOK, "predictions", "Predictions", "predictions", data)
}

// maskedView returns the request context with the viewer's principal
// narrowed to the analyst role, so the prediction service returns every
// user's records with PII masked and records no plaintext read.
func (db *Dashboard) maskedView(r *http.Request, v *viewer) context.Context {
	p := *v.p
	if p.Role == rbac.RoleAdmin {
		p.Role = rbac.RoleAnalyst
	}
	info := &reqctx.Info{Principal: &p}
	if orig, ok := reqctx.From(r.Context()); ok {
		cp := *orig
		cp.Principal = &p
		info = &cp
	}
	return reqctx.With(r.Context(), info)
}
