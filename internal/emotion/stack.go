package emotion

import (
	"math"
	"slices"
)

// Label co-occurrence by stacking (TrainOptions.StackLambda): after the
// regressions are solved, each GoEmotions label l gets a second-stage
// logistic regression fitted on dev,
//
//	P(l) = σ(s₀ + Σₒ sₒ · zₒ)
//
// over the raw scores zₒ of all outputs (the 28 labels and the 7 Ekman
// heads), with an L2 penalty StackLambda on every coefficient but the
// label's own score and the intercept. Since every zₒ is linear in the
// features, the stacked score is too: it is folded into the label's
// weights (Σₒ sₒ · wₒ) and bias, so the model file and the cost of a
// prediction do not change. The Ekman outputs are left as they are. With
// a softmax (softmax.go) its centred logits follow the outputs' scores
// as inputs, the label's own one unpenalised too, and are folded the
// same way.

// stackFit returns the coefficients {s₀, s₁…s_outputs} of label l fitted
// by Newton's method on the dev scores z (one row per text) and targets y.
func stackFit(z [][]float64, y []bool, l int, lambda float64) []float64 {
	return stackFitFree(z, y, []int{l}, lambda)
}

// stackFitFree is stackFit with the scores in free unpenalised instead of
// the label's own score alone; Newton's method starts from coefficient 1
// on free[0] and 0 elsewhere.
func stackFitFree(z [][]float64, y []bool, free []int, lambda float64) []float64 {
	no := len(z[0])
	np := no + 1
	w := make([]float64, np)
	w[1+free[0]] = 1
	penalised := func(a int) bool { return a != 0 && !slices.Contains(free, a-1) }
	x := make([]float64, np)
	g := make([]float64, np)
	hess := make([]float64, np*np)
	for it := 0; it < 25; it++ {
		clear(g)
		clear(hess)
		for i, zi := range z {
			x[0] = 1
			copy(x[1:], zi)
			p := stackProb(w, zi)
			r := p
			if y[i] {
				r = p - 1
			}
			s := p * (1 - p)
			for a := 0; a < np; a++ {
				g[a] += r * x[a]
				sa := s * x[a]
				for b := 0; b <= a; b++ {
					hess[a*np+b] += sa * x[b]
				}
			}
		}
		for a := 0; a < np; a++ {
			for b := 0; b < a; b++ {
				hess[b*np+a] = hess[a*np+b]
			}
			pen := 1e-6 // keeps the system definite
			if penalised(a) {
				pen = lambda
				g[a] += lambda * w[a]
			}
			hess[a*np+a] += pen
		}
		step := cholSolve(hess, g, np)
		delta := 0.0
		for a := range w {
			w[a] -= step[a]
			delta = max(delta, math.Abs(step[a]))
		}
		if delta < 1e-6 {
			break
		}
	}
	return w
}

// stackProb is σ(w₀ + Σₒ w₁₊ₒ · zₒ).
func stackProb(w, z []float64) float64 {
	s := w[0]
	for o, v := range z {
		s += w[1+o] * v
	}
	return sigmoid(s)
}

// cholSolve solves A x = b for a symmetric positive definite n × n A
// (row-major) by Cholesky decomposition.
func cholSolve(a, b []float64, n int) []float64 {
	l := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			s := a[i*n+j]
			for k := 0; k < j; k++ {
				s -= l[i*n+k] * l[j*n+k]
			}
			if i == j {
				l[i*n+i] = math.Sqrt(max(s, 1e-12))
			} else {
				l[i*n+j] = s / l[j*n+j]
			}
		}
	}
	y := make([]float64, n)
	for i := 0; i < n; i++ {
		s := b[i]
		for k := 0; k < i; k++ {
			s -= l[i*n+k] * y[k]
		}
		y[i] = s / l[i*n+i]
	}
	x := make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		s := y[i]
		for k := i + 1; k < n; k++ {
			s -= l[k*n+i] * x[k]
		}
		x[i] = s / l[i*n+i]
	}
	return x
}

// stackCoefs fits the stack of every GoEmotions label on the dev scores
// of the quantized model q (header h), followed by the softmax logits
// soft of each dev text when not nil, and returns the coefficients of
// each label (stackFit; with soft, the label's softmax logit is
// unpenalised too).
func stackCoefs(h *header, q *quantized, d *Dataset, lambda float64, workers int, soft [][]float64) ([][]float64, error) {
	nl, outputs := len(h.Labels), q.outputs
	hh := *h
	hh.Calibration, hh.Thresholds = make([][2]float64, nl), make([]float64, nl)
	ne := len(h.EkmanLabels)
	hh.EkmanCalibration, hh.EkmanThresholds = make([][2]float64, ne), make([]float64, ne)
	m, err := q.model(&hh)
	if err != nil {
		return nil, err
	}
	z := make([][]float64, len(d.Dev))
	parallel(workers, len(d.Dev), func(i int, _ *featureBuf) {
		s := &scratch{}
		m.logits(s, d.Dev[i].Text)
		z[i] = slices.Clone(s.logits[:outputs])
		if soft != nil {
			z[i] = append(z[i], soft[i]...)
		}
	})
	coef := make([][]float64, nl)
	parallel(workers, nl, func(l int, _ *featureBuf) {
		y := make([]bool, len(d.Dev))
		for i, ex := range d.Dev {
			y[i] = slices.Contains(ex.Labels, l)
		}
		free := []int{l}
		if soft != nil {
			free = append(free, outputs+l)
		}
		coef[l] = stackFitFree(z, y, free, lambda)
	})
	return coef, nil
}

// stack folds the stack coefficients coef (stackCoefs) of the first nl
// outputs into f's weights, biases and dense block, in place: output l
// becomes coef[l][0] + Σₒ coef[l][1+o] · (output o), plus
// Σₖ coef[l][1+outputs+k] · (softmax logit k) with a softmax.
func (f *linearFit) stack(coef [][]float64, nl int) {
	outputs := len(f.ws)
	// The stack's inputs: the outputs' weights, biases and dense columns
	// as they are before stacking, then the softmax's.
	in := make([][]float64, outputs)
	for o := range f.ws {
		in[o] = slices.Clone(f.ws[o])
	}
	inBias := slices.Clone(f.bias)
	if f.soft != nil {
		in, inBias = append(in, f.soft.ws...), append(inBias, f.soft.bias...)
	}
	var inDense []float64 // features × inputs
	if f.dense != nil {
		for k := 0; k < len(f.dense.w)/outputs; k++ {
			for _, v := range f.dense.w[k*outputs : (k+1)*outputs] {
				inDense = append(inDense, float64(v))
			}
			if f.soft != nil {
				ns := len(f.soft.bias)
				inDense = append(inDense, f.soft.dense[k*ns:(k+1)*ns]...)
			}
		}
	}
	for l := 0; l < nl; l++ {
		s := coef[l][1:]
		w := f.ws[l]
		clear(w)
		b := coef[l][0]
		for j, x := range in {
			if s[j] == 0 {
				continue
			}
			b += s[j] * inBias[j]
			for c, v := range x {
				w[c] += s[j] * v
			}
		}
		f.bias[l] = b
		for k := 0; k < len(inDense)/len(in); k++ {
			v := 0.0
			for j, x := range inDense[k*len(in) : (k+1)*len(in)] {
				v += s[j] * x
			}
			f.dense.w[k*outputs+l] = float32(v)
		}
	}
}
