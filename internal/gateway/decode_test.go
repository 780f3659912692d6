package gateway

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/samo-brain/samo/internal/prediction"
)

func ptr(f float64) *float64 { return &f }

// scoresString renders emotions as "joy:0.9 love:0.4" for comparisons.
func scoresString(s []prediction.Score) string {
	var b strings.Builder
	for i, sc := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s:%g", sc.Emotion, sc.Confidence)
	}
	return b.String()
}

func TestDecodeValid(t *testing.T) {
	cases := []struct {
		name      string
		format    Format
		body      string
		tax       string
		threshold *float64
		want      string // emotions, primary first
		version   string
	}{
		{"samo minimal", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":0.9}]}`, GoEmotions, nil, "joy:0.9", ""},
		{"samo sorted by us", FormatSAMO,
			`{"emotions":[{"emotion":"love","confidence":0.4},{"emotion":"joy","confidence":0.9},{"emotion":"admiration","confidence":0.6}]}`,
			GoEmotions, nil, "joy:0.9 admiration:0.6 love:0.4", ""},
		{"samo threshold applied here", FormatSAMO,
			`{"emotions":[{"emotion":"love","confidence":0.4},{"emotion":"joy","confidence":0.9}]}`,
			GoEmotions, ptr(0.5), "joy:0.9", ""},
		{"top emotion kept above any threshold", FormatSAMO,
			`{"emotions":[{"emotion":"fear","confidence":0.2},{"emotion":"nervousness","confidence":0.1}]}`,
			GoEmotions, ptr(1), "fear:0.2", ""},
		{"samo extra fields dropped", FormatSAMO,
			`{"emotions":[{"emotion":"joy","confidence":1,"label_id":17}],"text":"<script>","processing_ms":3,"nested":{"a":[1,2]}}`,
			GoEmotions, nil, "joy:1", ""},
		{"samo empty list with primary", FormatSAMO, `{"emotions":[],"primary_emotion":"neutral","confidence":0.7}`, GoEmotions, nil, "neutral:0.7", ""},
		{"samo unlisted primary added", FormatSAMO,
			`{"emotions":[{"emotion":"joy","confidence":0.6}],"primary_emotion":"love","confidence":0.8}`, GoEmotions, nil, "love:0.8 joy:0.6", ""},
		{"samo primary breaks ties", FormatSAMO,
			`{"emotions":[{"emotion":"admiration","confidence":0.5},{"emotion":"joy","confidence":0.5}],"primary_emotion":"joy"}`,
			GoEmotions, nil, "joy:0.5 admiration:0.5", ""},
		{"ties in label order", FormatSAMO,
			`{"emotions":[{"emotion":"joy","confidence":0.5},{"emotion":"admiration","confidence":0.5}]}`,
			GoEmotions, nil, "admiration:0.5 joy:0.5", ""},
		{"primary below top does not override", FormatSAMO,
			`{"emotions":[{"emotion":"admiration","confidence":0.3},{"emotion":"joy","confidence":0.6}],"primary_emotion":"admiration"}`,
			GoEmotions, nil, "joy:0.6 admiration:0.3", ""},
		{"samo model version kept", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":0.9}],"model_version":"bert-2.1"}`, GoEmotions, nil, "joy:0.9", "bert-2.1"},
		{"unsafe model version dropped", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":0.9}],"model_version":"<b>x</b>"}`, GoEmotions, nil, "joy:0.9", ""},
		{"samo to ekman", FormatSAMO,
			`{"emotions":[{"emotion":"amusement","confidence":0.7},{"emotion":"joy","confidence":0.6},{"emotion":"annoyance","confidence":0.55}]}`,
			Ekman, nil, "joy:0.7 anger:0.55", ""},
		{"probabilities default threshold", FormatProbabilities,
			`{"predicted_emotion":"joy","probabilities":{"joy":0.8,"love":0.5,"anger":0.49,"neutral":0.1}}`,
			GoEmotions, nil, "joy:0.8 love:0.5", ""},
		{"probabilities caller threshold", FormatProbabilities,
			`{"predicted_emotion":"joy","probabilities":{"joy":0.8,"love":0.5,"anger":0.49,"neutral":0.1}}`,
			GoEmotions, ptr(0.1), "joy:0.8 love:0.5 anger:0.49 neutral:0.1", ""},
		{"probabilities all low keeps top", FormatProbabilities,
			`{"predicted_emotion":"neutral","probabilities":{"joy":0.2,"neutral":0.3}}`, GoEmotions, nil, "neutral:0.3", ""},
		{"probabilities to ekman", FormatProbabilities,
			`{"predicted_emotion":"grief","probabilities":{"grief":0.7,"remorse":0.6,"fear":0.55,"nervousness":0.2}}`,
			Ekman, nil, "sadness:0.7 fear:0.55", ""},
		{"probabilities ignore samo fields", FormatProbabilities,
			`{"predicted_emotion":"joy","probabilities":{"joy":0.8},"confidence":"high","primary_emotion":7}`, GoEmotions, nil, "joy:0.8", ""},
		{"whitespace around", FormatSAMO, " \n{\"emotions\":[{\"emotion\":\"joy\",\"confidence\":0.9}]}\n ", GoEmotions, nil, "joy:0.9", ""},
		{"zero and one", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":1.0},{"emotion":"love","confidence":-0}]}`, GoEmotions, ptr(0), "joy:1 love:0", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, fail := decodeAnswer([]byte(c.body), c.format)
			if fail != nil {
				t.Fatalf("decodeAnswer: %v", fail)
			}
			res := a.result(c.format, c.tax, c.threshold)
			if got := scoresString(res.Emotions); got != c.want {
				t.Errorf("emotions = %q, want %q", got, c.want)
			}
			if res.Primary != res.Emotions[0].Emotion || res.Confidence != res.Emotions[0].Confidence {
				t.Errorf("primary %s:%g is not the first emotion %v", res.Primary, res.Confidence, res.Emotions[0])
			}
			if a.version != c.version {
				t.Errorf("version = %q, want %q", a.version, c.version)
			}
		})
	}
}

func TestDecodeMalformed(t *testing.T) {
	cases := []struct {
		name   string
		format Format
		body   string
	}{
		{"empty", FormatSAMO, ``},
		{"garbage", FormatSAMO, `<html>502 Bad Gateway</html>`},
		{"array", FormatSAMO, `[{"emotion":"joy","confidence":0.9}]`},
		{"null", FormatSAMO, `null`},
		{"truncated", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":0.9}`},
		{"trailing data", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":0.9}]}{}`},
		{"invalid utf-8", FormatSAMO, "{\"emotions\":[{\"emotion\":\"joy\xff\",\"confidence\":0.9}]}"},
		{"duplicate top key", FormatSAMO, `{"emotions":[],"emotions":[{"emotion":"joy","confidence":0.9}]}`},
		{"emotions missing", FormatSAMO, `{"primary_emotion":"joy"}`},
		{"emotions null", FormatSAMO, `{"emotions":null}`},
		{"emotions object", FormatSAMO, `{"emotions":{"joy":0.9}}`},
		{"emotions empty", FormatSAMO, `{"emotions":[]}`},
		{"empty without confidence", FormatSAMO, `{"emotions":[],"primary_emotion":"joy"}`},
		{"unknown label", FormatSAMO, `{"emotions":[{"emotion":"happiness","confidence":0.9}]}`},
		{"label case", FormatSAMO, `{"emotions":[{"emotion":"Joy","confidence":0.9}]}`},
		{"duplicate emotion", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":0.9},{"emotion":"joy","confidence":0.1}]}`},
		{"duplicate item key", FormatSAMO, `{"emotions":[{"emotion":"joy","emotion":"fear","confidence":0.9}]}`},
		{"confidence missing", FormatSAMO, `{"emotions":[{"emotion":"joy"}]}`},
		{"emotion missing", FormatSAMO, `{"emotions":[{"confidence":0.9}]}`},
		{"confidence string", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":"0.9"}]}`},
		{"confidence null", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":null}]}`},
		{"confidence bool", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":true}]}`},
		{"confidence above one", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":1.0000001}]}`},
		{"confidence negative", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":-0.1}]}`},
		{"confidence overflow", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":1e400}]}`},
		{"confidence NaN token", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":NaN}]}`},
		{"item not object", FormatSAMO, `{"emotions":["joy"]}`},
		{"primary unknown", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":0.9}],"primary_emotion":"bliss"}`},
		{"primary not string", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":0.9}],"primary_emotion":1}`},
		{"top confidence out of range", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":0.9}],"confidence":2}`},
		{"model version not string", FormatSAMO, `{"emotions":[{"emotion":"joy","confidence":0.9}],"model_version":3}`},
		{"probabilities missing", FormatProbabilities, `{"predicted_emotion":"joy"}`},
		{"predicted missing", FormatProbabilities, `{"probabilities":{"joy":0.9}}`},
		{"predicted unknown", FormatProbabilities, `{"predicted_emotion":"bliss","probabilities":{"joy":0.9}}`},
		{"predicted not listed", FormatProbabilities, `{"predicted_emotion":"love","probabilities":{"joy":0.9}}`},
		{"probabilities array", FormatProbabilities, `{"predicted_emotion":"joy","probabilities":[0.9]}`},
		{"probabilities unknown label", FormatProbabilities, `{"predicted_emotion":"joy","probabilities":{"joy":0.9,"zest":0.1}}`},
		{"probabilities duplicate", FormatProbabilities, `{"predicted_emotion":"joy","probabilities":{"joy":0.1,"joy":0.9}}`},
		{"probabilities out of range", FormatProbabilities, `{"predicted_emotion":"joy","probabilities":{"joy":9}}`},
		{"probabilities empty", FormatProbabilities, `{"predicted_emotion":"joy","probabilities":{}}`},
		{"samo body in probabilities mode", FormatProbabilities, `{"emotions":[{"emotion":"joy","confidence":0.9}]}`},
		{"probabilities body in samo mode", FormatSAMO, `{"predicted_emotion":"joy","probabilities":{"joy":0.9}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, fail := decodeAnswer([]byte(c.body), c.format)
			if fail == nil {
				t.Fatalf("decodeAnswer accepted it: %+v", a)
			}
			if !errors.Is(fail, ErrUpstream) || fail.reason != "malformed" {
				t.Errorf("failure = %v (reason %q), want ErrUpstream with reason malformed", fail, fail.reason)
			}
			if strings.Contains(fail.Error(), "happiness") || strings.Contains(fail.Error(), "bliss") || strings.Contains(fail.Error(), "<html>") {
				t.Errorf("failure quotes upstream bytes: %v", fail)
			}
		})
	}
}

func TestSafeVersion(t *testing.T) {
	cases := map[string]bool{
		"v1": true, "bert-base_2.1+cu121:prod": true, strings.Repeat("a", 64): true,
		"": false, strings.Repeat("a", 65): false, "a b": false, "é": false, "x\n": false, "<x>": false,
	}
	for v, want := range cases {
		if got := safeVersion(v); got != want {
			t.Errorf("safeVersion(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestLabels(t *testing.T) {
	tx := Taxonomies()
	if n := len(tx[GoEmotions]); n != 28 || tx[GoEmotions][27] != "neutral" {
		t.Errorf("goemotions: %d labels ending %q, want 28 ending neutral", n, tx[GoEmotions][n-1])
	}
	if n := len(tx[Ekman]); n != 7 {
		t.Errorf("ekman: %d labels, want 7", n)
	}
	for _, l := range tx[GoEmotions] {
		if e, ok := ekmanOf[l]; !ok || labelIndex(Ekman, e) < 0 {
			t.Errorf("GoEmotions label %q maps to %q, not an Ekman label", l, e)
		}
	}
	for _, e := range tx[Ekman] {
		if ekmanOf[e] != e {
			t.Errorf("Ekman label %q maps to %q, want itself", e, ekmanOf[e])
		}
	}
	tx[GoEmotions][0] = "changed"
	if Labels(GoEmotions)[0] != "admiration" {
		t.Error("Taxonomies returned shared storage")
	}
	if Labels("plutchik") != nil {
		t.Error("Labels of an unknown taxonomy is not nil")
	}
}
