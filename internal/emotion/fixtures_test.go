package emotion

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/samo-brain/samo/internal/testdep"
)

// The fixtures below are expensive under -race (the dataset, the word
// vectors, the parsed default model, the small trained models), so each is
// built once per test binary and shared by every test that needs it.
// Shared fixtures are READ-ONLY: a test that wants to change a model
// decodes or parses its own copy (decode(raw), freshDefaultModel).
// TestMain checks after the run that no test changed the shared files,
// vectors or dataset.

// shared memoises one fixture: the first caller builds it, later callers
// (possibly in parallel tests) wait for it and get the same value or the
// same error.
type shared[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (s *shared[T]) get(t testing.TB, build func() (T, error)) T {
	t.Helper()
	s.once.Do(func() {
		s.err = errors.New("building the shared fixture panicked")
		s.v, s.err = build()
	})
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.v
}

// trained is a model and its encoded file.
type trained struct {
	m   *Model
	raw []byte
}

var (
	sharedData    shared[*Dataset]
	sharedVectors shared[*WordVectors]
	sharedDefault shared[*Model]
	// sharedVec is vecOptions(3, 2) trained on smallData.
	sharedVec shared[trained]
)

// loadRepoData returns the repository's GoEmotions copy (shared, read-only).
func loadRepoData(t testing.TB) *Dataset {
	t.Helper()
	if _, err := os.Stat(repoData); err != nil {
		testdep.Missing(t, "dataset not available: %v", err)
	}
	return sharedData.get(t, func() (*Dataset, error) {
		d, err := LoadDataset(repoData)
		if err == nil {
			recordSum("dataset", datasetBytes(d))
		}
		return d, err
	})
}

// loadRepoVectors returns the repository's word vectors (shared, read-only).
func loadRepoVectors(t testing.TB) *WordVectors {
	t.Helper()
	return sharedVectors.get(t, func() (*WordVectors, error) {
		v, err := LoadWordVectors(repoVectors)
		if err == nil {
			recordSum("word vectors", vectorBytes(v))
		}
		return v, err
	})
}

// defaultModel returns the embedded model, parsed once (shared, read-only).
func defaultModel(t testing.TB) *Model {
	t.Helper()
	return sharedDefault.get(t, func() (*Model, error) {
		m, err := Default()
		if err != nil {
			return nil, fmt.Errorf("Default: %w", err)
		}
		return m, nil
	})
}

// freshDefaultModel parses the embedded model again: a copy the caller may
// change.
func freshDefaultModel(t testing.TB) *Model {
	t.Helper()
	m, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return m
}

// slice returns d with its first nTrain train and nDev dev texts and no
// test split (a shallow copy: the examples are shared, not copied).
func slice(d *Dataset, nTrain, nDev int) *Dataset {
	small := *d
	small.Train, small.Dev, small.Test = d.Train[:nTrain], d.Dev[:nDev], nil
	return &small
}

// smallData returns the shared dataset's first 300 train and 100 dev
// texts: what tests train on when their checks do not depend on the amount
// of data (determinism, "this option changes the file", file layout and
// round trips of word-vector models). 300 texts are far more than the
// workers and give thousands of features; 100 dev texts still calibrate
// and tune every output. A training that depends on the worker count
// (featurize's strided split, solveAll's output groups), on map or
// goroutine order, or ignores its seed or an option changes the file's
// bytes here as on trainSmall's 1500/500 texts, so these checks still fail
// on such a bug, at a fifth of the training time under -race.
func smallData(t testing.TB) *Dataset {
	t.Helper()
	return slice(loadRepoData(t), 300, 100)
}

// trainOn trains on d with o and fails the test on an error.
func trainOn(t testing.TB, d *Dataset, o TrainOptions) trained {
	t.Helper()
	m, raw, err := Train(context.Background(), d, o)
	if err != nil {
		t.Fatalf("Train: %v", err)
	}
	return trained{m, raw}
}

// vecOptions are smallOptions with the word vectors, negation scope and a
// primary rule (the default lexicon and ensemble stay on).
func vecOptions(t testing.TB, seed uint64, workers int) TrainOptions {
	t.Helper()
	o := smallOptions(seed, workers)
	o.Vectors, o.VectorWeight, o.Features.Negation = loadRepoVectors(t), 0.2, true
	o.Primary = &PrimaryRule{Shift: 0.5, NeutralOffset: -1, EkmanShift: 1, EkmanNeutralOffset: -1}
	return o
}

// vecModel is vecOptions(3, 2) trained on smallData (shared, read-only).
func vecModel(t testing.TB) trained {
	t.Helper()
	d, o := smallData(t), vecOptions(t, 3, 2)
	return sharedVec.get(t, func() (trained, error) { return trainShared("vector model", d, o) })
}

// trainShared trains a shared model and records its file's checksum.
func trainShared(name string, d *Dataset, o TrainOptions) (trained, error) {
	m, raw, err := Train(context.Background(), d, o)
	if err != nil {
		return trained{}, fmt.Errorf("Train (%s): %w", name, err)
	}
	recordSum(name, raw)
	return trained{m, raw}, nil
}

// TestMain runs the tests and then checks that none of them changed a
// shared fixture's bytes.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := checkSharedUnchanged(); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// fixtureSums records the checksums of the shared fixtures' bytes when
// they are first built (see recordSum).
var fixtureSums sync.Map // name → [32]byte

func recordSum(name string, b []byte) { fixtureSums.Store(name, sha256.Sum256(b)) }

func checkSharedUnchanged() error {
	sums := map[string][]byte{}
	if sharedVec.err == nil && sharedVec.v.raw != nil {
		sums["vector model"] = sharedVec.v.raw
	}
	if v := sharedVectors.v; sharedVectors.err == nil && v != nil {
		sums["word vectors"] = vectorBytes(v)
	}
	if d := sharedData.v; sharedData.err == nil && d != nil {
		sums["dataset"] = datasetBytes(d)
	}
	var errs []error
	for name, b := range sums {
		want, ok := fixtureSums.Load(name)
		if !ok {
			errs = append(errs, fmt.Errorf("shared fixture %s has no recorded checksum", name))
		} else if sha256.Sum256(b) != want.([32]byte) {
			errs = append(errs, fmt.Errorf("a test changed the shared fixture %s (shared fixtures are read-only)", name))
		}
	}
	return errors.Join(errs...)
}

// vectorBytes serialises the words, scales and data of v for checksumming.
func vectorBytes(v *WordVectors) []byte {
	b := make([]byte, 0, len(v.Data)+8*len(v.Words))
	for _, w := range v.Words {
		b = append(b, w...)
		b = append(b, 0)
	}
	for _, x := range v.Scale {
		b = fmt.Appendf(b, "%x,", x)
	}
	for _, x := range v.Data {
		b = append(b, byte(x))
	}
	return b
}

// datasetBytes serialises the texts and labels of d for checksumming.
func datasetBytes(d *Dataset) []byte {
	var b []byte
	for _, split := range [][]Example{d.Train, d.Dev, d.Test} {
		for _, ex := range split {
			b = append(b, ex.Text...)
			for _, l := range ex.Labels {
				b = append(b, byte(l), byte(l>>8))
			}
			b = append(b, 0)
		}
	}
	for _, l := range d.Labels {
		b = append(b, l...)
	}
	for _, e := range d.EkmanOf {
		b = append(b, byte(e))
	}
	return b
}
