package emotion

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
)

// csr is a sparse matrix in compressed sparse row form.
type csr struct {
	ptr   []int   // row i is col[ptr[i]:ptr[i+1]]
	col   []int32 // column of each non-zero
	val   []float32
	nCols int
}

func (x *csr) rows() int { return len(x.ptr) - 1 }

// nbRatio returns the Naive-Bayes log-count ratio of every column for the
// binary target y (Wang & Manning 2012): r = log((p/|p|₁) / (q/|q|₁)) with
// p, q the smoothed counts of documents containing the column among the
// positive and negative examples.
func nbRatio(x *csr, y []bool, alpha float64) []float64 {
	p := make([]float64, x.nCols)
	q := make([]float64, x.nCols)
	for i := range p {
		p[i], q[i] = alpha, alpha
	}
	for i := 0; i < x.rows(); i++ {
		dst := q
		if y[i] {
			dst = p
		}
		for _, c := range x.col[x.ptr[i]:x.ptr[i+1]] {
			dst[c]++
		}
	}
	var sp, sq float64
	for i := range p {
		sp += p[i]
		sq += q[i]
	}
	r := make([]float64, x.nCols)
	for i := range r {
		r[i] = math.Log((p[i] / sp) / (q[i] / sq))
	}
	return r
}

// lrProblem is a set of binary logistic regressions sharing one design
// matrix: output l has targets y[l] and per-column feature scaling
// scale[l] (the NB ratio).
type lrProblem struct {
	x       *csr
	y       [][]bool
	scale   [][]float64
	cPos    []float64 // C for positive examples, per output
	cNeg    []float64 // C for negative examples, per output
	eps     float64   // an output stops when its largest projected gradient < eps
	maxIter int
	seed    uint64
	// warm, when not nil, holds for each output the dual variables
	// (α, C − α per example) of an earlier solve on the first
	// len(warm[l])/2 examples with the same targets: the solve starts from
	// them instead of from near zero (TrainOptions.DevInTrain).
	warm [][]float64
}

// solveLR minimises, for every output l, ½‖w‖² + Σᵢ Cᵢ log(1+exp(-yᵢ wᵀx̃ᵢ))
// with x̃ = x ⊙ scale[l] plus a constant bias feature of 1, by dual
// coordinate descent (Yu, Huang & Lin 2011; LIBLINEAR solver 7).
//
// The outputs are solved together: their weights are stored interleaved
// (column-major over outputs) so that one pass over a row of x serves all
// of them, and they visit the examples in the same order, a permutation
// per epoch drawn from a PCG seeded by p.seed. Each output stops on its own
// criterion, so its result does not depend on which outputs it is solved
// with: the result is deterministic and independent of how outputs are
// split between goroutines.
//
// It stops early, with partial results, when ctx is cancelled. It returns, for each output, the weights of the unscaled features (w ⊙
// scale, ready for prediction), the bias, the number of epochs it ran and
// its dual variables (see lrProblem.warm).
func solveLR(ctx context.Context, p lrProblem) (ws [][]float64, bias []float64, iters []int, duals [][]float64) {
	x := p.x
	n, k := x.rows(), len(p.y)
	// v holds w ⊙ scale, so v·x = w·x̃; an update of w along x̃ moves v by
	// x ⊙ scale².
	v := make([]float64, x.nCols*k)
	s2 := make([]float64, x.nCols*k)
	for l := 0; l < k; l++ {
		for c := 0; c < x.nCols; c++ {
			s2[c*k+l] = p.scale[l][c] * p.scale[l][c]
		}
	}
	bias = make([]float64, k)
	xTx := make([]float64, n*k)
	alpha := make([]float64, 2*n*k)
	for i := 0; i < n; i++ {
		sq := xTx[i*k : i*k+k]
		for l := range sq {
			sq[l] = 1 // bias feature
		}
		for j := x.ptr[i]; j < x.ptr[i+1]; j++ {
			xv := float64(x.val[j])
			row := s2[int(x.col[j])*k : int(x.col[j])*k+k]
			for l, s := range row {
				sq[l] += xv * xv * s
			}
		}
	}
	sign := func(l, i int) float64 {
		if p.y[l][i] {
			return 1
		}
		return -1
	}
	upper := func(l, i int) float64 {
		if p.y[l][i] {
			return p.cPos[l]
		}
		return p.cNeg[l]
	}
	d := make([]float64, k)
	for i := 0; i < n; i++ {
		for l := 0; l < k; l++ {
			c := upper(l, i)
			a := &alpha[2*(i*k+l)]
			alpha[2*(i*k+l)] = min(0.001*c, 1e-8)
			if p.warm != nil && 2*i < len(p.warm[l]) {
				// Strictly inside (0, C), where the dual's log terms are finite.
				*a = min(max(p.warm[l][2*i], 1e-12*c), c*(1-1e-12))
			}
			alpha[2*(i*k+l)+1] = c - *a
			d[l] = sign(l, i) * *a
		}
		addRow(x, i, v, s2, d, bias)
	}
	index := make([]int, n)
	for i := range index {
		index[i] = i
	}
	iters = make([]int, k)
	active := make([]bool, k)
	innerEps := make([]float64, k)
	gMax := make([]float64, k)
	newton := make([]int, k)
	for l := range active {
		active[l], innerEps[l] = true, 1e-2
	}
	innerEpsMin := min(1e-8, p.eps)
	dot := make([]float64, k)
	act := make([]int, 0, k)                       // the outputs still running
	upd := make([]int, 0, k)                       // the outputs that move on the current example
	rng := rand.New(rand.NewPCG(p.seed, 0x5a4d4f)) // #nosec G404 -- a seeded shuffle for reproducible training, not a secret
	const maxInner = 100
	for epoch := 0; epoch < p.maxIter && slices.Contains(active, true) && ctx.Err() == nil; epoch++ {
		rng.Shuffle(n, func(a, b int) { index[a], index[b] = index[b], index[a] })
		clear(gMax)
		clear(newton)
		// Outputs that have stopped are skipped; each output's sums are
		// taken in the same order either way, so results do not change.
		act = act[:0]
		for l, on := range active {
			if on {
				act = append(act, l)
			}
		}
		for _, i := range index {
			copy(dot, bias)
			if len(act) == k {
				for j := x.ptr[i]; j < x.ptr[i+1]; j++ {
					xv := float64(x.val[j])
					row := v[int(x.col[j])*k : int(x.col[j])*k+k]
					for l, w := range row {
						dot[l] += w * xv
					}
				}
			} else {
				for j := x.ptr[i]; j < x.ptr[i+1]; j++ {
					xv := float64(x.val[j])
					row := v[int(x.col[j])*k : int(x.col[j])*k+k]
					for _, l := range act {
						dot[l] += row[l] * xv
					}
				}
			}
			upd = upd[:0]
			for l := 0; l < k; l++ {
				d[l] = 0
				if !active[l] {
					continue
				}
				yi, c := sign(l, i), upper(l, i)
				al := alpha[2*(i*k+l) : 2*(i*k+l)+2]
				a, b := xTx[i*k+l], yi*dot[l]
				i1, i2, s := 0, 1, 1.0
				if 0.5*a*(al[i2]-al[i1])+b < 0 {
					i1, i2, s = 1, 0, -1
				}
				old := al[i1]
				z := old
				if c-z < 0.5*c {
					z *= 0.1
				}
				gp := a*(z-old) + s*b + math.Log(z/(c-z))
				gMax[l] = max(gMax[l], math.Abs(gp))
				inner := 0
				for ; inner <= maxInner && math.Abs(gp) >= innerEps[l]; inner++ {
					gpp := a + c/(c-z)/z
					if t := z - gp/gpp; t <= 0 {
						z *= 0.1
					} else {
						z = t
					}
					gp = a*(z-old) + s*b + math.Log(z/(c-z))
				}
				newton[l] += inner
				if inner > 0 {
					al[i1], al[i2] = z, c-z
					d[l] = s * (z - old) * yi
					upd = append(upd, l)
				}
			}
			if len(upd) > 0 {
				addRowActive(x, i, v, s2, d, bias, upd)
			}
		}
		for l := range active {
			if !active[l] {
				continue
			}
			iters[l]++
			if gMax[l] < p.eps {
				active[l] = false
			} else if newton[l] <= n/10 {
				innerEps[l] = max(innerEpsMin, 0.1*innerEps[l])
			}
		}
	}
	ws = make([][]float64, k)
	duals = make([][]float64, k)
	for l := range ws {
		ws[l] = make([]float64, x.nCols)
		for c := range ws[l] {
			ws[l][c] = v[c*k+l]
		}
		duals[l] = make([]float64, 2*n)
		for i := 0; i < n; i++ {
			duals[l][2*i], duals[l][2*i+1] = alpha[2*(i*k+l)], alpha[2*(i*k+l)+1]
		}
	}
	return ws, bias, iters, duals
}

// addRow adds d[l]·x̃ᵢ to output l's weights for every l (v += d ⊗ xᵢ ⊙ s2)
// and d to the biases.
func addRow(x *csr, i int, v, s2, d, bias []float64) {
	k := len(d)
	for j := x.ptr[i]; j < x.ptr[i+1]; j++ {
		xv := float64(x.val[j])
		base := int(x.col[j]) * k
		row := v[base : base+k]
		sr := s2[base : base+k]
		for l := range row {
			row[l] += d[l] * xv * sr[l]
		}
	}
	for l := range bias {
		bias[l] += d[l]
	}
}

// addRowActive is addRow for the outputs in act, in increasing order (d is
// 0 for the others, so the result is addRow's).
func addRowActive(x *csr, i int, v, s2, d, bias []float64, act []int) {
	k := len(d)
	if len(act) == k {
		addRow(x, i, v, s2, d, bias)
		return
	}
	for j := x.ptr[i]; j < x.ptr[i+1]; j++ {
		xv := float64(x.val[j])
		base := int(x.col[j]) * k
		row := v[base : base+k]
		sr := s2[base : base+k]
		for _, l := range act {
			row[l] += d[l] * xv * sr[l]
		}
	}
	for _, l := range act {
		bias[l] += d[l]
	}
}
