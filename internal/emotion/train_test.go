package emotion

import (
	"bytes"
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"
)

// repoData is the GoEmotions copy in the repository.
var repoData = filepath.Join("..", "..", "data", "goemotions")

// smallOptions trains fast: a small hash space and few iterations.
func smallOptions(seed uint64, workers int) TrainOptions {
	o := DefaultTrainOptions()
	o.Seed = seed
	o.Workers = workers
	o.Features.Bits = 16
	o.MaxIter = 5
	// Without the stack, softmax, smoothed thresholds, fixed Ekman mode
	// and retraining on dev and out-of-fold thresholds of the defaults:
	// the tests of those options (stack_test.go, softmax_test.go,
	// devtrain_test.go, oof_test.go) turn them on themselves.
	o.StackLambda, o.Softmax, o.ThresholdBandwidth, o.EkmanMode, o.DevInTrain, o.OOFFolds = 0, 0, 0, "", false, 0
	return o
}

// trainSmall trains on a slice of the data (1500 train, 500 dev texts).
func trainSmall(t testing.TB, seed uint64, workers int) (*Model, []byte) {
	t.Helper()
	r := trainOn(t, slice(loadRepoData(t), 1500, 500), smallOptions(seed, workers))
	return r.m, r.raw
}

// TestTrainDeterministic trains on smallData.
func TestTrainDeterministic(t *testing.T) {
	t.Parallel()
	small := smallData(t)
	a := trainOn(t, small, smallOptions(7, 2)).raw
	b := trainOn(t, small, smallOptions(7, 2)).raw
	if !bytes.Equal(a, b) {
		t.Fatalf("two trainings with seed 7 gave different files (%d and %d bytes)", len(a), len(b))
	}
	c := trainOn(t, small, smallOptions(7, 1)).raw
	if !bytes.Equal(a, c) {
		t.Errorf("training on 1 and 2 workers gave different files (%d and %d bytes)", len(a), len(c))
	}
	d := trainOn(t, small, smallOptions(8, 2)).raw
	if bytes.Equal(a, d) {
		t.Errorf("seeds 7 and 8 gave identical files; the seed is not used")
	}
}

func TestTrainRefusesBadOptions(t *testing.T) {
	d := loadRepoData(t)
	tests := []struct {
		name   string
		modify func(*TrainOptions)
	}{
		{"zero C", func(o *TrainOptions) { o.C = 0 }},
		{"hash space too large", func(o *TrainOptions) { o.Features.Bits = 30 }},
		{"char range inverted", func(o *TrainOptions) { o.Features.CharMin, o.Features.CharMax = 5, 2 }},
		{"no iterations", func(o *TrainOptions) { o.MaxIter = 0 }},
		{"ensemble weight 1", func(o *TrainOptions) { o.Ensemble = 1 }},
		{"class balance above 1", func(o *TrainOptions) { o.PositiveBalance = 2 }},
		{"one out-of-fold fold", func(o *TrainOptions) { o.OOFFolds = 1 }},
		{"eleven out-of-fold folds", func(o *TrainOptions) { o.OOFFolds = 11 }},
		{"negative softmax C", func(o *TrainOptions) { o.Softmax = -1 }},
		{"softmax C NaN", func(o *TrainOptions) { o.Softmax = math.NaN() }},
		{"softmax without the stack", func(o *TrainOptions) { o.StackLambda = 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultTrainOptions()
			tc.modify(&o)
			if _, _, err := Train(context.Background(), d, o); !errors.Is(err, ErrTrain) {
				t.Errorf("Train = %v, want ErrTrain", err)
			}
		})
	}
}

func TestBalance(t *testing.T) {
	y := []bool{true, false, false, false, false} // 1 positive, 4 negatives
	for _, tc := range []struct{ gamma, want float64 }{{0, 1}, {0.5, 2}, {1, 4}} {
		if got := balance(y, tc.gamma); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("balance(1:4, %g) = %g, want %g", tc.gamma, got, tc.want)
		}
	}
	if got := balance([]bool{false, false}, 1); got != 1 {
		t.Errorf("balance with no positive = %g, want 1", got)
	}
}

func TestTrainCancelled(t *testing.T) {
	d := loadRepoData(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Train(ctx, d, smallOptions(1, 2)); !errors.Is(err, context.Canceled) {
		t.Errorf("Train with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestLoadDatasetRefusesMalformed(t *testing.T) {
	tests := []struct {
		name string
		tsv  string
	}{
		{"label id out of range", "text\t28\tabc\n"},
		{"label id not a number", "text\tx\tabc\n"},
		{"missing fields", "just text\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseTSV(bytes.NewReader([]byte(tc.tsv)), 28); !errors.Is(err, ErrDataset) {
				t.Errorf("parseTSV(%q) = %v, want ErrDataset", tc.tsv, err)
			}
		})
	}
	got, err := parseTSV(bytes.NewReader([]byte("a\tb\t1,3,1\tid\n")), 28)
	if err != nil || len(got) != 1 || got[0].Text != "a\tb" || len(got[0].Labels) != 2 {
		t.Errorf("parseTSV with a tab in the text = %+v, %v; want text %q and labels [1 3]", got, err, "a\tb")
	}
}
