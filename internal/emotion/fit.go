package emotion

import (
	"context"
	"math"
	"slices"
	"sync"
)

// Solving the regressions of a model: fitLinear featurises examples,
// solves every output (and the ensemble's sparse-only member) and folds
// the standardisation of the pooled features into the weights.

// linearFit is a solved linear model before quantisation: the weights of
// each output over the kept buckets, the biases and, with word vectors,
// the dense block with the standardisation folded in.
type linearFit struct {
	ws      [][]float64
	bias    []float64
	buckets []uint32
	dense   *denseParts
	duals   *fitDuals
	soft    *softmax // TrainOptions.Softmax (nil: none)
}

// fitDuals are the dual variables of a fit's solves (full model and
// ensemble member), to warm-start a fit on more examples.
type fitDuals struct{ full, sparse [][]float64 }

// fitLinear solves the regressions of every output on examples (and with
// TrainOptions.Ensemble the sparse-only member, averaged in), starting
// from the dual variables of warm when not nil (a fit on a prefix of
// examples).
//
// With nOut > 0 only the first nOut outputs are solved, and no softmax.
func fitLinear(ctx context.Context, examples []Example, d *Dataset, vt *vecTable, hashes []uint64, o TrainOptions, workers int, what string, warm *fitDuals, nOut int) (*linearFit, error) {
	docs, pooled := featurize(examples, o.Features, vt, workers)
	// The word-cluster counts (if any) end the pooled features; they are
	// sparse columns, not standardised.
	var clus [][]float32
	nv := 0
	if vt != nil {
		nv = vt.info.vecFeatures()
		if vt.cluster != nil {
			clus = make([][]float32, len(pooled))
			for i, p := range pooled {
				clus[i], pooled[i] = p[nv:], p[:nv]
			}
		}
	}
	mean, sd := standardize(pooled, o.VectorWeight)
	x, buckets := buildMatrixClusters(docs, clus, pooled, o.Features.Bits, o.MinDF)
	nb, nc := len(buckets), 0
	if clus != nil {
		nc = len(clus[0])
	}
	y := targets(examples, d)
	if nOut > 0 {
		y = y[:nOut]
	}
	nl := len(d.Labels)
	outputs := len(y)
	// Outputs [0, split) are solved with the cluster columns (the
	// GoEmotions labels), the others (the Ekman heads) without, on exactly
	// the matrix of a model without clusters, so they do not change.
	split := outputs
	if nc > 0 {
		split = min(nl, outputs)
	}
	var xs, x0, xs0 *csr // sparse-only member; both without the cluster columns
	ensemble := vt != nil && o.Ensemble > 0
	if ensemble {
		xs, _ = buildMatrixClusters(docs, clus, nil, o.Features.Bits, o.MinDF)
	}
	if split < outputs {
		x0, _ = buildMatrix(docs, pooled, o.Features.Bits, o.MinDF)
		if ensemble {
			xs0, _ = buildMatrix(docs, nil, o.Features.Bits, o.MinDF)
		}
	}
	docs, pooled, clus = nil, nil, nil
	o.progress("features%s: %d texts, %d features kept (df ≥ %d, %d clusters, %d dense), %d non-zeros", what, x.rows(), x.nCols, o.MinDF, nc, x.nCols-nb-nc, len(x.col))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var warmFull, warmSparse [][]float64
	if warm != nil {
		warmFull = warm.full[:outputs]
		if warm.sparse != nil {
			warmSparse = warm.sparse[:outputs]
		}
	}
	// The softmax (one goroutine) is solved next to the regressions.
	var softW, softB []float64
	softDone := make(chan struct{})
	if o.Softmax > 0 && nOut == 0 {
		go func() {
			defer close(softDone)
			softW, softB = solveSoftmax(ctx, x, softTargets(examples, nl), nl, o.Softmax, o.Seed, softmaxPasses)
			o.progress("softmax: %d passes%s", softmaxPasses, what)
		}()
	} else {
		close(softDone)
	}
	part := func(w [][]float64, lo, hi int) [][]float64 {
		if w == nil {
			return nil
		}
		return w[lo:hi]
	}
	g := solveGroup(ctx, x, xs, y[:split], 0, nb+nc, nl, workers, o, d, what, part(warmFull, 0, split), part(warmSparse, 0, split))
	if split < outputs {
		e := solveGroup(ctx, x0, xs0, y[split:], split, nb, nl, workers, o, d, what, part(warmFull, split, outputs), part(warmSparse, split, outputs))
		for out, w := range e.ws { // no weight on the cluster columns
			e.ws[out] = slices.Concat(w[:nb], make([]float64, nc), w[nb:])
		}
		g.ws, g.bias = append(g.ws, e.ws...), append(g.bias, e.bias...)
		g.dFull = append(g.dFull, e.dFull...)
		if g.dSparse != nil {
			g.dSparse = append(g.dSparse, e.dSparse...)
		}
	}
	<-softDone
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ws, bias := g.ws, g.bias
	f := &linearFit{ws: ws, bias: bias, buckets: buckets, duals: &fitDuals{g.dFull, g.dSparse}}
	if vt != nil {
		// Fold the standardisation into the weights and biases, so that
		// prediction multiplies the raw pooled features; the cluster
		// weights follow the pooled ones.
		f.dense = &denseParts{hashes: hashes, vecs: o.Vectors.Data, w: make([]float32, (nv+nc)*outputs), lex: vt.lex, clusters: vt.cluster}
		for out := range ws {
			for k := 0; k < nv; k++ {
				w := ws[out][nb+nc+k] * o.VectorWeight / sd[k]
				f.dense.w[k*outputs+out] = float32(w)
				bias[out] -= w * mean[k]
			}
			for k := 0; k < nc; k++ {
				f.dense.w[(nv+k)*outputs+out] = float32(ws[out][nb+k])
			}
			ws[out] = ws[out][:nb]
		}
	}
	if softB != nil {
		f.soft = newSoftmax(softW, softB, nb, mean, sd, o.VectorWeight)
	}
	return f, nil
}

// solvedGroup is the solution of a group of outputs: weights, biases and
// the dual variables of the full model and of the ensemble's sparse-only
// member (nil without one).
type solvedGroup struct {
	ws             [][]float64
	bias           []float64
	dFull, dSparse [][]float64
}

// solveGroup solves outputs first… of targets y on x and, with xs, on the
// sparse-only matrix xs (its columns the first nSparse of x), averaging
// the two by TrainOptions.Ensemble.
func solveGroup(ctx context.Context, x, xs *csr, y [][]bool, first, nSparse, nl, workers int, o TrainOptions, d *Dataset, what string, warmFull, warmSparse [][]float64) solvedGroup {
	ws, bias, dFull := solveAll(ctx, x, y, first, nSparse, nl, workers, o, d, what, warmFull)
	var dSparse [][]float64
	if xs != nil {
		var wa [][]float64
		var ba []float64
		wa, ba, dSparse = solveAll(ctx, xs, y, first, nSparse, nl, workers, o, d, what+" (sparse-only member)", warmSparse)
		a := o.Ensemble
		for out := range ws {
			for c := range ws[out] {
				ws[out][c] *= 1 - a
				if c < nSparse {
					ws[out][c] += a * wa[out][c]
				}
			}
			bias[out] = a*ba[out] + (1-a)*bias[out]
		}
	}
	return solvedGroup{ws, bias, dFull, dSparse}
}

// mergeFits returns the fit whose first len(b.ws) outputs are b's and
// whose other outputs are a's, over the union of their buckets (a weight
// is 0 in a bucket its fit did not keep).
func mergeFits(b, a *linearFit) *linearFit {
	nb, outputs := len(b.ws), len(a.ws)
	var buckets []uint32
	var fromB, fromA []int // column of each merged bucket in b and a (-1: none)
	for i, j := 0, 0; i < len(b.buckets) || j < len(a.buckets); {
		switch {
		case j == len(a.buckets) || (i < len(b.buckets) && b.buckets[i] < a.buckets[j]):
			buckets, fromB, fromA = append(buckets, b.buckets[i]), append(fromB, i), append(fromA, -1)
			i++
		case i == len(b.buckets) || a.buckets[j] < b.buckets[i]:
			buckets, fromB, fromA = append(buckets, a.buckets[j]), append(fromB, -1), append(fromA, j)
			j++
		default:
			buckets, fromB, fromA = append(buckets, b.buckets[i]), append(fromB, i), append(fromA, j)
			i, j = i+1, j+1
		}
	}
	m := &linearFit{ws: make([][]float64, outputs), bias: slices.Clone(a.bias), buckets: buckets}
	if a.soft != nil {
		m.soft = a.soft.remap(fromA)
	}
	copy(m.bias, b.bias)
	for o := range m.ws {
		src, from := a.ws[o], fromA
		if o < nb {
			src, from = b.ws[o], fromB
		}
		m.ws[o] = pick(src, from)
	}
	if a.dense != nil {
		dp := *a.dense
		dp.w = slices.Clone(a.dense.w)
		for k := 0; k < len(dp.w)/outputs; k++ {
			copy(dp.w[k*outputs:k*outputs+nb], b.dense.w[k*nb:(k+1)*nb])
		}
		m.dense = &dp
	}
	return m
}

// pick returns the weights src over new columns: column c holds
// src[from[c]], or 0 where from[c] is -1.
func pick(src []float64, from []int) []float64 {
	out := make([]float64, len(from))
	for c, k := range from {
		if k >= 0 {
			out[c] = src[k]
		}
	}
	return out
}

// quantize returns f's int8 model.
func (f *linearFit) quantize() (*quantized, error) {
	q, err := quantize(f.ws, f.buckets)
	if err != nil {
		return nil, err
	}
	q.dense = f.dense
	return q, nil
}

// EnsembleInfo says how a model's weights were made: SparseWeight × a
// model without the pooled word vectors plus (1 − SparseWeight) × one with
// them (TrainOptions.Ensemble).
type EnsembleInfo struct {
	SparseWeight float64 `json:"sparse_weight"`
}

// solveAll solves the logistic regressions of every output on x, the
// outputs split into one contiguous group per worker (see solveLR; the
// result does not depend on the split). Columns from nSparse on are dense
// and not NB-scaled.
func solveAll(ctx context.Context, x *csr, y [][]bool, first, nSparse, nl, workers int, o TrainOptions, d *Dataset, what string, warm [][]float64) ([][]float64, []float64, [][]float64) {
	outputs := len(y)
	ws := make([][]float64, outputs)
	bias := make([]float64, outputs)
	duals := make([][]float64, outputs)
	var wg sync.WaitGroup
	groups := min(workers, outputs)
	for g := 0; g < groups; g++ {
		lo, hi := g*outputs/groups, (g+1)*outputs/groups
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := lrProblem{x: x, y: y[lo:hi], eps: o.Epsilon, maxIter: o.MaxIter, seed: o.Seed}
			if warm != nil {
				p.warm = warm[lo:hi]
			}
			for out := lo; out < hi; out++ {
				c := o.C
				if first+out >= nl {
					c = o.EkmanC
				}
				r := nbRatio(x, y[out], o.NBAlpha)
				for c := nSparse; c < len(r); c++ {
					r[c] = 1 // dense features are not NB-scaled
				}
				p.scale = append(p.scale, r)
				p.cPos = append(p.cPos, c*o.PositiveWeight*balance(y[out], o.PositiveBalance))
				p.cNeg = append(p.cNeg, c)
			}
			w, b, iters, du := solveLR(ctx, p)
			copy(ws[lo:hi], w)
			copy(bias[lo:hi], b)
			copy(duals[lo:hi], du)
			for l, it := range iters {
				o.progress("output %2d %-15s %d epochs%s", first+lo+l+1, outputName(d, first+lo+l), it, what)
			}
		}()
	}
	wg.Wait()
	return ws, bias, duals
}

// balance returns (negatives/positives)^gamma for targets y (1 when gamma
// is 0 or a class is empty).
func balance(y []bool, gamma float64) float64 {
	pos := 0
	for _, t := range y {
		if t {
			pos++
		}
	}
	if gamma == 0 || pos == 0 || pos == len(y) {
		return 1
	}
	return math.Pow(float64(len(y)-pos)/float64(pos), gamma)
}

func outputName(d *Dataset, out int) string {
	if out < len(d.Labels) {
		return d.Labels[out]
	}
	return "ekman:" + ekmanLabels[out-len(d.Labels)]
}
