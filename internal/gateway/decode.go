package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/samo-brain/samo/internal/prediction"
)

// Format is the shape of the upstream's answers (MODEL_BACKEND_FORMAT).
type Format string

// The supported upstream answer shapes.
const (
	// FormatSAMO is the SAMO API shape:
	// {"emotions":[{"emotion":"joy","confidence":0.93},...],
	//  "primary_emotion":"joy","confidence":0.93,"model_version":"..."}.
	// primary_emotion, confidence and model_version are optional.
	FormatSAMO Format = "samo"
	// FormatProbabilities is a raw classifier shape:
	// {"predicted_emotion":"joy","probabilities":{"joy":0.93,"love":0.4,...}}.
	FormatProbabilities Format = "probabilities"
)

// DefaultThreshold is applied to raw probabilities when the caller gives no
// threshold (an upstream in FormatSAMO has already chosen its emotions).
const DefaultThreshold = 0.5

// answer is a validated upstream answer in GoEmotions labels.
type answer struct {
	scores  map[string]float64 // label → confidence in [0,1]
	primary string             // the upstream's own primary label ("" = none)
	version string             // the upstream's model_version when safe to show ("" = none)
}

// member is one key and raw value of a JSON object.
type member struct {
	key string
	val json.RawMessage
}

// malformed returns the failure for an answer that breaks the schema. msg
// is ours: nothing the upstream sent is quoted.
func malformed(msg string) *failure { return upstreamFailure("malformed", "malformed answer: "+msg) }

// decodeAnswer validates body, one JSON object in format f. Fields the
// format does not use are ignored (and never passed on); the fields it uses
// are typed strictly: labels must be known GoEmotions labels, each at most
// once, confidences JSON numbers in [0, 1].
func decodeAnswer(body []byte, f Format) (answer, *failure) {
	if !utf8.Valid(body) {
		return answer{}, malformed("not UTF-8")
	}
	top, fail := readObject(body)
	if fail != nil {
		return answer{}, fail
	}
	a := answer{scores: map[string]float64{}}
	var conf *float64
	var emotions, probs json.RawMessage
	for _, m := range top {
		var fail *failure
		switch m.key {
		case "emotions":
			emotions = m.val
		case "probabilities":
			probs = m.val
		case "primary_emotion", "predicted_emotion":
			if (m.key == "primary_emotion") != (f == FormatSAMO) {
				continue
			}
			a.primary, fail = readLabel(m.val)
		case "confidence":
			if f != FormatSAMO {
				continue
			}
			var c float64
			c, fail = readConfidence(m.val)
			conf = &c
		case "model_version":
			var v string
			if v, fail = readString(m.val); fail == nil && safeVersion(v) {
				a.version = v
			}
		}
		if fail != nil {
			return answer{}, fail
		}
	}
	switch f {
	case FormatProbabilities:
		return a, a.probabilities(probs)
	default:
		return a, a.samo(emotions, conf)
	}
}

// samo reads {"emotions":[{"emotion","confidence"},...]}. An empty list is
// accepted only with primary_emotion and confidence, which then stand for
// it; a primary that is not listed is added with the top-level confidence.
func (a *answer) samo(raw json.RawMessage, conf *float64) *failure {
	if raw == nil {
		return malformed("emotions missing")
	}
	var items []json.RawMessage
	if !startsWith(raw, '[') || json.Unmarshal(raw, &items) != nil {
		return malformed("emotions is not an array")
	}
	for _, it := range items {
		obj, fail := readObject(it)
		if fail != nil {
			return fail
		}
		var label string
		var c float64
		var haveLabel, haveConf bool
		for _, m := range obj {
			switch m.key {
			case "emotion":
				label, fail = readLabel(m.val)
				haveLabel = true
			case "confidence":
				c, fail = readConfidence(m.val)
				haveConf = true
			}
			if fail != nil {
				return fail
			}
		}
		if !haveLabel || !haveConf {
			return malformed("an emotion lacks emotion or confidence")
		}
		if _, dup := a.scores[label]; dup {
			return malformed("duplicate emotion")
		}
		a.scores[label] = c
	}
	if _, listed := a.scores[a.primary]; a.primary != "" && !listed && conf != nil {
		a.scores[a.primary] = *conf
	}
	if len(a.scores) == 0 {
		return malformed("no emotions")
	}
	return nil
}

// probabilities reads {"probabilities":{label:prob,...}} and checks that
// predicted_emotion is one of them.
func (a *answer) probabilities(raw json.RawMessage) *failure {
	if raw == nil {
		return malformed("probabilities missing")
	}
	if a.primary == "" {
		return malformed("predicted_emotion missing")
	}
	obj, fail := readObject(raw)
	if fail != nil {
		return fail
	}
	for _, m := range obj {
		if labelIndex(GoEmotions, m.key) < 0 {
			return malformed("unknown emotion label")
		}
		c, fail := readConfidence(m.val)
		if fail != nil {
			return fail
		}
		a.scores[m.key] = c
	}
	if _, ok := a.scores[a.primary]; !ok {
		return malformed("predicted_emotion is not among the probabilities")
	}
	return nil
}

// result turns a validated answer into the emotions of taxonomy tax: scores
// mapped to Ekman when asked (an Ekman emotion takes its most confident
// GoEmotions member), sorted by confidence (ties: the upstream's primary,
// then taxonomy order), filtered by threshold (nil: DefaultThreshold for raw
// probabilities, the upstream's own choice for FormatSAMO). The most
// confident emotion is always kept, first, as the primary.
func (a answer) result(f Format, tax string, threshold *float64) prediction.Result {
	scores, primary := a.scores, a.primary
	if tax == Ekman {
		scores = make(map[string]float64, len(ekmanLabels))
		for l, c := range a.scores {
			e := ekmanOf[l]
			if old, ok := scores[e]; !ok || c > old {
				scores[e] = c
			}
		}
		primary = ekmanOf[primary]
	}
	t := math.Inf(-1)
	switch {
	case threshold != nil && !math.IsNaN(*threshold):
		t = min(max(*threshold, 0), 1)
	case f == FormatProbabilities:
		t = DefaultThreshold
	}
	all := make([]prediction.Score, 0, len(scores))
	for l, c := range scores {
		all = append(all, prediction.Score{Emotion: l, Confidence: c})
	}
	slices.SortFunc(all, func(x, y prediction.Score) int {
		switch {
		case x.Confidence != y.Confidence:
			if x.Confidence > y.Confidence {
				return -1
			}
			return 1
		case x.Emotion == primary:
			return -1
		case y.Emotion == primary:
			return 1
		}
		return labelIndex(tax, x.Emotion) - labelIndex(tax, y.Emotion)
	})
	out := all[:1]
	for _, s := range all[1:] {
		if s.Confidence >= t {
			out = append(out, s)
		}
	}
	return prediction.Result{Emotions: slices.Clip(out), Primary: out[0].Emotion, Confidence: out[0].Confidence}
}

// readObject reads one JSON object and nothing after it, refusing duplicate
// keys (encoding/json alone keeps the last one silently).
func readObject(raw []byte) ([]member, *failure) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, malformed("not a JSON object")
	}
	var out []member
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, malformed("invalid JSON")
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, malformed("invalid JSON")
		}
		if seen[key] {
			return nil, malformed("duplicate key")
		}
		seen[key] = true
		out = append(out, member{key, v})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, malformed("invalid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, malformed("data after the JSON object")
	}
	return out, nil
}

func readString(raw json.RawMessage) (string, *failure) {
	var s string
	if !startsWith(raw, '"') || json.Unmarshal(raw, &s) != nil {
		return "", malformed("expected a string")
	}
	return s, nil
}

// readLabel reads a string that must be a GoEmotions label.
func readLabel(raw json.RawMessage) (string, *failure) {
	s, fail := readString(raw)
	if fail != nil {
		return "", fail
	}
	if labelIndex(GoEmotions, s) < 0 {
		return "", malformed("unknown emotion label")
	}
	return s, nil
}

// readConfidence reads a JSON number in [0, 1] (not a string, null or bool).
func readConfidence(raw json.RawMessage) (float64, *failure) {
	var c float64
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) || json.Unmarshal(raw, &c) != nil ||
		math.IsNaN(c) || c < 0 || c > 1 {
		return 0, malformed("confidence is not a number in [0, 1]")
	}
	if c == 0 {
		c = 0 // not -0
	}
	return c, nil
}

func startsWith(raw []byte, c byte) bool { return len(raw) > 0 && raw[0] == c }

// safeVersion accepts a model_version worth showing to clients: 1-64 of
// [A-Za-z0-9._:+-]. Anything else is dropped, not passed through.
func safeVersion(v string) bool {
	if len(v) == 0 || len(v) > 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '+' || c == '-') {
			return false
		}
	}
	return true
}
