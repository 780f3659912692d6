package emotion

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrDataset reports a GoEmotions folder that cannot be read as expected.
var ErrDataset = errors.New("emotion: malformed dataset")

// ekmanLabels are the labels of the Ekman taxonomy, in output order.
var ekmanLabels = [...]string{"anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"}

// Example is one labelled text. Labels are indexes into Dataset.Labels
// (the 28 GoEmotions labels).
type Example struct {
	Text   string
	Labels []int
}

// Dataset is the GoEmotions corpus: its labels, the Ekman mapping and the
// three standard splits.
type Dataset struct {
	// Labels are the 27 emotions plus neutral, in file order.
	Labels []string
	// EkmanOf maps each GoEmotions label index to its Ekman label index
	// (neutral maps to neutral).
	EkmanOf []int
	// Train, Dev and Test are the standard splits.
	Train, Dev, Test []Example
}

// Split returns the named split ("train", "dev" or "test").
func (d *Dataset) Split(name string) ([]Example, error) {
	switch name {
	case "train":
		return d.Train, nil
	case "dev":
		return d.Dev, nil
	case "test":
		return d.Test, nil
	}
	return nil, fmt.Errorf("%w: unknown split %q (want train, dev or test)", ErrDataset, name)
}

// maxDataFile bounds the size of one dataset file read into memory.
const maxDataFile = 64 << 20

// LoadDataset reads a GoEmotions folder: original/labels.txt,
// original/{train,dev,test}.tsv and ekman_mapping.json.
func LoadDataset(dir string) (*Dataset, error) {
	labelsRaw, err := readLimited(filepath.Join(dir, "original", "labels.txt"))
	if err != nil {
		return nil, err
	}
	labels := strings.Fields(string(labelsRaw))
	if len(labels) != 28 || labels[27] != "neutral" {
		return nil, fmt.Errorf("%w: labels.txt has %d labels, want 28 ending with neutral", ErrDataset, len(labels))
	}
	mappingRaw, err := readLimited(filepath.Join(dir, "ekman_mapping.json"))
	if err != nil {
		return nil, err
	}
	ekmanOf, err := parseEkmanMapping(mappingRaw, labels)
	if err != nil {
		return nil, err
	}
	d := &Dataset{Labels: labels, EkmanOf: ekmanOf}
	for _, s := range []struct {
		name string
		dst  *[]Example
	}{{"train", &d.Train}, {"dev", &d.Dev}, {"test", &d.Test}} {
		raw, err := readLimited(filepath.Join(dir, "original", s.name+".tsv"))
		if err != nil {
			return nil, err
		}
		if *s.dst, err = parseTSV(strings.NewReader(string(raw)), len(labels)); err != nil {
			return nil, fmt.Errorf("%s.tsv: %w", s.name, err)
		}
	}
	return d, nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path) // #nosec G304 -- dataset path given by the operator (--data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDataset, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxDataFile+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrDataset, path, err)
	}
	if len(b) > maxDataFile {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrDataset, path, maxDataFile)
	}
	return b, nil
}

// parseEkmanMapping reads {"anger": ["anger", "annoyance", ...], ...} and
// returns, for every GoEmotions label, its Ekman label index.
func parseEkmanMapping(raw []byte, labels []string) ([]int, error) {
	var m map[string][]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%w: ekman_mapping.json: %w", ErrDataset, err)
	}
	of := make([]int, len(labels))
	for i := range of {
		of[i] = -1
	}
	neutral := slices.Index(ekmanLabels[:], "neutral")
	of[len(labels)-1] = neutral
	for ek, members := range m {
		e := slices.Index(ekmanLabels[:], ek)
		if e < 0 || e == neutral {
			return nil, fmt.Errorf("%w: ekman_mapping.json: unknown Ekman label %q", ErrDataset, ek)
		}
		for _, name := range members {
			g := slices.Index(labels, name)
			if g < 0 || of[g] != -1 {
				return nil, fmt.Errorf("%w: ekman_mapping.json: label %q unknown or mapped twice", ErrDataset, name)
			}
			of[g] = e
		}
	}
	for g, e := range of {
		if e < 0 {
			return nil, fmt.Errorf("%w: ekman_mapping.json: label %q is not mapped", ErrDataset, labels[g])
		}
	}
	return of, nil
}

// parseTSV reads lines "text<TAB>ids<TAB>comment id" with ids a
// comma-separated list of label indexes below nLabels.
func parseTSV(r io.Reader, nLabels int) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSuffix(sc.Text(), "\r")
		if s == "" {
			continue
		}
		last := strings.LastIndexByte(s, '\t')
		if last < 0 {
			return nil, fmt.Errorf("%w: line %d: want 3 tab-separated fields", ErrDataset, line)
		}
		mid := strings.LastIndexByte(s[:last], '\t')
		if mid < 0 {
			return nil, fmt.Errorf("%w: line %d: want 3 tab-separated fields", ErrDataset, line)
		}
		var ids []int
		for _, f := range strings.Split(s[mid+1:last], ",") {
			id, err := strconv.Atoi(f)
			if err != nil || id < 0 || id >= nLabels {
				return nil, fmt.Errorf("%w: line %d: bad label id %q", ErrDataset, line, f)
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		out = append(out, Example{Text: s[:mid], Labels: ids})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDataset, err)
	}
	return out, nil
}
