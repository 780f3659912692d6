package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tinyModelFile is a 2 KB model file (emotion's golden format-1 file, never
// retrained) for the tests whose subject is not the model: each samo
// command parses its model when it starts, and parsing the embedded model
// costs about 3.5 CPU-seconds under -race (make test). The model tests
// themselves (info, predict, eval) use the embedded model.
var tinyModelFile = filepath.Join("..", "emotion", "testdata", "golden", "tiny_v1.model")

// modelRun runs "samo model args..." with the given environment and stdin.
func modelRun(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	stdio := IO{
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errOut,
		Getenv: func(k string) string { return env[k] },
	}
	code = Main(t.Context(), append([]string{"model"}, args...), stdio)
	return code, out.String(), errOut.String()
}

// jsonKeys returns the top-level keys of a JSON object in document order.
func jsonKeys(t *testing.T, line string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %q", line)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestModelPredictCLI(t *testing.T) {
	code, out, stderr := modelRun(t, nil, "thank you so much!\nI'm terrified\n", "predict")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	var primaries []string
	for sc.Scan() {
		if got, want := jsonKeys(t, sc.Text()), []string{"text", "emotions", "primary_emotion", "confidence"}; !slices.Equal(got, want) {
			t.Errorf("keys %v, want %v", got, want)
		}
		var line struct {
			Emotions []struct {
				Emotion    string  `json:"emotion"`
				Confidence float64 `json:"confidence"`
			} `json:"emotions"`
			Primary string `json:"primary_emotion"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		if len(line.Emotions) == 0 || line.Emotions[0].Emotion != line.Primary {
			t.Errorf("emotions %v do not start with the primary %q", line.Emotions, line.Primary)
		}
		primaries = append(primaries, line.Primary)
	}
	if want := []string{"gratitude", "fear"}; !slices.Equal(primaries, want) {
		t.Errorf("primaries %v, want %v", primaries, want)
	}
}

func TestModelEvalCLIJSON(t *testing.T) {
	data := filepath.Join("..", "..", "data", "goemotions")
	code, out, stderr := modelRun(t, nil, "", "eval", "--taxonomy", "ekman", "--split", "dev", "--data", data, "--json")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	want := []string{"taxonomy", "split", "examples", "macro_f1", "micro_f1", "macro_f1_at_0_3", "ece", "per_label"}
	if got := jsonKeys(t, strings.TrimSpace(out)); !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	var r struct {
		Taxonomy string                                `json:"taxonomy"`
		Examples int                                   `json:"examples"`
		PerLabel map[string]map[string]json.RawMessage `json:"per_label"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Taxonomy != "ekman" || r.Examples != 5426 || len(r.PerLabel) != 7 {
		t.Errorf("taxonomy %q, %d examples, %d labels; want ekman, 5426, 7", r.Taxonomy, r.Examples, len(r.PerLabel))
	}
	for label, s := range r.PerLabel {
		if len(s) != 4 || s["precision"] == nil || s["recall"] == nil || s["f1"] == nil || s["support"] == nil {
			t.Errorf("per_label[%s] = %v, want precision, recall, f1, support", label, s)
		}
	}
}

func TestModelCLIErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.model")
	if err := os.WriteFile(bad, []byte("SAMOEMO\x00 truncated"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"unknown taxonomy", nil, []string{"predict", "--taxonomy", "plutchik"}, 2, "unknown taxonomy"},
		{"threshold out of range", nil, []string{"predict", "--threshold", "1.5"}, 2, "--threshold"},
		{"threshold not a number", nil, []string{"predict", "--threshold", "high"}, 2, "--threshold"},
		{"bad split", nil, []string{"eval", "--split", "train"}, 2, "--split"},
		{"missing model file", nil, []string{"info", "--model", filepath.Join(t.TempDir(), "none")}, 1, "no such file"},
		{"corrupt model from env", map[string]string{"SAMO_MODEL_FILE": bad}, []string{"info"}, 1, "corrupt model file"},
		{"unknown subcommand", nil, []string{"serve"}, 2, "unknown model subcommand"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := modelRun(t, tc.env, "", tc.args...)
			if code != tc.wantCode || !strings.Contains(stderr, tc.wantErr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.wantCode, tc.wantErr)
			}
		})
	}
}

func TestModelInfoCLI(t *testing.T) {
	code, out, stderr := modelRun(t, nil, "", "info")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"version   goemo-linear-", "checksum  sha256:", "size ", "goemotions: 28 labels", "ekman: 7 labels", "gratitude",
		"stack     GoEmotions scores refitted on dev over every output's score (penalty 1000) and a softmax's logits (C 4)"} {
		if !strings.Contains(out, want) {
			t.Errorf("info output lacks %q:\n%s", want, out)
		}
	}
}

func TestModelEvalJournalCLI(t *testing.T) {
	data := filepath.Join("..", "..", "data", "goemotions")
	journal := filepath.Join("..", "..", "data", "journal", "journal.tsv")
	old := filepath.Join("..", "emotion", "testdata", "model-v1-goemo-linear-2026.11.1.model")
	for _, model := range []string{"", old} {
		args := []string{"eval", "--taxonomy", "ekman", "--split", "journal", "--data", data, "--journal", journal, "--json"}
		if model != "" {
			args = append(args, "--model", model)
		}
		code, out, stderr := modelRun(t, nil, "", args...)
		if code != 0 {
			t.Fatalf("model %q: exit %d, stderr %q", model, code, stderr)
		}
		var r struct {
			Examples int                       `json:"examples"`
			Accuracy float64                   `json:"accuracy"`
			PerClass map[string]map[string]any `json:"per_class"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if r.Examples < 300 || len(r.PerClass) != 7 || r.Accuracy <= 0 || r.Accuracy > 1 {
			t.Errorf("model %q: %d sentences, %d classes, accuracy %v; want ≥ 300, 7, (0, 1]", model, r.Examples, len(r.PerClass), r.Accuracy)
		}
	}
	code, _, stderr := modelRun(t, nil, "", "eval", "--split", "journal", "--data", data, "--journal", filepath.Join(t.TempDir(), "none.tsv"))
	if code == 0 || !strings.Contains(stderr, "none.tsv") {
		t.Errorf("missing journal file: exit %d, stderr %q", code, stderr)
	}
}
