package emotion

import (
	"fmt"
	"math"
)

// denseInfo describes the word-vector block of a model file: the
// vocabulary (stored as word hashes), the int8 vectors with one scale per
// dimension, and the pooled features the model reads from them.
type denseInfo struct {
	// Source names the vectors (see WordVectors.Source).
	Source string `json:"source"`
	Dims   int    `json:"dims"`
	Words  int    `json:"words"`
	// Scale is the value of one int8 step in each dimension.
	Scale []float32 `json:"scale"`
	// NegPool adds a third block: the mean vector of the negated words,
	// which are then left out of the mean and max blocks.
	NegPool bool `json:"neg_pool"`
	// Lexicon (format version 3) is the seed lexicon: each vocabulary word
	// whose vector is close to one class prototype (see lexiconMasks) adds
	// that class's token to the word features. Nil: no lexicon.
	Lexicon      []LexiconClass `json:"lexicon,omitempty"`
	LexThreshold float64        `json:"lex_threshold,omitempty"`
	LexMargin    float64        `json:"lex_margin,omitempty"`
	// Clusters (format version 6), when > 0, is the number of word
	// clusters (k-means of the vectors, see wordClusters): the pooled
	// features end with 2 × Clusters counts of the text's words per
	// cluster (non-negated, then negated words) divided by √(words with a
	// vector). Only the GoEmotions outputs have weights on them.
	Clusters int `json:"clusters,omitempty"`
}

// features is the number of pooled features: mean and max over the words
// with a vector, plus the negated-words mean when NegPool is set.
func (d *denseInfo) features() int {
	return d.vecFeatures() + 2*d.Clusters
}

// vecFeatures is the number of pooled vector features (without the
// cluster counts).
func (d *denseInfo) vecFeatures() int {
	if d.NegPool {
		return 3 * d.Dims
	}
	return 2 * d.Dims
}

// maxDims bounds the vector dimensions a model may use, maxDense its
// pooled features.
const (
	maxDims     = 512
	maxClusters = 4096
	maxDense    = 3*maxDims + 2*maxClusters
)

func (d *denseInfo) validate() bool {
	if d.Dims < 1 || d.Dims > maxDims || d.Words < 1 || d.Words > maxVectorWords || len(d.Scale) != d.Dims || d.Clusters < 0 || d.Clusters > maxClusters {
		return false
	}
	for _, s := range d.Scale {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return false
		}
	}
	return d.validLexicon()
}

// vecTable is the in-memory word-vector block of a model.
type vecTable struct {
	info  denseInfo
	index map[uint64]int32 // word hash -> row
	data  []int8           // rows × Dims
	// lex is the lexicon class mask of each row (nil without a lexicon),
	// lexHash the hash of each class's token.
	lex     []uint16
	lexHash []uint64
	// cluster is the word cluster of each row (nil without clusters).
	cluster []uint16
}

// newVecTable builds the lookup table; hashes must be distinct. lex is the
// lexicon mask of each word (nil without a lexicon; computed by
// lexiconMasks when training).
func newVecTable(info denseInfo, hashes []uint64, data []int8, lex []uint16) (*vecTable, error) {
	if len(hashes) != info.Words || len(data) != info.Words*info.Dims {
		return nil, fmt.Errorf("%w: word vectors: %d words, %d values for %d × %d", ErrCorrupt, len(hashes), len(data), info.Words, info.Dims)
	}
	t := &vecTable{info: info, index: make(map[uint64]int32, len(hashes)), data: data}
	for r, h := range hashes {
		if _, dup := t.index[h]; dup {
			return nil, fmt.Errorf("%w: word vectors: duplicate word hash", ErrCorrupt)
		}
		t.index[h] = int32(r)
	}
	if (len(info.Lexicon) > 0) != (lex != nil) || (lex != nil && len(lex) != info.Words) {
		return nil, fmt.Errorf("%w: word vectors: lexicon masks", ErrCorrupt)
	}
	if lex != nil {
		t.lex = lex
		for _, m := range lex {
			if m>>len(info.Lexicon) != 0 {
				return nil, fmt.Errorf("%w: word vectors: lexicon mask", ErrCorrupt)
			}
		}
		for _, c := range info.Lexicon {
			t.lexHash = append(t.lexHash, fnv(seedLex, []byte(c.Name)))
		}
	}
	return t, nil
}

// tableOf builds the table of a WordVectors (for training), with the
// lexicon of o (if any).
func tableOf(v *WordVectors, negPool bool, o TrainOptions) (*vecTable, []uint64, error) {
	info := denseInfo{Source: v.Source, Dims: v.Dims, Words: len(v.Words), Scale: v.Scale, NegPool: negPool}
	if len(o.Lexicon) > 0 {
		info.Lexicon, info.LexThreshold, info.LexMargin = o.Lexicon, o.LexThreshold, o.LexMargin
	}
	info.Clusters = o.Clusters
	if !info.validate() {
		return nil, nil, fmt.Errorf("%w: word vectors: bad shape", ErrTrain)
	}
	hashes := make([]uint64, len(v.Words))
	for i, w := range v.Words {
		hashes[i] = wordHashString(w)
	}
	plain := info
	plain.Lexicon, plain.LexThreshold, plain.LexMargin, plain.Clusters = nil, 0, 0, 0
	t, err := newVecTable(plain, hashes, v.Data, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrTrain, err)
	}
	if len(info.Lexicon) > 0 || info.Clusters > 0 {
		var lex, clusters []uint16
		if len(info.Lexicon) > 0 {
			if lex, err = t.lexiconMasks(info); err != nil {
				return nil, nil, fmt.Errorf("%w: %w", ErrTrain, err)
			}
		}
		if info.Clusters > 0 {
			clusters = t.wordClusters(info.Clusters, clusterRounds)
		}
		if t, err = newVecTable(info, hashes, v.Data, lex); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrTrain, err)
		}
		if err = t.setClusters(clusters); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrTrain, err)
		}
	}
	return t, hashes, nil
}

// pool writes the pooled features of the words found by extract into dst
// (len features()): the mean, then the max of each dimension, then (with
// NegPool) the mean of the negated words. Blocks with no word are zero.
func (t *vecTable) pool(f *featureBuf, dst []float32) {
	d := t.info.Dims
	var sum, neg [maxDims]int32
	var mx [maxDims]int8
	for k := range d {
		mx[k] = -128
	}
	n, nn := 0, 0
	for i, r := range f.vec {
		row := t.data[int(r)*d : int(r)*d+d]
		if f.neg[i] && t.info.NegPool {
			nn++
			for k, x := range row {
				neg[k] += int32(x)
			}
			continue
		}
		n++
		for k, x := range row {
			sum[k] += int32(x)
			mx[k] = max(mx[k], x)
		}
	}
	clear(dst)
	if t.cluster != nil && len(f.vec) > 0 {
		// The cluster counts, each word weighing 1/√(words).
		c := dst[t.info.vecFeatures():]
		inv := 1 / float32(math.Sqrt(float64(len(f.vec))))
		k := t.info.Clusters
		for i, r := range f.vec {
			id := int(t.cluster[r])
			if f.neg[i] {
				id += k
			}
			c[id] += inv
		}
	}
	if n > 0 {
		inv := 1 / float32(n)
		for k := range d {
			dst[k] = float32(sum[k]) * t.info.Scale[k] * inv
			dst[d+k] = float32(mx[k]) * t.info.Scale[k]
		}
	}
	if nn > 0 && t.info.NegPool {
		inv := 1 / float32(nn)
		for k := range d {
			dst[2*d+k] = float32(neg[k]) * t.info.Scale[k] * inv
		}
	}
}

// addDense adds the dense weights (features × outputs, row-major) times the
// pooled features x to logits.
//
// It reads four rows per pass so that each output's partial sum stays in a
// register across them, but adds every product in the order of the plain
// loop (feature by feature), so the sums are bit for bit those of
// addDenseRef: trained thresholds and stored files do not move.
func addDense(w []float32, x []float32, outputs int, logits []float64) {
	var acc [maxOutputs]float32
	a := acc[:outputs]
	f := 0
	for ; f+4 <= len(x); f += 4 {
		v0, v1, v2, v3 := x[f], x[f+1], x[f+2], x[f+3]
		if v0 == 0 && v1 == 0 && v2 == 0 && v3 == 0 {
			continue
		}
		rows := w[f*outputs : (f+4)*outputs]
		r0, r1, r2, r3 := rows[:outputs], rows[outputs:2*outputs], rows[2*outputs:3*outputs], rows[3*outputs:]
		for j := range a {
			s := a[j]
			s += v0 * r0[j]
			s += v1 * r1[j]
			s += v2 * r2[j]
			s += v3 * r3[j]
			a[j] = s
		}
	}
	for ; f < len(x); f++ {
		if v := x[f]; v != 0 {
			for j, wj := range w[f*outputs : f*outputs+outputs] {
				a[j] += v * wj
			}
		}
	}
	for j, s := range a {
		logits[j] += float64(s)
	}
}
