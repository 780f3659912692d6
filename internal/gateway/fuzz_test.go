package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzDecodeAnswer feeds arbitrary upstream answers to both formats: the
// decoder never panics, and whatever it accepts becomes a well-formed
// result (non-empty, known labels once each, confidences in [0, 1], sorted,
// primary first) in both taxonomies.
func FuzzDecodeAnswer(f *testing.F) {
	seeds := []string{
		samoAnswer,
		`{"emotions":[],"primary_emotion":"neutral","confidence":0.7}`,
		`{"predicted_emotion":"joy","probabilities":{"joy":0.8,"love":0.5,"anger":0.49}}`,
		`{"emotions":[{"emotion":"joy","confidence":1e400}]}`,
		`{"predicted_emotion":"joy","probabilities":{"joy":0.1,"joy":0.9}}`,
		`{"emotions":[{"emotion":"joy","confidence":0.5}]}{}`,
		"\x00\xff",
		`[]`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), true, 0.3)
		f.Add([]byte(s), false, -1.0)
	}
	f.Fuzz(func(t *testing.T, body []byte, samo bool, th float64) {
		format := FormatProbabilities
		if samo {
			format = FormatSAMO
		}
		a, fail := decodeAnswer(body, format)
		if fail != nil {
			if fail.reason != "malformed" {
				t.Fatalf("reason %q, want malformed", fail.reason)
			}
			return
		}
		var threshold *float64
		if th >= 0 {
			threshold = &th
		}
		for _, tax := range []string{GoEmotions, Ekman} {
			res := a.result(format, tax, threshold)
			if len(res.Emotions) == 0 {
				t.Fatalf("%s: no emotions", tax)
			}
			if res.Primary != res.Emotions[0].Emotion || res.Confidence != res.Emotions[0].Confidence {
				t.Fatalf("%s: primary %s:%g is not first (%v)", tax, res.Primary, res.Confidence, res.Emotions)
			}
			seen := map[string]bool{}
			for i, s := range res.Emotions {
				if labelIndex(tax, s.Emotion) < 0 || seen[s.Emotion] {
					t.Fatalf("%s: label %q unknown or repeated in %v", tax, s.Emotion, res.Emotions)
				}
				seen[s.Emotion] = true
				if !(s.Confidence >= 0 && s.Confidence <= 1) {
					t.Fatalf("%s: confidence %g out of range", tax, s.Confidence)
				}
				if i > 0 && s.Confidence > res.Emotions[i-1].Confidence {
					t.Fatalf("%s: not sorted: %v", tax, res.Emotions)
				}
			}
		}
	})
}

// FuzzUpstreamBody sends arbitrary answers through the real HTTP client:
// every outcome is a result or ErrUpstream, never a panic or another error.
func FuzzUpstreamBody(f *testing.F) {
	f.Add([]byte(samoAnswer), "application/json")
	f.Add([]byte(`{"emotions":`), "application/json; charset=utf-8")
	f.Add([]byte(`ok`), "text/plain")
	f.Fuzz(func(t *testing.T, body []byte, ctype string) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", ctype)
			_, _ = w.Write(body)
		}))
		defer srv.Close()
		c, err := New(Config{URL: srv.URL, FailureThreshold: 1 << 30})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		res, err := c.Predict(context.Background(), "x", GoEmotions, nil)
		if err != nil {
			if fail, ok := err.(*failure); !ok || fail.reason == "" {
				t.Fatalf("err = %v (%T), want a classified upstream failure", err, err)
			}
			return
		}
		if len(res.Emotions) == 0 || res.Primary == "" {
			t.Fatalf("accepted answer gave an empty result: %+v", res)
		}
	})
}
