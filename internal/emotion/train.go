package emotion

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
)

// Name and Release identify models produced by this trainer.
const (
	modelName    = "goemo-linear"
	modelRelease = "2026.12.7"
)

// ErrTrain reports training options or data that cannot produce a model.
var ErrTrain = errors.New("emotion: cannot train")

// TrainOptions are the training hyper-parameters. DefaultTrainOptions
// returns the values tuned on the dev split.
type TrainOptions struct {
	// Seed fixes the coordinate-descent visiting order; equal seeds and
	// data give byte-identical model files.
	Seed     uint64
	Features FeatureConfig
	// MinDF drops features seen in fewer training texts.
	MinDF int
	// C is the inverse L2 regularisation of the GoEmotions outputs, EkmanC
	// that of the Ekman outputs.
	C, EkmanC float64
	// PositiveWeight multiplies C for positive examples.
	PositiveWeight float64
	// PositiveBalance, when > 0, also multiplies each output's C for
	// positive examples by (negatives/positives)^PositiveBalance, so rare
	// labels weigh more (0: no class weighting).
	PositiveBalance float64
	// NBAlpha smooths the Naive-Bayes ratios that scale the features.
	NBAlpha float64
	// Epsilon and MaxIter stop the dual coordinate descent.
	Epsilon float64
	MaxIter int
	// Vectors, when set, adds the mean- and max-pooled word vectors of a
	// text as dense features (plus the mean of the negated words when
	// Features.Negation is set), each standardised on train and multiplied
	// by VectorWeight. The vectors are stored in the model file.
	Vectors      *WordVectors
	VectorWeight float64
	// Lexicon, when set with Vectors, adds a token per lexicon class to the
	// words whose vector is close to the class's seeds (see LexiconClass):
	// cosine to the prototype ≥ LexThreshold and ahead of every other
	// class by LexMargin.
	Lexicon      []LexiconClass
	LexThreshold float64
	LexMargin    float64
	// Clusters, when > 0 with Vectors, adds to each word with a vector the
	// token of its word cluster (k-means of the vectors into Clusters
	// clusters).
	Clusters int
	// Ensemble, when in (0, 1) with Vectors, also trains the model without
	// the pooled vectors (same sparse features) and averages the two
	// linear models: weights and biases are Ensemble × the sparse-only
	// model's plus (1 − Ensemble) × the full model's. The result is one
	// linear model, as fast as the full one.
	Ensemble float64
	// StackLambda, when > 0, refits each GoEmotions label's score on dev
	// as a logistic regression over the scores of all outputs (label
	// co-occurrence), with this L2 penalty on the other outputs'
	// coefficients, and folds it into the label's weights (see stack.go).
	// The default model uses 1,000 (docs/model.md).
	StackLambda float64
	// ThresholdBandwidth, when > 0, tunes the GoEmotions thresholds on a
	// smoothed F1 curve with this bandwidth in logit space
	// (tuneThresholdSmooth) instead of the exact dev F1 (0.25 in the
	// default model).
	ThresholdBandwidth float64
	// EkmanMode, when not empty, fixes how Ekman probabilities are made
	// ("own", "noisy-or", "max" or "blend"; see Model.EkmanMode) instead of
	// taking the mode with the best dev macro-F1. With stacked GoEmotions
	// outputs "blend" wins on dev by 0.005 but loses 4 points on the
	// journal set, so a stacked model wants "own" (docs/model.md).
	EkmanMode string
	// Primary is the primary-emotion rule recorded in the model (nil: the
	// most probable label).
	Primary *PrimaryRule
	// DevInTrain, when set, trains the shipped weights on train + dev:
	// the model is first trained on train alone, and its stack (with
	// StackLambda), calibration, thresholds and Ekman mode, fitted on dev,
	// are then applied to the same recipe trained on train + dev
	// (docs/model.md). Training costs twice as much.
	DevInTrain bool
	// Softmax, when > 0 with StackLambda, also solves a softmax (a
	// multinomial logistic regression) over the same features with this
	// C and adds its logits to the inputs of every GoEmotions label's
	// stack (softmax.go); it is folded into the labels' weights and not
	// stored. Not with Clusters. Training costs about one more solve of
	// every fit but the train + dev one.
	Softmax float64
	// OOFFolds, when > 0 (2 to 10), tunes the GoEmotions thresholds on
	// out-of-fold scores of train as well as on dev: the recipe is also
	// trained OOFFolds times, each time on all folds of train but one,
	// which it scores (oof.go, docs/model.md). The stack, the Platt
	// scalings and the Ekman outputs do not change. Training costs about
	// one more train solve per fold.
	OOFFolds int
	// Workers is the number of goroutines (0: GOMAXPROCS).
	Workers int
	// Progress, when set, receives one line per training step.
	Progress func(msg string)
}

// DefaultTrainOptions returns the options the embedded model was trained
// with, except Vectors, which the caller loads (LoadWordVectors on
// data/wordvectors/glove-6b-100d-subset.vec.gz).
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{
		Seed:               1,
		Features:           FeatureConfig{Bits: 20, CharMin: 2, CharMax: 5, WordWeight: 1, CharWeight: 1, Negation: true},
		MinDF:              2,
		C:                  1,
		EkmanC:             1,
		PositiveWeight:     1,
		NBAlpha:            1,
		Epsilon:            0.1,
		MaxIter:            50,
		VectorWeight:       0.15,
		Lexicon:            DefaultLexicon(),
		LexThreshold:       0.6,
		LexMargin:          0.06,
		Ensemble:           0.5,
		StackLambda:        1000,
		Softmax:            4,
		ThresholdBandwidth: 0.25,
		EkmanMode:          ekmanOwn,
		DevInTrain:         true,
		OOFFolds:           2,
		Primary:            &PrimaryRule{Shift: 0.75, NeutralOffset: -1, EkmanShift: 0.85, EkmanNeutralOffset: -1.5},
	}
}

// TrainInfo is the training metadata recorded in a model file.
type TrainInfo struct {
	Seed           uint64  `json:"seed"`
	MinDF          int     `json:"min_df"`
	C              float64 `json:"c"`
	EkmanC         float64 `json:"ekman_c"`
	PositiveWeight float64 `json:"positive_weight"`
	NBAlpha        float64 `json:"nb_alpha"`
	Epsilon        float64 `json:"epsilon"`
	MaxIter        int     `json:"max_iter"`
	TrainExamples  int     `json:"train_examples"`
	DevExamples    int     `json:"dev_examples"`
	Features       int     `json:"features"`
	// DevMacroF1 and DevEkmanMacroF1 are measured on dev, which also fit
	// the calibration and thresholds: optimistic, for comparison only.
	DevMacroF1      float64 `json:"dev_macro_f1"`
	DevEkmanMacroF1 float64 `json:"dev_ekman_macro_f1"`
	// EkmanCandidates is the dev macro-F1 of each Ekman mode tried.
	EkmanCandidates map[string]float64 `json:"ekman_candidates"`
	// VectorWeight is TrainOptions.VectorWeight (0 without word vectors).
	VectorWeight float64 `json:"vector_weight,omitempty"`
	// StackLambda and ThresholdBandwidth are the TrainOptions fields of
	// the same names (format version 4; 0: not used).
	StackLambda        float64 `json:"stack_lambda,omitempty"`
	ThresholdBandwidth float64 `json:"threshold_bandwidth,omitempty"`
	// DevInTrain is TrainOptions.DevInTrain (format version 5): the
	// weights were trained on train + dev (TrainExamples counts both).
	DevInTrain bool `json:"dev_in_train,omitempty"`
	// OOFFolds is TrainOptions.OOFFolds (format version 7; 0: thresholds
	// tuned on dev alone).
	OOFFolds int `json:"oof_folds,omitempty"`
	// Softmax is TrainOptions.Softmax (format version 8; 0: none).
	Softmax float64 `json:"softmax_c,omitempty"`
}

func (o TrainOptions) validate() error {
	switch {
	case !o.Features.validate():
		return fmt.Errorf("%w: bad feature config %+v", ErrTrain, o.Features)
	case o.MinDF < 1 || o.C <= 0 || o.EkmanC <= 0 || o.PositiveWeight <= 0 || o.NBAlpha <= 0:
		return fmt.Errorf("%w: MinDF, C, EkmanC, PositiveWeight and NBAlpha must be positive", ErrTrain)
	case o.Epsilon <= 0 || o.MaxIter < 1:
		return fmt.Errorf("%w: Epsilon and MaxIter must be positive", ErrTrain)
	case o.Vectors != nil && !(o.VectorWeight > 0 && o.VectorWeight <= 100):
		return fmt.Errorf("%w: VectorWeight must be in (0, 100] with word vectors", ErrTrain)
	case !(o.PositiveBalance >= 0 && o.PositiveBalance <= 1):
		return fmt.Errorf("%w: PositiveBalance must be in [0, 1]", ErrTrain)
	case o.EkmanMode != "" && o.EkmanMode != ekmanOwn && o.EkmanMode != ekmanNoisyOr && o.EkmanMode != ekmanMax && o.EkmanMode != ekmanBlend:
		return fmt.Errorf("%w: unknown EkmanMode %q", ErrTrain, o.EkmanMode)
	case !(o.StackLambda >= 0 && o.StackLambda <= 1e6) || !(o.ThresholdBandwidth >= 0 && o.ThresholdBandwidth <= 5):
		return fmt.Errorf("%w: StackLambda must be in [0, 1e6] and ThresholdBandwidth in [0, 5]", ErrTrain)
	case o.Clusters < 0 || o.Clusters > maxClusters || (o.Clusters > 0 && o.Vectors == nil):
		return fmt.Errorf("%w: Clusters must be in [0, %d] and needs word vectors", ErrTrain, maxClusters)
	case !(o.Softmax >= 0 && o.Softmax <= 1e6) || (o.Softmax > 0 && (o.StackLambda == 0 || o.Clusters > 0)):
		return fmt.Errorf("%w: Softmax must be in [0, 1e6], and needs StackLambda and no Clusters", ErrTrain)
	case o.OOFFolds != 0 && (o.OOFFolds < 2 || o.OOFFolds > 10):
		return fmt.Errorf("%w: OOFFolds must be 0 or in [2, 10]", ErrTrain)
	case !(o.Ensemble >= 0 && o.Ensemble < 1):
		return fmt.Errorf("%w: Ensemble must be in [0, 1)", ErrTrain)
	case o.Vectors != nil && len(o.Lexicon) > 0 && !(&denseInfo{Lexicon: o.Lexicon, LexThreshold: o.LexThreshold, LexMargin: o.LexMargin}).validLexicon():
		return fmt.Errorf("%w: bad lexicon (at most %d classes with seeds, threshold in (0, 1], margin in [0, 1])", ErrTrain, maxLexClasses)
	case o.Primary != nil && !(o.Primary.Shift >= 0 && o.Primary.Shift <= 1 && o.Primary.EkmanShift >= 0 && o.Primary.EkmanShift <= 1 &&
		math.Abs(o.Primary.NeutralOffset) <= 10 && math.Abs(o.Primary.EkmanNeutralOffset) <= 10):
		return fmt.Errorf("%w: bad primary rule %+v", ErrTrain, *o.Primary)
	}
	return nil
}

func (o TrainOptions) progress(format string, a ...any) {
	if o.Progress != nil {
		o.Progress(fmt.Sprintf(format, a...))
	}
}

// doc is one text's features: sorted distinct buckets and their values.
type doc struct {
	ids  []uint32
	vals []float32
}

// featurize computes the features of every example on all workers, and
// with vt the pooled word vectors of each.
func featurize(examples []Example, c FeatureConfig, vt *vecTable, workers int) ([]doc, [][]float32) {
	out := make([]doc, len(examples))
	var pooled [][]float32
	if vt != nil {
		pooled = make([][]float32, len(examples))
	}
	parallel(workers, len(examples), func(i int, f *featureBuf) {
		f.extract(examples[i].Text, c, vt)
		out[i] = mergeFeatures(f, c)
		if vt != nil {
			pooled[i] = make([]float32, vt.info.features())
			vt.pool(f, pooled[i])
		}
	})
	return out, pooled
}

// standardize returns the mean and standard deviation of each pooled
// feature and replaces each value x by weight·(x − mean)/sd.
func standardize(pooled [][]float32, weight float64) (mean, sd []float64) {
	if len(pooled) == 0 {
		return nil, nil
	}
	nf := len(pooled[0])
	mean, sd = make([]float64, nf), make([]float64, nf)
	for _, p := range pooled {
		for f, x := range p {
			mean[f] += float64(x)
		}
	}
	for f := range mean {
		mean[f] /= float64(len(pooled))
	}
	for _, p := range pooled {
		for f, x := range p {
			d := float64(x) - mean[f]
			sd[f] += d * d
		}
	}
	for f := range sd {
		sd[f] = max(math.Sqrt(sd[f]/float64(len(pooled))), 1e-6)
	}
	for _, p := range pooled {
		for f, x := range p {
			p[f] = float32(weight * (float64(x) - mean[f]) / sd[f])
		}
	}
	return mean, sd
}

// parallel runs fn(i) for i in [0,n) on workers goroutines, each with its
// own feature buffer. Results must be written by index.
func parallel(workers, n int, fn func(i int, f *featureBuf)) {
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var f featureBuf
			for i := w; i < n; i += workers {
				fn(i, &f)
			}
		}(w)
	}
	wg.Wait()
}

// mergeFeatures turns the extracted occurrences into a doc whose values
// equal what Predict accumulates: each word-block occurrence weighs
// WordWeight/√(word occurrences), each char one CharWeight/√(char ones).
func mergeFeatures(f *featureBuf, c FeatureConfig) doc {
	type kv struct {
		id uint32
		v  float64
	}
	all := make([]kv, 0, len(f.word)+len(f.char))
	if n := len(f.word); n > 0 {
		v := c.WordWeight / math.Sqrt(float64(n))
		for _, id := range f.word {
			all = append(all, kv{id, v})
		}
	}
	if n := len(f.char); n > 0 {
		v := c.CharWeight / math.Sqrt(float64(n))
		for _, id := range f.char {
			all = append(all, kv{id, v})
		}
	}
	slices.SortStableFunc(all, func(a, b kv) int { return int(int64(a.id) - int64(b.id)) })
	var d doc
	for _, e := range all {
		if k := len(d.ids); k > 0 && d.ids[k-1] == e.id {
			d.vals[k-1] += float32(e.v)
			continue
		}
		d.ids = append(d.ids, e.id)
		d.vals = append(d.vals, float32(e.v))
	}
	return d
}

// buildMatrix keeps the buckets seen in at least minDF docs, numbers them
// in bucket order and returns the train matrix and the bucket of each
// column; the dense features of each doc (if any) follow as the last
// columns.
func buildMatrix(docs []doc, dense [][]float32, bits, minDF int) (*csr, []uint32) {
	return buildMatrixClusters(docs, nil, dense, bits, minDF)
}

// buildMatrixClusters is buildMatrix with the cluster counts of each doc
// (if any; zeros left out) as columns between the buckets and the dense
// features.
func buildMatrixClusters(docs []doc, clus, dense [][]float32, bits, minDF int) (*csr, []uint32) {
	df := make([]int32, 1<<bits)
	for _, d := range docs {
		for _, id := range d.ids {
			df[id]++
		}
	}
	colOf := make([]int32, 1<<bits)
	var buckets []uint32
	for b, n := range df {
		colOf[b] = -1
		if int(n) >= minDF {
			colOf[b] = int32(len(buckets))
			buckets = append(buckets, uint32(b))
		}
	}
	nd, nc := 0, 0
	if len(dense) > 0 {
		nd = len(dense[0])
	}
	if len(clus) > 0 {
		nc = len(clus[0])
	}
	x := &csr{ptr: make([]int, 1, len(docs)+1), nCols: len(buckets) + nc + nd}
	for i, d := range docs {
		for k, id := range d.ids {
			if c := colOf[id]; c >= 0 {
				x.col = append(x.col, c)
				x.val = append(x.val, d.vals[k])
			}
		}
		if nc > 0 {
			for f, v := range clus[i] {
				if v != 0 {
					x.col = append(x.col, int32(len(buckets)+f))
					x.val = append(x.val, v)
				}
			}
		}
		if nd > 0 {
			for f, v := range dense[i] {
				x.col = append(x.col, int32(len(buckets)+nc+f))
				x.val = append(x.val, v)
			}
		}
		x.ptr = append(x.ptr, len(x.col))
	}
	return x, buckets
}

// targets returns, for each output (28 GoEmotions labels then the Ekman
// labels), which training examples are positive.
func targets(examples []Example, d *Dataset) [][]bool {
	nl, ne := len(d.Labels), len(ekmanLabels)
	y := make([][]bool, nl+ne)
	for o := range y {
		y[o] = make([]bool, len(examples))
	}
	for i, ex := range examples {
		for _, g := range ex.Labels {
			y[g][i] = true
			y[nl+d.EkmanOf[g]][i] = true
		}
	}
	return y
}

// Train fits a model on d.Train, calibrates it and tunes its thresholds
// on d.Dev, and returns it with its encoded file. The test split is not
// read.
func Train(ctx context.Context, d *Dataset, o TrainOptions) (*Model, []byte, error) {
	if err := o.validate(); err != nil {
		return nil, nil, err
	}
	if len(d.Train) == 0 || len(d.Dev) == 0 || len(d.Labels)+len(ekmanLabels) > maxOutputs || len(d.EkmanOf) != len(d.Labels) {
		return nil, nil, fmt.Errorf("%w: need train and dev examples and at most %d labels", ErrTrain, maxOutputs-len(ekmanLabels))
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var vt *vecTable
	var hashes []uint64
	if o.Vectors != nil {
		var err error
		if vt, hashes, err = tableOf(o.Vectors, o.Features.Negation, o); err != nil {
			return nil, nil, err
		}
	}
	a, err := fitLinear(ctx, d.Train, d, vt, hashes, o, workers, "", nil, 0)
	if err != nil {
		return nil, nil, err
	}
	nl := len(d.Labels)
	h := header{
		Name: modelName, Release: modelRelease, Features: o.Features,
		Labels: slices.Clone(d.Labels), EkmanLabels: slices.Clone(ekmanLabels[:]), EkmanOf: slices.Clone(d.EkmanOf),
		EkmanMode: ekmanOwn, Bias: a.bias,
		Train: TrainInfo{Seed: o.Seed, MinDF: o.MinDF, C: o.C, EkmanC: o.EkmanC, PositiveWeight: o.PositiveWeight,
			NBAlpha: o.NBAlpha, Epsilon: o.Epsilon, MaxIter: o.MaxIter, TrainExamples: len(d.Train), DevExamples: len(d.Dev)},
	}
	if vt != nil && o.Ensemble > 0 {
		h.Ensemble = &EnsembleInfo{SparseWeight: o.Ensemble}
	}
	if o.Primary != nil {
		r := *o.Primary
		r.Prior = labelPriors(d.Train, d.EkmanOf, nl, GoEmotions)
		r.EkmanPrior = labelPriors(d.Train, d.EkmanOf, len(ekmanLabels), Ekman)
		h.Primary = &r
	}
	if vt != nil {
		info := vt.info
		h.Dense = &info
		h.Train.VectorWeight = o.VectorWeight
	}
	q, err := a.quantize()
	if err != nil {
		return nil, nil, err
	}
	var stack [][]float64
	if o.StackLambda > 0 {
		var soft [][]float64
		if a.soft != nil {
			soft = a.soft.logits(d.Dev, a.buckets, o, vt, workers)
			h.Train.Softmax = o.Softmax
		}
		if stack, err = stackCoefs(&h, q, d, o.StackLambda, workers, soft); err != nil {
			return nil, nil, err
		}
		a.stack(stack, nl)
		if q, err = a.quantize(); err != nil {
			return nil, nil, err
		}
		h.Train.StackLambda = o.StackLambda
		o.progress("stacked the %d GoEmotions outputs on dev (lambda %g)", nl, o.StackLambda)
	}
	h.Train.ThresholdBandwidth = o.ThresholdBandwidth
	oof, err := newOOFSet(ctx, d, vt, hashes, o, workers, &h, stack)
	if err != nil {
		return nil, nil, err
	}
	if err := calibrate(&h, q, d, workers, o.EkmanMode, oof); err != nil {
		return nil, nil, err
	}
	o.progress("dev (in-sample) macro-F1: goemotions %.4f, ekman %.4f (%s); ekman candidates %v",
		h.Train.DevMacroF1, h.Train.DevEkmanMacroF1, h.EkmanMode, h.Train.EkmanCandidates)
	if o.DevInTrain {
		// The shipped GoEmotions weights: the same recipe on train + dev,
		// warm-started from the solve above, with the stack, calibration
		// and thresholds fitted above on dev. The Ekman outputs stay those
		// trained on train (the Ekman mode and the journal rule were chosen
		// with them), so their scores do not change.
		all := append(slices.Clip(d.Train), d.Dev...)
		b, err := fitLinear(ctx, all, d, vt, hashes, o, workers, " (train+dev)", a.duals, nl)
		if err != nil {
			return nil, nil, err
		}
		m := mergeFits(b, a)
		if stack != nil {
			m.stack(stack, nl)
		}
		if q, err = m.quantize(); err != nil {
			return nil, nil, err
		}
		h.Bias = m.bias
		h.Train.DevInTrain = true
		h.Train.TrainExamples = len(all)
	}
	if h.EkmanMode == ekmanNoisyOr || h.EkmanMode == ekmanMax {
		q = q.keepOutputs(nl)
		h.Bias = h.Bias[:nl]
	}
	return q.finish(&h)
}
