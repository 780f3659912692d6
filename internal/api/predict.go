package api

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/samo-brain/samo/internal/gateway"
	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/validate"
)

// predictRequest is the body of POST /v1/predict.
type predictRequest struct {
	Text      *string  `json:"text"`
	Threshold *float64 `json:"threshold"`
	Taxonomy  string   `json:"taxonomy"`
}

// predictionJSON is a prediction as the API shows it.
type predictionJSON struct {
	ID             string             `json:"id"`
	Text           string             `json:"text"`
	Emotions       []prediction.Score `json:"emotions"`
	PrimaryEmotion string             `json:"primary_emotion"`
	Confidence     float64            `json:"confidence"`
	Taxonomy       string             `json:"taxonomy"`
	ModelVersion   string             `json:"model_version"`
	RequestID      string             `json:"request_id"`
	Timestamp      time.Time          `json:"timestamp"`
	Flags          []string           `json:"flags,omitempty"`
	// UserID is the owner: the real id for the owner and admins, a keyed
	// pseudonym ("psn_…") for analysts.
	UserID string `json:"user_id,omitempty"`
}

func toJSON(r prediction.Record) predictionJSON {
	return predictionJSON{ID: r.ID, Text: r.Text, Emotions: r.Emotions, PrimaryEmotion: r.Primary,
		Confidence: r.Confidence, Taxonomy: r.Taxonomy, ModelVersion: r.ModelVersion, RequestID: r.RequestID,
		Timestamp: r.CreatedAt, Flags: r.Flags, UserID: r.UserID}
}

// bodyLimit is the JSON body cap for n texts: the worst case of 4 bytes per
// code point, JSON escaping (\uXXXX is 6 bytes for 1 code point) and slack.
func (a *API) bodyLimit(n int) int64 {
	return int64(n)*int64(a.Limits.Text.MaxLength)*6 + 4096
}

func (a *API) predict(w http.ResponseWriter, r *http.Request) error {
	var req predictRequest
	if err := decodeJSON(w, r, a.bodyLimit(1), &req, "text", "threshold", "taxonomy"); err != nil {
		return err
	}
	if req.Text == nil {
		return fieldProblem("text", "required", "text is required")
	}
	tax, err := a.taxonomy(req.Taxonomy)
	if err != nil {
		return err
	}
	if err := validate.Threshold(req.Threshold); err != nil {
		return fieldProblem("threshold", "out_of_range", "threshold must be a number between 0 and 1")
	}
	in, err := a.checkText(r, "text", *req.Text, a.recordNow(r))
	if err != nil {
		return err
	}
	in.Taxonomy, in.Threshold = tax, req.Threshold
	rec, err := a.Predictions.Predict(r.Context(), in)
	if err != nil {
		return predictError(err)
	}
	writeJSON(w, http.StatusOK, toJSON(rec))
	return nil
}

// checkText validates one text and runs injection detection. Every
// detection is a security event, handed to record (at once for a single
// text, aggregated per class for a batch); the policy decides reject or
// flag.
func (a *API) checkText(r *http.Request, field, text string, record func(secevent.Event)) (prediction.Input, error) {
	norm, err := validate.Text(text, a.Limits.Text)
	if err != nil {
		var fe *validate.FieldError
		if errors.As(err, &fe) {
			record(secevent.New(r.Context(), secevent.ValidationRejected, secevent.Low, a.Now(),
				map[string]string{"field": field, "code": fe.Code}))
			return prediction.Input{}, &recordedError{fieldProblem(field, fe.Code, fe.Message)}
		}
		return prediction.Input{}, problem.Internal(err)
	}
	ds := validate.Detect(norm)
	reject, class := a.Injection.Decide(ds)
	var flags []string
	for _, d := range ds {
		sev, action := secevent.Low, "flagged"
		if reject {
			sev, action = secevent.Medium, "rejected"
		}
		record(secevent.New(r.Context(), secevent.InjectionDetected, sev, a.Now(),
			map[string]string{"class": string(d.Class), "action": action, "field": field, "reason": d.Reason}))
		flags = append(flags, string(d.Class))
	}
	if reject {
		return prediction.Input{}, &problem.Error{Status: http.StatusBadRequest, Code: "injection_detected", Title: "Bad Request",
			Detail: "The text was refused: it contains " + string(class) + " that could be executed or interpreted downstream.",
			Fields: []problem.FieldError{{Field: field, Code: "injection_" + string(class), Message: "contains " + string(class) + " injection"}}}
	}
	return prediction.Input{Text: norm, Flags: dedupe(flags)}, nil
}

func (a *API) taxonomy(t string) (string, error) {
	if t == "" {
		return "goemotions", nil
	}
	if _, ok := a.Taxonomies[t]; !ok {
		return "", fieldProblem("taxonomy", "unknown_taxonomy", "taxonomy must be goemotions or ekman")
	}
	return t, nil
}

func fieldProblem(field, code, msg string) *problem.Error {
	return &problem.Error{Status: http.StatusBadRequest, Code: "invalid_request", Title: "Bad Request",
		Detail: "The request has invalid fields.", Fields: []problem.FieldError{{Field: field, Code: code, Message: msg}}}
}

// predictError maps predictor and storage failures. Gateway-mode failures
// never quote the upstream: the gateway has recorded the upstream_error
// event, the cause is only logged.
func predictError(err error) error {
	var e *problem.Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, gateway.ErrUnavailable):
		return &problem.Error{Status: http.StatusServiceUnavailable, Code: "upstream_unavailable", Title: "Service Unavailable",
			Detail:     "The model server is failing; requests are refused until it recovers. Retry later.",
			RetryAfter: gateway.RetryAfter(err), Cause: err}
	case errors.Is(err, gateway.ErrRejected):
		// The upstream refused this text (commonly 413/422: longer than its
		// token limit). The caller's request is at fault, not the upstream.
		return &problem.Error{Status: http.StatusUnprocessableEntity, Code: codeUpstreamRejected, Title: "Unprocessable Entity",
			Detail: "The model server refused this text (for example, too long for the model). Shorten or change it; retrying unchanged will fail again.",
			Cause:  err}
	case errors.Is(err, gateway.ErrBusy):
		return &problem.Error{Status: http.StatusServiceUnavailable, Code: "upstream_busy", Title: "Service Unavailable",
			Detail: "The model server is overloaded. Retry later.", RetryAfter: time.Second, Cause: err}
	case errors.Is(err, gateway.ErrTimeout):
		return &problem.Error{Status: http.StatusGatewayTimeout, Code: "upstream_timeout", Title: "Gateway Timeout",
			Detail: "The model server did not answer in time.", Cause: err}
	case errors.Is(err, gateway.ErrUpstream):
		return &problem.Error{Status: http.StatusBadGateway, Code: "upstream_error", Title: "Bad Gateway",
			Detail: "The model server could not be reached or gave an invalid answer.", Cause: err}
	case isUnavailable(err):
		return problem.Unavailable("Storage", err)
	}
	return problem.Internal(err)
}

func dedupe(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
