package emotion

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
)

// Taxonomy names a label set a Model can predict.
type Taxonomy string

// The taxonomies every model supports.
const (
	// GoEmotions is the 27 GoEmotions emotions plus neutral.
	GoEmotions Taxonomy = "goemotions"
	// Ekman is anger, disgust, fear, joy, sadness, surprise plus neutral.
	Ekman Taxonomy = "ekman"
)

// ErrTaxonomy reports an unknown taxonomy name.
var ErrTaxonomy = errors.New("emotion: unknown taxonomy")

// ParseTaxonomy returns the taxonomy named s. The empty string means the
// default, GoEmotions; any other name than "goemotions" or "ekman" is an
// error wrapping ErrTaxonomy.
func ParseTaxonomy(s string) (Taxonomy, error) {
	switch Taxonomy(s) {
	case "", GoEmotions:
		return GoEmotions, nil
	case Ekman:
		return Ekman, nil
	}
	return "", fmt.Errorf("%w %q (want goemotions or ekman)", ErrTaxonomy, s)
}

// Score is one emotion with its calibrated probability.
type Score struct {
	Emotion    string  `json:"emotion"`
	Confidence float64 `json:"confidence"`
}

// Prediction is what a Model says about one text.
type Prediction struct {
	// Emotions are the emotions decided on, sorted by confidence
	// (descending); never empty.
	Emotions []Score `json:"emotions"`
	// Primary is the primary emotion: the most likely label, Emotions[0],
	// unless the model has a PrimaryRule (see PrimaryRule), which may
	// choose another label, even one below its threshold and so absent
	// from Emotions.
	Primary string `json:"primary_emotion"`
	// Confidence is the calibrated probability of Primary.
	Confidence float64 `json:"confidence"`
}

// Ekman modes: how the Ekman probabilities are produced.
const (
	ekmanOwn     = "own"      // seven outputs trained on Ekman labels
	ekmanNoisyOr = "noisy-or" // 1-Π(1-p) over member labels, recalibrated
	ekmanMax     = "max"      // max over member labels, recalibrated
	ekmanBlend   = "blend"    // mean of the own logit and the noisy-or logit, recalibrated
)

// maxOutputs bounds the number of weight columns (28 + 7).
const maxOutputs = 35

// maxWords is the most uint64 words a packed row has, maxPacked the most
// weights they hold.
const (
	maxWords  = (maxOutputs + 7) / 8
	maxPacked = maxWords * 8
)

// Model is a trained emotion classifier. It is immutable once loaded and
// safe for concurrent use.
type Model struct {
	h        header
	index    []int32  // bucket -> row, -1 when the bucket has no weights
	packed   []uint64 // rows × stride words of biased weights (see pack)
	stride   int      // words per row: ceil(h.Outputs / 8)
	checksum [32]byte
	version  string // Version's answer, built once when loaded
	size     int
	scratch  sync.Pool // *scratch
	// vt and dense are the word-vector block (nil in models without one):
	// the vectors and the weights of the pooled features (features ×
	// outputs, row-major, standardisation folded in).
	vt    *vecTable
	dense []float32
	// neutral and ekNeutral are the index of "neutral" in each taxonomy.
	neutral, ekNeutral int
}

// scratch is the per-call working memory Predict borrows from the pool.
type scratch struct {
	f      featureBuf
	logits [maxOutputs]float64
	probs  [maxOutputs]float64
	order  [maxOutputs]int
	pooled [maxDense]float32
}

// Version returns the model's name and release with a short checksum, for
// example "goemo-linear-2026.11.1+1a2b3c4d".
func (m *Model) Version() string { return m.version }

// Checksum returns the hexadecimal SHA-256 of the model file.
func (m *Model) Checksum() string { return fmt.Sprintf("%x", m.checksum) }

// Size returns the size of the model file in bytes.
func (m *Model) Size() int { return m.size }

// Labels returns the labels of tax in output order (a fresh slice).
func (m *Model) Labels(tax Taxonomy) []string {
	if tax == Ekman {
		return slices.Clone(m.h.EkmanLabels)
	}
	return slices.Clone(m.h.Labels)
}

// Thresholds returns the tuned decision threshold of each label of tax, in
// the order of Labels.
func (m *Model) Thresholds(tax Taxonomy) []float64 {
	if tax == Ekman {
		return slices.Clone(m.h.EkmanThresholds)
	}
	return slices.Clone(m.h.Thresholds)
}

// EkmanMode says how Ekman probabilities are computed: "own" (a head
// trained on Ekman labels), "noisy-or" or "max" (from the 28 GoEmotions
// probabilities), or "blend"; each recalibrated on dev.
func (m *Model) EkmanMode() string { return m.h.EkmanMode }

// PrimaryRule returns a copy of the model's primary-emotion rule, or nil
// when the primary emotion is the most probable label.
func (m *Model) PrimaryRule() *PrimaryRule {
	if m.h.Primary == nil {
		return nil
	}
	r := *m.h.Primary
	r.Prior, r.EkmanPrior = slices.Clone(r.Prior), slices.Clone(r.EkmanPrior)
	return &r
}

// WordVectors returns the source and vocabulary size of the model's word
// vectors ("", 0 without them).
func (m *Model) WordVectors() (source string, words int) {
	if m.h.Dense == nil {
		return "", 0
	}
	return m.h.Dense.Source, m.h.Dense.Words
}

// Info returns the training metadata recorded in the model file.
func (m *Model) Info() TrainInfo { return m.h.Train }

func (m *Model) getScratch() *scratch {
	if s, ok := m.scratch.Get().(*scratch); ok {
		return s
	}
	return &scratch{}
}

// logits computes the raw linear score of every output for text into s.
func (m *Model) logits(s *scratch, text string) {
	s.f.extract(text, m.h.Features, m.vt)
	k := m.h.Outputs
	var accW, accC [maxPacked]int32
	m.sumRows(s.f.word, &accW)
	m.sumRows(s.f.char, &accC)
	var fw, fc float64
	if n := len(s.f.word); n > 0 {
		fw = m.h.Features.WordWeight / math.Sqrt(float64(n))
	}
	if n := len(s.f.char); n > 0 {
		fc = m.h.Features.CharWeight / math.Sqrt(float64(n))
	}
	for j := 0; j < k; j++ {
		s.logits[j] = m.h.Bias[j] + m.h.Scale[j]*(fw*float64(accW[j])+fc*float64(accC[j]))
	}
	if m.vt != nil {
		x := s.pooled[:m.vt.info.features()]
		m.vt.pool(&s.f, x)
		addDense(m.dense, x, k, s.logits[:k])
	}
}

// probabilities fills s.probs[:len(labels of tax)] with calibrated
// probabilities, from s.logits.
func (m *Model) probabilities(s *scratch, tax Taxonomy) int {
	n := len(m.h.Labels)
	for j := 0; j < n; j++ {
		s.probs[j] = platt(m.h.Calibration[j], s.logits[j])
	}
	if tax != Ekman {
		return n
	}
	ne := len(m.h.EkmanLabels)
	var raw [maxOutputs]float64
	ekmanScores(m.h.EkmanMode, m.h.EkmanOf, s.logits[:], s.probs[:n], raw[:ne])
	for e := 0; e < ne; e++ {
		s.probs[e] = platt(m.h.EkmanCalibration[e], raw[e])
	}
	return ne
}

// ekmanScores computes the uncalibrated Ekman score (a logit) of each
// Ekman label, in the given mode, from the output logits (the Ekman outputs
// follow the len(ekmanOf) GoEmotions ones) and the calibrated GoEmotions
// probabilities.
func ekmanScores(mode string, ekmanOf []int, logits, probs, dst []float64) {
	nl := len(ekmanOf)
	switch mode {
	case ekmanOwn:
		copy(dst, logits[nl:nl+len(dst)])
	case ekmanMax:
		for e := range dst {
			dst[e] = 0
		}
		for g, e := range ekmanOf {
			dst[e] = max(dst[e], probs[g])
		}
		for e := range dst {
			dst[e] = logit(dst[e])
		}
	default: // noisy-or and blend
		for e := range dst {
			dst[e] = 1
		}
		for g, e := range ekmanOf {
			dst[e] *= 1 - probs[g]
		}
		for e := range dst {
			dst[e] = logit(1 - dst[e])
		}
		if mode == ekmanBlend {
			for e := range dst {
				dst[e] = (dst[e] + logits[nl+e]) / 2
			}
		}
	}
}

// pack stores int8 weights (rows × outputs) eight to a uint64, each as the
// byte w+128, with rows padded to whole words (padding bytes hold weight 0).
func pack(weights []int8, outputs int) ([]uint64, int) {
	stride := (outputs + 7) / 8
	rows := len(weights) / outputs
	p := make([]uint64, rows*stride)
	for r := 0; r < rows; r++ {
		for j := 0; j < stride*8; j++ {
			b := uint64(0x80)
			if j < outputs {
				b = uint64(uint8(weights[r*outputs+j]) ^ 0x80)
			}
			p[r*stride+j/8] |= b << (8 * (j % 8))
		}
	}
	return p, stride
}

// sumRows adds to acc the weights of the rows of the buckets in ids. It
// adds the biased bytes of a row in parallel, four 16-bit lanes per uint64
// (even bytes in lo, odd bytes in hi), and flushes the lanes into acc
// before they can overflow (255 rows × 255), removing the bias of 128.
func (m *Model) sumRows(ids []uint32, acc *[maxPacked]int32) {
	const mask = 0x00FF00FF00FF00FF
	var lo, hi [maxWords]uint64
	w := m.stride
	n := 0
	for _, b := range ids {
		r := m.index[b]
		if r < 0 {
			continue
		}
		row := m.packed[int(r)*w : int(r)*w+w]
		l, h := lo[:len(row)], hi[:len(row)]
		for i, x := range row {
			l[i] += x & mask
			h[i] += (x >> 8) & mask
		}
		if n++; n == 255 {
			flushLanes(&lo, &hi, w, n, acc)
			n = 0
		}
	}
	flushLanes(&lo, &hi, w, n, acc)
}

// flushLanes adds the lane sums of n rows to acc and clears them.
func flushLanes(lo, hi *[maxWords]uint64, words, n int, acc *[maxPacked]int32) {
	if n == 0 {
		return
	}
	bias := int32(128 * n)
	for i := 0; i < words; i++ {
		for lane := 0; lane < 4; lane++ {
			acc[i*8+2*lane] += int32((lo[i]>>(16*lane))&0xFFFF) - bias
			acc[i*8+2*lane+1] += int32((hi[i]>>(16*lane))&0xFFFF) - bias
		}
		lo[i], hi[i] = 0, 0
	}
}

// Predict returns the emotions of text in taxonomy tax (anything but Ekman
// means GoEmotions). With a nil threshold each label uses its threshold
// tuned on dev; otherwise the labels with confidence ≥ *threshold (clamped
// to [0, 1]; NaN means nil). The most likely label is always included.
func (m *Model) Predict(text string, tax Taxonomy, threshold *float64) Prediction {
	s := m.getScratch()
	defer m.scratch.Put(s)
	m.logits(s, text)
	n := m.probabilities(s, tax)
	thresholds := m.h.Thresholds
	if tax == Ekman {
		thresholds = m.h.EkmanThresholds
	}
	fixed := math.NaN()
	if threshold != nil && !math.IsNaN(*threshold) {
		fixed = min(max(*threshold, 0), 1)
	}
	// Order labels by probability, then by label order.
	order := s.order[:n]
	for i := range order {
		order[i] = i
	}
	for i := 1; i < n; i++ { // insertion sort: n ≤ 35, no allocation
		for j := i; j > 0 && s.probs[order[j]] > s.probs[order[j-1]]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	primary := m.primary(s.probs[:n], tax)
	count := 0
	for _, l := range order {
		t := fixed
		if math.IsNaN(t) {
			t = thresholds[l]
		}
		if l == order[0] || s.probs[l] >= t {
			count++
		}
	}
	labels := m.h.Labels
	if tax == Ekman {
		labels = m.h.EkmanLabels
	}
	out := make([]Score, 0, count)
	for _, l := range order {
		t := fixed
		if math.IsNaN(t) {
			t = thresholds[l]
		}
		if l == order[0] || s.probs[l] >= t {
			out = append(out, Score{Emotion: labels[l], Confidence: s.probs[l]})
		}
	}
	return Prediction{Emotions: out, Primary: labels[primary], Confidence: s.probs[primary]}
}

// decide is Predict's decision rule on precomputed probabilities, used by
// evaluation: it sets pred[l] for every decided label.
func decide(probs []float64, thresholds []float64, fixed float64, pred []bool) {
	best := 0
	for l, p := range probs {
		t := fixed
		if math.IsNaN(t) {
			t = thresholds[l]
		}
		pred[l] = p >= t
		if p > probs[best] {
			best = l
		}
	}
	pred[best] = true
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// logit is the inverse of sigmoid, clamped away from ±Inf.
func logit(p float64) float64 {
	const eps = 1e-7
	p = min(max(p, eps), 1-eps)
	return math.Log(p / (1 - p))
}

func platt(c [2]float64, z float64) float64 { return sigmoid(c[0]*z + c[1]) }

// ErrLabels reports a dataset whose labels or Ekman mapping differ from a
// model's.
var ErrLabels = errors.New("emotion: dataset labels do not match the model")

// CheckDataset returns an error wrapping ErrLabels unless d uses the
// model's labels and Ekman mapping, so its examples can be scored.
func (m *Model) CheckDataset(d *Dataset) error {
	if !slices.Equal(d.Labels, m.h.Labels) || !slices.Equal(d.EkmanOf, m.h.EkmanOf) {
		return ErrLabels
	}
	return nil
}
