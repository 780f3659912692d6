package api

import (
	"errors"
	"net/http"

	"github.com/samo-brain/samo/internal/prediction"
)

func (a *API) metrics(w http.ResponseWriter, r *http.Request) error {
	if a.Metrics == nil {
		writeJSON(w, http.StatusOK, map[string]any{})
		return nil
	}
	v, err := a.Metrics.Summary(r.Context())
	if err != nil {
		return storeError(err)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

type feedbackRequest struct {
	PredictionID string   `json:"prediction_id"`
	Labels       []string `json:"labels"`
}

// feedback records the true labels of a stored prediction; the metrics
// summary turns them into live per-emotion precision and recall.
func (a *API) feedback(w http.ResponseWriter, r *http.Request) error {
	var req feedbackRequest
	if err := decodeJSON(w, r, 4096, &req, "prediction_id", "labels"); err != nil {
		return err
	}
	if req.PredictionID == "" {
		return fieldProblem("prediction_id", "required", "prediction_id is required")
	}
	if len(req.Labels) == 0 || len(req.Labels) > 28 {
		return fieldProblem("labels", "invalid", "labels must list 1 to 28 emotions")
	}
	if err := a.Predictions.Feedback(r.Context(), req.PredictionID, req.Labels); err != nil {
		if errors.Is(err, prediction.ErrUnknownLabel) {
			return fieldProblem("labels", "unknown_emotion", "every label must be an emotion of the prediction's taxonomy")
		}
		return storeError(err)
	}
	writeJSON(w, http.StatusCreated, map[string]any{"prediction_id": req.PredictionID, "labels": req.Labels})
	return nil
}
