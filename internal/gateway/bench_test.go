package gateway

import (
	"context"
	"net/http/httptest"
	"testing"
)

func BenchmarkDecodeSAMO(b *testing.B) {
	body := []byte(samoAnswer)
	b.ReportAllocs()
	for b.Loop() {
		a, fail := decodeAnswer(body, FormatSAMO)
		if fail != nil {
			b.Fatal(fail)
		}
		_ = a.result(FormatSAMO, GoEmotions, nil)
	}
}

func BenchmarkDecodeProbabilities(b *testing.B) {
	// A full 28-label probability vector, the worst ordinary case.
	body := []byte(`{"predicted_emotion":"joy","probabilities":{"admiration":0.1,"amusement":0.2,"anger":0.01,"annoyance":0.02,` +
		`"approval":0.3,"caring":0.05,"confusion":0.01,"curiosity":0.04,"desire":0.03,"disappointment":0.01,"disapproval":0.01,` +
		`"disgust":0.01,"embarrassment":0.01,"excitement":0.4,"fear":0.01,"gratitude":0.2,"grief":0.0,"joy":0.9,"love":0.6,` +
		`"nervousness":0.01,"optimism":0.3,"pride":0.05,"realization":0.02,"relief":0.03,"remorse":0.0,"sadness":0.01,` +
		`"surprise":0.05,"neutral":0.1}}`)
	b.ReportAllocs()
	for b.Loop() {
		a, fail := decodeAnswer(body, FormatProbabilities)
		if fail != nil {
			b.Fatal(fail)
		}
		_ = a.result(FormatProbabilities, Ekman, nil)
	}
}

// BenchmarkPredictRoundTrip is one full upstream call over loopback HTTP.
func BenchmarkPredictRoundTrip(b *testing.B) {
	srv := httptest.NewServer(answerWith(samoAnswer))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Predict(ctx, "I love this so much", GoEmotions, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPredictCircuitOpen is the cost of a refusal while the circuit is
// open: no network, no event.
func BenchmarkPredictCircuitOpen(b *testing.B) {
	clk := newFakeClock()
	c, err := New(Config{URL: "http://127.0.0.1:1/predict", FailureThreshold: 1, Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	_, _ = c.Predict(ctx, "x", GoEmotions, nil) // connection refused: opens the circuit
	if c.State() != Open {
		b.Fatalf("state %v, want open", c.State())
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Predict(ctx, "x", GoEmotions, nil); err == nil {
			b.Fatal("an open circuit let a call through")
		}
	}
}
