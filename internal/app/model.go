package app

import (
	"context"

	"github.com/samo-brain/samo/internal/emotion"
	"github.com/samo-brain/samo/internal/prediction"
)

// localModel serves predictions from the embedded (or SAMO_MODEL_FILE) model.
type localModel struct{ m *emotion.Model }

// buildPredictor returns the upstream gateway when MODEL_BACKEND_URL is set,
// else the embedded (or SAMO_MODEL_FILE) model.
func (a *App) buildPredictor() (Predictor, error) {
	if a.Cfg.ModelBackendURL != "" {
		return a.buildGateway()
	}
	var m *emotion.Model
	var err error
	if a.Cfg.ModelFile != "" {
		m, err = emotion.LoadFile(a.Cfg.ModelFile)
	} else {
		m, err = emotion.Default()
	}
	if err != nil {
		return nil, err
	}
	return &localModel{m: m}, nil
}

// Predict runs the model; it never fails for validated text.
func (l *localModel) Predict(_ context.Context, text, taxonomy string, threshold *float64) (prediction.Result, error) {
	p := l.m.Predict(text, emotion.Taxonomy(taxonomy), threshold)
	scores := make([]prediction.Score, len(p.Emotions))
	for i, s := range p.Emotions {
		scores[i] = prediction.Score{Emotion: s.Emotion, Confidence: s.Confidence}
	}
	return prediction.Result{Emotions: scores, Primary: p.Primary, Confidence: p.Confidence, ModelVersion: l.m.Version()}, nil
}

// Ready reports the embedded model as always ready once loaded.
func (l *localModel) Ready(context.Context) error { return nil }

// Version names the model artifact.
func (l *localModel) Version() string { return l.m.Version() }

// Taxonomies lists each taxonomy's labels.
func (l *localModel) Taxonomies() map[string][]string {
	return map[string][]string{
		"goemotions": l.m.Labels(emotion.Taxonomy("goemotions")),
		"ekman":      l.m.Labels(emotion.Taxonomy("ekman")),
	}
}
