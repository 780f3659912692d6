package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/fault"
	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/users"
)

type listResponse struct {
	Predictions []predictionJSON `json:"predictions"`
	NextCursor  string           `json:"next_cursor,omitempty"`
}

// listQuery is what GET /v1/predictions reads from its query string and
// POST /v1/predictions/search from its body. Limit is nil when not given.
type listQuery struct {
	Emotion string `json:"emotion"`
	Q       string `json:"q"`
	Limit   *int   `json:"limit"`
	Cursor  string `json:"cursor"`
}

// searchBodyLimit bounds the body of POST /v1/predictions/search: a word
// of at most 256 bytes, a label, a limit and a cursor fit many times over.
const searchBodyLimit = 4096

func (a *API) listPredictions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for k, vs := range q {
		switch k {
		case "emotion", "q", "limit", "cursor":
		default:
			return fieldProblem(truncate(k, 32), "unknown_parameter", "unknown query parameter (expected emotion, q, limit, cursor)")
		}
		if len(vs) > 1 { // parameter pollution: which one counts must not be guessed
			return fieldProblem(k, "repeated", "give this parameter once")
		}
	}
	lq := listQuery{Emotion: q.Get("emotion"), Q: q.Get("q"), Cursor: q.Get("cursor")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return limitProblem()
		}
		lq.Limit = &n
	}
	return a.list(w, r, lq)
}

// searchPredictions is GET /v1/predictions with the parameters in a JSON
// body, so that the search word stays out of URLs, which proxies, browsers
// and servers log.
func (a *API) searchPredictions(w http.ResponseWriter, r *http.Request) error {
	var lq listQuery
	if err := decodeJSON(w, r, searchBodyLimit, &lq, "emotion", "q", "limit", "cursor"); err != nil {
		return err
	}
	return a.list(w, r, lq)
}

// list validates lq and answers with one page of the caller's predictions.
func (a *API) list(w http.ResponseWriter, r *http.Request, lq listQuery) error {
	lp := prediction.ListParams{Emotion: lq.Emotion, Word: lq.Q, Limit: 20}
	if lp.Emotion != "" && !a.knownEmotion(lp.Emotion) {
		return fieldProblem("emotion", "unknown_emotion", "emotion must be one of the model's labels")
	}
	if len(lp.Word) > 256 {
		return fieldProblem("q", "too_long", "q must be one word")
	}
	if lq.Limit != nil {
		if *lq.Limit < 1 || *lq.Limit > 100 {
			return limitProblem()
		}
		lp.Limit = *lq.Limit
	}
	c, err := prediction.ParseCursor(lq.Cursor)
	if err != nil {
		return fieldProblem("cursor", "invalid_cursor", "cursor must be a value returned as next_cursor")
	}
	lp.Cursor = c
	recs, next, err := a.Predictions.List(r.Context(), lp)
	if err != nil {
		return storeError(err)
	}
	resp := listResponse{Predictions: make([]predictionJSON, 0, len(recs)), NextCursor: next.String()}
	for _, rec := range recs {
		resp.Predictions = append(resp.Predictions, toJSON(rec))
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func limitProblem() error {
	return fieldProblem("limit", "out_of_range", "limit must be an integer between 1 and 100")
}

func (a *API) knownEmotion(e string) bool {
	for _, labels := range a.Taxonomies {
		for _, l := range labels {
			if l == e {
				return true
			}
		}
	}
	return false
}

func (a *API) getPrediction(w http.ResponseWriter, r *http.Request) error {
	rec, err := a.Predictions.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return storeError(err)
	}
	writeJSON(w, http.StatusOK, toJSON(rec))
	return nil
}

func (a *API) deletePrediction(w http.ResponseWriter, r *http.Request) error {
	if err := a.Predictions.Delete(r.Context(), r.PathValue("id")); err != nil {
		return storeError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) eraseUser(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := a.Users.UserByID(r.Context(), id); err != nil {
		return storeError(err)
	}
	n, err := a.Predictions.EraseUser(r.Context(), id)
	if err != nil {
		return storeError(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"user_id": id, "deleted_predictions": n})
	return nil
}

// storeError maps domain and store errors onto problems.
func storeError(err error) error {
	var e *problem.Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, prediction.ErrNotFound), isNotFound(err):
		return problem.Errorf(http.StatusNotFound, "not_found", "No such resource.")
	case errors.Is(err, prediction.ErrSearchNotAllowed):
		return problem.Errorf(http.StatusForbidden, "search_not_allowed", "Word search is not available to analysts: they see no word of a text whole. Filter by emotion instead.")
	case errors.Is(err, prediction.ErrNoPrincipal):
		return problem.Errorf(http.StatusForbidden, "forbidden", "Your role does not allow this.")
	case isUnavailable(err):
		return problem.Unavailable("Storage", err)
	}
	return problem.Internal(err)
}

func isUnavailable(err error) bool { return errors.Is(err, fault.ErrUnavailable) }

func infoFrom(r *http.Request) (*reqctx.Info, bool) { return reqctx.From(r.Context()) }

func isNotFound(err error) bool {
	return errors.Is(err, users.ErrNotFound) || errors.Is(err, apikey.ErrNotFound) || errors.Is(err, fault.ErrNotFound)
}
