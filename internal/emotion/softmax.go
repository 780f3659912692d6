package emotion

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
)

// The softmax member of the stack (TrainOptions.Softmax). Every other
// stack input is a one-vs-rest score; a multinomial logistic regression
// over the same features, trained on soft targets (a text's labels share
// its mass), is a second opinion of a different kind. Its logits,
// centred over the labels, are extra inputs of every label's stack (the
// label's own logit unpenalised, like its own score). They are linear in
// the features, so the stack folds them into the label's weights: the
// softmax is never stored, and the model file and the cost of a
// prediction do not change. It is solved with the fit on train and with
// each out-of-fold fit (whose scores the thresholds are tuned on); the
// train + dev refit (DevInTrain) keeps the train fit's softmax, as it
// keeps the Ekman heads. Measurements: docs/model.md.

// softmaxPasses is how many passes of dual coordinate descent solve a
// softmax: at 30 the penalised loss is within 0.2 % of the optimum, and
// the dev figures of the stack are those of the converged solve
// (docs/model.md).
const softmaxPasses = 30

// softmax is a solved softmax, centred over the labels: the weights of
// each label over the buckets of its fit, the weights of the raw pooled
// features (standardisation folded in; features × labels, nil without
// word vectors) and the biases.
type softmax struct {
	ws    [][]float64
	dense []float64
	bias  []float64
}

// softTargets returns the soft targets of examples over nl labels,
// row-major: a text's labels share its mass equally.
func softTargets(examples []Example, nl int) []float64 {
	t := make([]float64, len(examples)*nl)
	for i, ex := range examples {
		for _, l := range ex.Labels {
			t[i*nl+l] += 1 / float64(len(ex.Labels))
		}
	}
	return t
}

// solveSoftmax minimises ½‖W‖² + C Σᵢ CE(tᵢ, softmax(W x̃ᵢ)), with x̃ =
// x plus a constant bias feature of 1 and t the soft targets (row-major,
// nl per row), by dual coordinate descent: the maximum-entropy half of
// Yu, Huang & Lin 2011, whose binary half is solveLR. The dual has one
// variable per example and label, αᵢ on the simplex scaled by C, and
// W = Σᵢ (C tᵢ − αᵢ) ⊗ x̃ᵢ; at the optimum αᵢ = C softmax(W x̃ᵢ). Each pass
// visits the examples in an order drawn from a PCG seeded by seed and
// solves each example's sub-problem exactly (softmaxStep). One goroutine:
// the result is deterministic. It returns the weights (x.nCols × nl,
// row-major) and biases after passes passes, partial if ctx is
// cancelled.
func solveSoftmax(ctx context.Context, x *csr, t []float64, nl int, c float64, seed uint64, passes int) (w, bias []float64) {
	n := x.rows()
	w, bias = make([]float64, x.nCols*nl), make([]float64, nl)
	alpha := make([]float64, n*nl)
	sq := make([]float64, n)
	d := make([]float64, nl)
	// Start near αᵢ = C tᵢ (W near 0), strictly inside the simplex where
	// the entropy terms are finite.
	const eps = 1e-3
	for i := 0; i < n; i++ {
		sq[i] = 1
		for _, v := range x.val[x.ptr[i]:x.ptr[i+1]] {
			sq[i] += float64(v) * float64(v)
		}
		for l := range d {
			alpha[i*nl+l] = c * ((1-eps)*t[i*nl+l] + eps/float64(nl))
			d[l] = c*t[i*nl+l] - alpha[i*nl+l]
		}
		softmaxAdd(w, bias, x, i, d)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 0x736f6674)) // #nosec G404 -- a seeded shuffle for reproducible training, not a secret
	z, u, next := make([]float64, nl), make([]float64, nl), make([]float64, nl)
	for pass := 0; pass < passes && ctx.Err() == nil; pass++ {
		rng.Shuffle(n, func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, i := range order {
			copy(z, bias)
			for k := x.ptr[i]; k < x.ptr[i+1]; k++ {
				v, row := float64(x.val[k]), w[int(x.col[k])*nl:][:len(z)]
				for l := range z {
					z[l] += v * row[l]
				}
			}
			old := alpha[i*nl : i*nl+nl]
			softmaxStep(sq[i], z, old, next, c, u)
			for l := range d {
				d[l] = old[l] - next[l]
			}
			copy(old, next)
			softmaxAdd(w, bias, x, i, d)
		}
	}
	return w, bias
}

// softmaxAdd adds d ⊗ x̃ᵢ to the weights w and biases.
func softmaxAdd(w, bias []float64, x *csr, i int, d []float64) {
	nl := len(d)
	for k := x.ptr[i]; k < x.ptr[i+1]; k++ {
		v, row := float64(x.val[k]), w[int(x.col[k])*nl:][:len(d)]
		for l, dl := range d {
			row[l] += v * dl
		}
	}
	for l, dl := range d {
		bias[l] += dl
	}
}

// softmaxStep solves one example's sub-problem: the α ≥ 0 with Σα = C
// minimising Σₗ ½a(αₗ − oldₗ)² − zₗ(αₗ − oldₗ) + αₗ log αₗ, where a = ‖x̃‖²
// and z are the current logits, and writes it to out (u is scratch).
// Stationarity gives a αₗ + log αₗ = zₗ + a oldₗ + ν for one ν: each
// uₗ = log αₗ is found by Newton's method (monotone from above, and uₗ
// never exceeds the right-hand side), and ν by Newton's method on
// log Σₗ αₗ(ν) = log C, which is exact in one step when a = 0 (α =
// C softmax(z)) and converges monotonically after the first step.
func softmaxStep(a float64, z, old, out []float64, c float64, u []float64) {
	m, sum := math.Inf(-1), 0.0
	for _, v := range z {
		m = max(m, v)
	}
	for _, v := range z {
		sum += math.Exp(v - m)
	}
	nu := math.Log(c) - m - math.Log(sum)
	for l, v := range old {
		u[l] = math.Log(max(v, math.SmallestNonzeroFloat64))
	}
	for range 60 {
		tot, dtot := 0.0, 0.0
		for l, zl := range z {
			s := zl + a*old[l] + nu
			v := min(u[l], s)
			for range 100 {
				e := a * math.Exp(v)
				h := e + v - s
				if math.Abs(h) < 1e-12*(1+math.Abs(s)) {
					break
				}
				v -= h / (e + 1)
			}
			u[l] = v
			al := math.Exp(v)
			out[l] = al
			tot += al
			dtot += al / (a*al + 1)
		}
		g := math.Log(tot / c)
		if math.Abs(g) < 1e-12 {
			return
		}
		nu -= g * tot / dtot
	}
}

// newSoftmax turns a solution of solveSoftmax over the columns of a fit
// (nb buckets, then the dense features standardised with mean and sd
// and weighted by weight) into a centred softmax over the buckets and
// the raw pooled features.
func newSoftmax(w, bias []float64, nb int, mean, sd []float64, weight float64) *softmax {
	nl := len(bias)
	s := &softmax{ws: make([][]float64, nl), bias: slices.Clone(bias)}
	for l := range s.ws {
		s.ws[l] = make([]float64, nb)
		for c := range s.ws[l] {
			s.ws[l][c] = w[c*nl+l]
		}
	}
	if mean != nil {
		s.dense = make([]float64, len(mean)*nl)
		for k := range mean {
			for l := 0; l < nl; l++ {
				v := w[(nb+k)*nl+l] * weight / sd[k]
				s.dense[k*nl+l] = v
				s.bias[l] -= v * mean[k]
			}
		}
	}
	centre := func(row []float64) {
		m := 0.0
		for _, v := range row {
			m += v
		}
		for l := range row {
			row[l] -= m / float64(len(row))
		}
	}
	centre(s.bias)
	col := make([]float64, nl)
	for c := 0; c < nb; c++ {
		for l := range col {
			col[l] = s.ws[l][c]
		}
		centre(col)
		for l, v := range col {
			s.ws[l][c] = v
		}
	}
	for k := 0; k < len(s.dense); k += nl {
		centre(s.dense[k : k+nl])
	}
	return s
}

// logits returns s's logits of examples (centred when s is), s being
// over the sorted buckets of a fit and the pooled features of vt.
func (s *softmax) logits(examples []Example, buckets []uint32, o TrainOptions, vt *vecTable, workers int) [][]float64 {
	docs, pooled := featurize(examples, o.Features, vt, workers)
	nl := len(s.bias)
	out := make([][]float64, len(examples))
	for i, d := range docs {
		z := slices.Clone(s.bias)
		for k, id := range d.ids {
			if c, ok := slices.BinarySearch(buckets, id); ok {
				v := float64(d.vals[k])
				for l := range z {
					z[l] += v * s.ws[l][c]
				}
			}
		}
		if s.dense != nil {
			for f, v := range pooled[i] {
				row := s.dense[f*nl:][:len(z)]
				for l := range z {
					z[l] += float64(v) * row[l]
				}
			}
		}
		out[i] = z
	}
	return out
}

// remap returns s over new buckets, from[c] being new bucket c's column
// in s (-1: none, weight 0; see pick).
func (s *softmax) remap(from []int) *softmax {
	r := &softmax{ws: make([][]float64, len(s.ws)), dense: s.dense, bias: s.bias}
	for l, ws := range s.ws {
		r.ws[l] = pick(ws, from)
	}
	return r
}
