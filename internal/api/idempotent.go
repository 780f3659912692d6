package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/samo-brain/samo/internal/idempotency"
	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/reqctx"
)

// Idempotency is what the API needs from idempotency.Service.
type Idempotency interface {
	Begin(ctx context.Context, scope, key string, fingerprint []byte) (*idempotency.Response, error)
	Finish(ctx context.Context, scope, key string, resp idempotency.Response) error
	Abandon(ctx context.Context, scope, key string) error
}

// idempotentLimit returns the body size read before a creating POST runs
// when it carries an Idempotency-Key, and whether the route takes one.
func (a *API) idempotentLimit(rt Route) (int64, bool) {
	if rt.Method != http.MethodPost {
		return 0, false
	}
	switch rt.Pattern {
	case "/v1/predict", "/api/predict":
		return a.bodyLimit(1), true
	case "/v1/predict/batch", "/api/predict_batch":
		return max(a.bodyLimit(a.Limits.MaxBatch), a.Limits.MaxFileSize+64<<10), true
	case "/v1/feedback", "/v1/admin/keys", "/v1/admin/keys/{id}/rotate", "/v1/admin/ip-blocks",
		"/v1/admin/incidents", "/v1/admin/incidents/{id}/actions":
		return 64 << 10, true
	}
	return 0, false
}

// idempotent runs handle under the request's Idempotency-Key: the first
// request with a key runs and its answer is stored; a retry with the same
// key, method, path and body gets that answer again (Idempotent-Replayed:
// true) without running; the same key with another request is a 422, and a
// retry while the first still runs a 409. Answers with a 5xx or 429 status
// are not kept, so the retry runs. Requests without the header run as usual.
func (a *API) idempotent(limit int64, handle func(http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		key := r.Header.Get("Idempotency-Key")
		if key == "" && len(r.Header.Values("Idempotency-Key")) == 0 {
			return handle(w, r)
		}
		if len(r.Header.Values("Idempotency-Key")) != 1 || !idempotency.ValidKey(key) {
			return &problem.Error{Status: http.StatusBadRequest, Code: "invalid_idempotency_key", Title: "Bad Request",
				Detail: "Idempotency-Key must be one header of 1 to 255 printable ASCII characters (a UUID is a good choice)."}
		}
		p, ok := reqctx.PrincipalFrom(r.Context())
		if !ok {
			return problem.Internal(errors.New("idempotent route without a principal"))
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return problem.Errorf(http.StatusRequestEntityTooLarge, "body_too_large", "The request body exceeds "+strconv.FormatInt(limit, 10)+" bytes.")
			}
			return problem.Errorf(http.StatusBadRequest, "unreadable_body", "The request body could not be read.")
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		fp := idempotency.Fingerprint(r.Method, r.URL.Path, r.Header.Get("Content-Type"), body)
		replay, err := a.Idempotency.Begin(r.Context(), p.UserID, key, fp)
		switch {
		case errors.Is(err, idempotency.ErrMismatch):
			return problem.Errorf(http.StatusUnprocessableEntity, "idempotency_key_reused",
				"This Idempotency-Key was already used with a different request; use a new key for a new request.")
		case errors.Is(err, idempotency.ErrInProgress):
			e := problem.Errorf(http.StatusConflict, "idempotency_in_progress", "A request with this Idempotency-Key is still running; retry shortly.")
			e.RetryAfter = time.Second
			return e
		case err != nil:
			return storeError(err)
		case replay != nil:
			h := w.Header()
			if replay.ContentType != "" {
				h.Set("Content-Type", replay.ContentType)
			}
			if replay.Location != "" {
				h.Set("Location", replay.Location)
			}
			h.Set("Idempotent-Replayed", "true")
			w.WriteHeader(replay.Status)
			_, _ = w.Write(replay.Body) // #nosec G705 -- replays this server's own stored JSON answer with its stored Content-Type
			return nil
		}
		cw := &captureWriter{header: w.Header()}
		if err := handle(cw, r); err != nil {
			a.noteClientError(r, err)
			problem.Write(cw, r, a.Log, err)
		}
		if cw.status == 0 {
			cw.status = http.StatusOK
		}
		// The answer must be kept or released even if the client went away.
		ctx := context.WithoutCancel(r.Context())
		if cw.status >= 500 || cw.status == http.StatusTooManyRequests {
			if err := a.Idempotency.Abandon(ctx, p.UserID, key); err != nil {
				a.Log.Error("idempotency key release failed", "error", err)
			}
		} else {
			resp := idempotency.Response{Status: cw.status, ContentType: cw.header.Get("Content-Type"),
				Location: cw.header.Get("Location"), Body: cw.body.Bytes()}
			if err := a.Idempotency.Finish(ctx, p.UserID, key, resp); err != nil {
				// The work is done: answer it, and say the key will not replay.
				a.Log.Error("idempotency answer not stored", "error", err)
			}
		}
		w.WriteHeader(cw.status)
		_, _ = w.Write(cw.body.Bytes())
		return nil
	}
}

// captureWriter buffers an answer so it can be stored before it is sent.
// Headers go straight to the real writer's map.
type captureWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *captureWriter) Header() http.Header { return c.header }
func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}
func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}
