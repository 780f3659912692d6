package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/emotion"
)

// runModel dispatches "samo model train|eval|predict|info".
func runModel(ctx context.Context, stdio IO, args []string) error {
	return subcommand(ctx, stdio, "model", args, map[string]func(context.Context, IO, []string) error{
		"train":   modelTrain,
		"eval":    modelEval,
		"predict": modelPredict,
		"info":    modelInfo,
	})
}

// defaultDataDir is ../shared/data/goemotions when it exists, else the
// copy in the repository.
func defaultDataDir() string {
	shared := filepath.Join("..", "shared", "data", "goemotions")
	if st, err := os.Stat(shared); err == nil && st.IsDir() {
		return shared
	}
	return filepath.Join("data", "goemotions")
}

// defaultVectorsFile is the word-vector subset built by scripts/wordvectors.
var defaultVectorsFile = filepath.Join("data", "wordvectors", "glove-6b-100d-subset.vec.gz")

// defaultJournalFile is the journal development set.
var defaultJournalFile = filepath.Join("data", "journal", "journal.tsv")

// loadModel returns the model at path, else at $SAMO_MODEL_FILE, else the
// embedded one.
func loadModel(stdio IO, path string) (*emotion.Model, error) {
	if path == "" && stdio.Getenv != nil {
		path = stdio.Getenv("SAMO_MODEL_FILE")
	}
	if path == "" {
		return emotion.Default()
	}
	return emotion.LoadFile(path)
}

func parseTaxonomyFlag(s string) (emotion.Taxonomy, error) {
	tax, err := emotion.ParseTaxonomy(s)
	if err != nil {
		return "", usageError("--taxonomy: %v", err)
	}
	return tax, nil
}

func modelTrain(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "model train")
	data := fs.String("data", defaultDataDir(), "GoEmotions folder (original/*.tsv, ekman_mapping.json)")
	out := fs.String("out", "emotion.model", "where to write the model file")
	seed := fs.Uint64("seed", emotion.DefaultTrainOptions().Seed, "training seed (same seed and data: identical file)")
	vectors := fs.String("vectors", defaultVectorsFile, `word-vector subset embedded in the model ("none": train without word vectors)`)
	asJSON := jsonFlag(fs, `print {"model","file","size","ekman_mode","dev_macro_f1","seconds"} (progress stays on stderr)`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected arguments %q", fs.Args())
	}
	start := time.Now()
	say := func(msg string) { fmt.Fprintf(stdio.Stderr, "[%5.1fs] %s\n", time.Since(start).Seconds(), msg) }
	d, err := emotion.LoadDataset(*data)
	if err != nil {
		return err
	}
	say(fmt.Sprintf("loaded %s: %d train, %d dev, %d test", *data, len(d.Train), len(d.Dev), len(d.Test)))
	opt := emotion.DefaultTrainOptions()
	opt.Seed = *seed
	opt.Progress = say
	if *vectors != "none" {
		if opt.Vectors, err = emotion.LoadWordVectors(*vectors); err != nil {
			return err
		}
		say(fmt.Sprintf("loaded %s: %d words × %d dimensions", *vectors, len(opt.Vectors.Words), opt.Vectors.Dims))
	}
	m, raw, err := emotion.Train(ctx, d, opt)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(*out, modelFileWriter(raw)); err != nil {
		return err
	}
	info := m.Info()
	say(fmt.Sprintf("wrote %s (%d bytes)", *out, len(raw)))
	if *asJSON {
		return printJSON(stdio, map[string]any{"model": m.Version(), "file": *out, "size": len(raw), "ekman_mode": m.EkmanMode(),
			"dev_macro_f1": map[string]float64{"goemotions": info.DevMacroF1, "ekman": info.DevEkmanMacroF1},
			"seconds":      time.Since(start).Seconds()})
	}
	fmt.Fprintf(stdio.Stdout, "model %s\nfile %s (%d bytes)\nekman mode %s\ndev macro-F1 (calibration set, optimistic): goemotions %.4f, ekman %.4f\ntrained in %.1fs\n",
		m.Version(), *out, len(raw), m.EkmanMode(), info.DevMacroF1, info.DevEkmanMacroF1, time.Since(start).Seconds())
	return nil
}

// modelFileWriter returns a writeFileAtomic body that writes raw.
func modelFileWriter(raw []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(raw)
		return err
	}
}

func modelEval(_ context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "model eval")
	taxFlag := fs.String("taxonomy", string(emotion.GoEmotions), "goemotions or ekman")
	split := fs.String("split", "test", "dev, test or journal (the journal development set: primary-emotion accuracy)")
	data := fs.String("data", defaultDataDir(), "GoEmotions folder")
	journal := fs.String("journal", defaultJournalFile, "journal development set (with --split journal)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	modelPath := fs.String("model", "", "model file (default $SAMO_MODEL_FILE, else the embedded model)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected arguments %q", fs.Args())
	}
	tax, err := parseTaxonomyFlag(*taxFlag)
	if err != nil {
		return err
	}
	if *split != "dev" && *split != "test" && *split != "journal" {
		return usageError("--split must be dev, test or journal, not %q", *split)
	}
	m, err := loadModel(stdio, *modelPath)
	if err != nil {
		return err
	}
	d, err := emotion.LoadDataset(*data)
	if err != nil {
		return err
	}
	if err := m.CheckDataset(d); err != nil {
		return err
	}
	if *split == "journal" {
		return journalEval(stdio, m, d, *journal, tax, *asJSON)
	}
	examples, err := d.Split(*split)
	if err != nil {
		return err
	}
	r := m.Evaluate(examples, tax, *split)
	if *asJSON {
		enc := json.NewEncoder(stdio.Stdout)
		return enc.Encode(r)
	}
	fmt.Fprintf(stdio.Stdout, "model %s\ntaxonomy %s, split %s, %d examples\n", m.Version(), r.Taxonomy, r.Split, r.Examples)
	fmt.Fprintf(stdio.Stdout, "macro-F1 %.4f  micro-F1 %.4f  macro-F1@0.3 %.4f  ECE %.4f\n\n", r.MacroF1, r.MicroF1, r.MacroF1At03, r.ECE)
	fmt.Fprintf(stdio.Stdout, "%-16s %9s %9s %9s %8s\n", "label", "precision", "recall", "f1", "support")
	for _, l := range m.Labels(tax) {
		s := r.PerLabel[l]
		fmt.Fprintf(stdio.Stdout, "%-16s %9.4f %9.4f %9.4f %8d\n", l, s.Precision, s.Recall, s.F1, s.Support)
	}
	return nil
}

// predictLine is one line of "samo model predict" output.
type predictLine struct {
	Text       string          `json:"text"`
	Emotions   []emotion.Score `json:"emotions"`
	Primary    string          `json:"primary_emotion"`
	Confidence float64         `json:"confidence"`
}

func modelPredict(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "model predict")
	taxFlag := fs.String("taxonomy", string(emotion.GoEmotions), "goemotions or ekman")
	thresholdFlag := fs.String("threshold", "", "report emotions with confidence ≥ this (0..1; default: tuned per label)")
	modelPath := fs.String("model", "", "model file (default $SAMO_MODEL_FILE, else the embedded model)")
	alwaysJSON(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected arguments %q (texts are read from stdin, one per line)", fs.Args())
	}
	tax, err := parseTaxonomyFlag(*taxFlag)
	if err != nil {
		return err
	}
	var threshold *float64
	if *thresholdFlag != "" {
		t, err := strconv.ParseFloat(*thresholdFlag, 64)
		if err != nil || t < 0 || t > 1 || t != t {
			return usageError("--threshold must be a number in [0, 1], not %q", *thresholdFlag)
		}
		threshold = &t
	}
	m, err := loadModel(stdio, *modelPath)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(stdio.Stdin)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	w := bufio.NewWriter(stdio.Stdout)
	enc := json.NewEncoder(w)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		text := strings.TrimSuffix(sc.Text(), "\r")
		p := m.Predict(text, tax, threshold)
		if err := enc.Encode(predictLine{Text: text, Emotions: p.Emotions, Primary: p.Primary, Confidence: p.Confidence}); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("reading stdin: a line is longer than 1 MiB")
		}
		return fmt.Errorf("reading stdin: %w", err)
	}
	return w.Flush()
}

// modelInfoJSON is "samo model info --json".
type modelInfoJSON struct {
	Version    string                      `json:"version"`
	Checksum   string                      `json:"checksum"`
	Size       int                         `json:"size"`
	EkmanMode  string                      `json:"ekman_mode"`
	Thresholds map[string][]labelThreshold `json:"thresholds"`
	Training   emotion.TrainInfo           `json:"training"`
	// Primary is the primary-emotion rule (absent: the most probable label).
	Primary *emotion.PrimaryRule `json:"primary,omitempty"`
	// WordVectors names the embedded word vectors (absent without them).
	WordVectors string `json:"word_vectors,omitempty"`
	// Lexicon lists the seed-lexicon classes and their sizes (absent
	// without a lexicon).
	Lexicon []emotion.LexiconSize `json:"lexicon,omitempty"`
	// EnsembleSparseWeight is the weight of the sparse-only member of the
	// averaged models (absent: one model).
	EnsembleSparseWeight float64 `json:"ensemble_sparse_weight,omitempty"`
}

type labelThreshold struct {
	Name      string  `json:"label"`
	Threshold float64 `json:"threshold"`
}

func modelInfo(_ context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "model info")
	modelPath := fs.String("model", "", "model file (default $SAMO_MODEL_FILE, else the embedded model)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected arguments %q", fs.Args())
	}
	m, err := loadModel(stdio, *modelPath)
	if err != nil {
		return err
	}
	info := modelInfoJSON{Version: m.Version(), Checksum: m.Checksum(), Size: m.Size(), EkmanMode: m.EkmanMode(),
		Thresholds: map[string][]labelThreshold{}, Training: m.Info(), Primary: m.PrimaryRule(),
		Lexicon: m.Lexicon(), EnsembleSparseWeight: m.EnsembleWeight()}
	if src, n := m.WordVectors(); n > 0 {
		info.WordVectors = fmt.Sprintf("%s (%d words)", src, n)
	}
	for _, tax := range []emotion.Taxonomy{emotion.GoEmotions, emotion.Ekman} {
		thr := m.Thresholds(tax)
		for i, l := range m.Labels(tax) {
			info.Thresholds[string(tax)] = append(info.Thresholds[string(tax)], labelThreshold{l, thr[i]})
		}
	}
	if *asJSON {
		return json.NewEncoder(stdio.Stdout).Encode(info)
	}
	fmt.Fprintf(stdio.Stdout, "version   %s\nchecksum  sha256:%s\nsize      %d bytes\nekman     %s\n", info.Version, info.Checksum, info.Size, info.EkmanMode)
	t := info.Training
	fmt.Fprintf(stdio.Stdout, "training  %d train / %d dev texts, %d features, seed %d, C %g, dev macro-F1 %.4f (goemotions) %.4f (ekman)\n",
		t.TrainExamples, t.DevExamples, t.Features, t.Seed, t.C, t.DevMacroF1, t.DevEkmanMacroF1)
	if info.WordVectors != "" {
		fmt.Fprintf(stdio.Stdout, "vectors   %s, weight %g\n", info.WordVectors, t.VectorWeight)
	}
	if len(info.Lexicon) > 0 {
		var cls []string
		for _, c := range info.Lexicon {
			cls = append(cls, fmt.Sprintf("%s %d", c.Name, c.Words))
		}
		fmt.Fprintf(stdio.Stdout, "lexicon   %d classes (words: %s)\n", len(info.Lexicon), strings.Join(cls, ", "))
	}
	if w := info.EnsembleSparseWeight; w > 0 {
		fmt.Fprintf(stdio.Stdout, "ensemble  %g × model without vectors + %g × model with vectors (one merged linear model)\n", w, 1-w)
	}
	if t.StackLambda > 0 {
		line := fmt.Sprintf("stack     GoEmotions scores refitted on dev over every output's score (penalty %g)", t.StackLambda)
		if t.Softmax > 0 {
			line += fmt.Sprintf(" and a softmax's logits (C %g)", t.Softmax)
		}
		fmt.Fprintln(stdio.Stdout, line)
	}
	if r := info.Primary; r != nil {
		fmt.Fprintf(stdio.Stdout, "primary   label-shift rule: goemotions shift %g, neutral offset %g; ekman shift %g, neutral offset %g\n",
			r.Shift, r.NeutralOffset, r.EkmanShift, r.EkmanNeutralOffset)
	} else {
		fmt.Fprintf(stdio.Stdout, "primary   most probable label\n")
	}
	for _, tax := range []emotion.Taxonomy{emotion.GoEmotions, emotion.Ekman} {
		ls := info.Thresholds[string(tax)]
		vals := make([]float64, len(ls))
		for i, l := range ls {
			vals[i] = l.Threshold
		}
		sort.Float64s(vals)
		fmt.Fprintf(stdio.Stdout, "\n%s: %d labels, thresholds min %.3f median %.3f max %.3f\n", tax, len(ls), vals[0], vals[len(vals)/2], vals[len(vals)-1])
		for _, l := range ls {
			fmt.Fprintf(stdio.Stdout, "  %-16s %.3f\n", l.Name, l.Threshold)
		}
	}
	return nil
}

// journalEval prints the primary-emotion accuracy on the journal set.
func journalEval(stdio IO, m *emotion.Model, d *emotion.Dataset, path string, tax emotion.Taxonomy, asJSON bool) error {
	examples, err := emotion.LoadJournal(path, d)
	if err != nil {
		return err
	}
	r := m.EvaluateJournal(examples, tax)
	if asJSON {
		return json.NewEncoder(stdio.Stdout).Encode(r)
	}
	fmt.Fprintf(stdio.Stdout, "model %s\ntaxonomy %s, journal development set %s, %d sentences (not a test result)\n", m.Version(), r.Taxonomy, path, r.Examples)
	fmt.Fprintf(stdio.Stdout, "primary-emotion accuracy %.4f (strict: first label only %.4f); neutral chosen %d times\n\n", r.Accuracy, r.StrictAccuracy, r.NeutralPredicted)
	fmt.Fprintf(stdio.Stdout, "%-16s %9s %8s\n", "class", "accuracy", "support")
	for _, l := range m.Labels(tax) {
		if c, ok := r.PerClass[l]; ok {
			fmt.Fprintf(stdio.Stdout, "%-16s %9.4f %8d\n", l, c.Accuracy, c.Support)
		}
	}
	return nil
}
