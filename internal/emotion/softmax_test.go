package emotion

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSoftmaxStep: the sub-problem's solution is on the scaled simplex
// and stationary (a αₗ + log αₗ − zₗ − a oldₗ equal for every label), and
// without features (a = 0) it is C softmax(z).
func TestSoftmaxStep(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	const c, nl = 4.0, 6
	out, u := make([]float64, nl), make([]float64, nl)
	for _, a := range []float64{0, 0.3, 30, 400} {
		for trial := 0; trial < 20; trial++ {
			z, old := make([]float64, nl), make([]float64, nl)
			sum := 0.0
			for l := range z {
				z[l] = 8*rng.Float64() - 4
				old[l] = rng.Float64() + 1e-6
				sum += old[l]
			}
			for l := range old {
				old[l] *= c / sum
			}
			softmaxStep(a, z, old, out, c, u)
			tot := 0.0
			for l, v := range out {
				if !(v > 0) {
					t.Fatalf("a %g: α%d = %g, want > 0", a, l, v)
				}
				tot += v
			}
			if math.Abs(tot-c) > 1e-9*c {
				t.Fatalf("a %g: Σα = %.12g, want %g", a, tot, c)
			}
			lo, hi := math.Inf(1), math.Inf(-1)
			for l, v := range out {
				g := a*v + math.Log(v) - z[l] - a*old[l]
				lo, hi = min(lo, g), max(hi, g)
			}
			if hi-lo > 1e-8 {
				t.Fatalf("a %g: not stationary, spread %g (α %v)", a, hi-lo, out)
			}
			if a == 0 {
				m, s := slices.Max(z), 0.0
				for _, v := range z {
					s += math.Exp(v - m)
				}
				for l, v := range z {
					if want := c * math.Exp(v-m) / s; math.Abs(out[l]-want) > 1e-12 {
						t.Fatalf("a 0: α%d = %g, want C softmax = %g", l, out[l], want)
					}
				}
			}
		}
	}
}

// softmaxGrad returns the gradient of ½‖W‖² + ½‖b‖² + C Σᵢ CE at (w, b)
// (weights then biases).
func softmaxGrad(x *csr, t []float64, nl int, c float64, w, b []float64) []float64 {
	g := append(slices.Clone(w), b...)
	z := make([]float64, nl)
	for i := 0; i < x.rows(); i++ {
		copy(z, b)
		for k := x.ptr[i]; k < x.ptr[i+1]; k++ {
			for l := range z {
				z[l] += float64(x.val[k]) * w[int(x.col[k])*nl+l]
			}
		}
		m, s := slices.Max(z), 0.0
		for _, v := range z {
			s += math.Exp(v - m)
		}
		for l, v := range z {
			r := c * (math.Exp(v-m)/s - t[i*nl+l])
			for k := x.ptr[i]; k < x.ptr[i+1]; k++ {
				g[int(x.col[k])*nl+l] += r * float64(x.val[k])
			}
			g[len(w)+l] += r
		}
	}
	return g
}

// TestSolveSoftmax: on a small problem the solve reaches the optimum
// (the primal gradient is a tiny fraction of its value at zero), is
// deterministic for a seed, and stops at once when cancelled.
func TestSolveSoftmax(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	const n, cols, nl, c = 300, 15, 4, 1.0
	x := &csr{ptr: []int{0}, nCols: cols}
	tgt := make([]float64, n*nl)
	for i := 0; i < n; i++ {
		for _, col := range rng.Perm(cols)[:4] {
			x.col = append(x.col, int32(col))
			x.val = append(x.val, float32(rng.Float64()))
		}
		x.ptr = append(x.ptr, len(x.col))
		first := int(x.col[x.ptr[i]]) % nl
		if i%5 == 0 {
			tgt[i*nl+first], tgt[i*nl+(first+1)%nl] = 0.5, 0.5
		} else {
			tgt[i*nl+first] = 1
		}
	}
	norm := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x * x
		}
		return math.Sqrt(s)
	}
	g0 := norm(softmaxGrad(x, tgt, nl, c, make([]float64, cols*nl), make([]float64, nl)))
	w, b := solveSoftmax(context.Background(), x, tgt, nl, c, 1, softmaxPasses)
	if g := norm(softmaxGrad(x, tgt, nl, c, w, b)); g > 1e-6*g0 {
		t.Errorf("gradient at the solution %.3g, at zero %.3g: not solved", g, g0)
	}
	w2, b2 := solveSoftmax(context.Background(), x, tgt, nl, c, 1, softmaxPasses)
	if !slices.Equal(w, w2) || !slices.Equal(b, b2) {
		t.Errorf("two solves with seed 1 differ")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w3, b3 := solveSoftmax(ctx, x, tgt, nl, c, 1, softmaxPasses)
	if g := norm(softmaxGrad(x, tgt, nl, c, w3, b3)); g < 0.5*g0 {
		t.Errorf("a cancelled solve went on (gradient %.3g of %.3g)", g, g0)
	}
}

// TestNewSoftmax: the standardisation of the dense features is folded
// into the weights and bias, and the logits are centred.
func TestNewSoftmax(t *testing.T) {
	t.Parallel()
	// One bucket and one dense feature (mean 2, sd 4, weight 0.5); two
	// labels; column-major weights: bucket {1, -1}, dense {2, 0}.
	s := newSoftmax([]float64{1, -1, 2, 0}, []float64{0.5, 0}, 1, []float64{2}, []float64{4}, 0.5)
	// A text with bucket value 3 and raw pooled value 6 (standardised:
	// 0.5·(6−2)/4 = 0.5): logits 0.5 + 3 + 1 = 4.5 and −3, centred ±3.75.
	got := make([]float64, 2)
	for l := range got {
		got[l] = s.bias[l] + 3*s.ws[l][0] + 6*s.dense[l]
	}
	if math.Abs(got[0]-3.75) > 1e-12 || math.Abs(got[1]+3.75) > 1e-12 {
		t.Errorf("logits %v, want [3.75 -3.75]", got)
	}
}

// fitScores returns f's unquantised scores of every output for examples,
// computed as a softmax over the same weights would be.
func fitScores(f *linearFit, examples []Example, o TrainOptions, vt *vecTable) [][]float64 {
	lin := &softmax{ws: f.ws, bias: f.bias}
	for _, v := range f.dense.w {
		lin.dense = append(lin.dense, float64(v))
	}
	return lin.logits(examples, f.buckets, o, vt, 1)
}

// TestSoftmaxFolds: a fit with a softmax gives centred logits, keeps
// them through mergeFits (the train + dev refit), and stack folds the
// softmax's coefficients into the GoEmotions outputs exactly as a
// combination of the scores and the logits, leaving the Ekman outputs.
func TestSoftmaxFolds(t *testing.T) {
	t.Parallel()
	d := smallData(t)
	o := vecOptions(t, 5, 2)
	o.StackLambda, o.Softmax = 50, 4
	vt, hashes, err := tableOf(o.Vectors, o.Features.Negation, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := fitLinear(ctx, d.Train, d, vt, hashes, o, 2, "", nil, 0)
	if err != nil || a.soft == nil {
		t.Fatalf("fitLinear with Softmax: %v (softmax %v)", err, a.soft != nil)
	}
	texts := d.Dev[:20]
	soft := a.soft.logits(texts, a.buckets, o, vt, 2)
	for i, z := range soft {
		s := 0.0
		for _, v := range z {
			s += v
		}
		if math.Abs(s) > 1e-9 {
			t.Fatalf("text %d: logits sum to %g, want 0 (centred)", i, s)
		}
	}
	// The refit's texts have buckets the train fit does not.
	b, err := fitLinear(ctx, slices.Concat(d.Train[:100], d.Dev), d, vt, hashes, o, 2, "", nil, len(d.Labels))
	if err != nil || b.soft != nil {
		t.Fatalf("fitLinear of the first outputs: %v (softmax %v, want none)", err, b.soft != nil)
	}
	m := mergeFits(b, a)
	for i, z := range m.soft.logits(texts, m.buckets, o, vt, 2) {
		if !slices.Equal(z, soft[i]) {
			t.Fatalf("text %d: merged fit's logits %v, want the train fit's %v", i, z[:3], soft[i][:3])
		}
	}
	nl, outputs := len(d.Labels), len(a.ws)
	// The stack leaves each label's own logit unpenalised: a logit that
	// predicts its label gets a clear coefficient under a huge penalty.
	q, err := a.quantize()
	if err != nil {
		t.Fatal(err)
	}
	h := vecModel(t).m.h
	devSoft := make([][]float64, len(d.Dev))
	for i, ex := range d.Dev {
		devSoft[i] = slices.Repeat([]float64{-3}, nl)
		for _, l := range ex.Labels {
			devSoft[i][l] = 3
		}
	}
	fitted, err := stackCoefs(&h, q, d, 1e6, 2, devSoft)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range d.Dev[0].Labels {
		if c := fitted[l][1+outputs+l]; c < 0.1 {
			t.Errorf("label %d: coefficient %.3g on its own softmax logit, want > 0.1 (unpenalised)", l, c)
		}
	}
	coef := make([][]float64, nl)
	for l := range coef {
		coef[l] = make([]float64, 1+outputs+nl)
		for j := range coef[l] {
			coef[l][j] = math.Sin(float64(7*l+j)) / 4
		}
	}
	before := fitScores(a, texts, o, vt)
	a.stack(coef, nl)
	after := fitScores(a, texts, o, vt)
	for i := range texts {
		for l := 0; l < nl; l++ {
			want := coef[l][0]
			for j, v := range append(slices.Clone(before[i]), soft[i]...) {
				want += coef[l][1+j] * v
			}
			if math.Abs(after[i][l]-want) > 1e-4*(1+math.Abs(want)) {
				t.Fatalf("text %d label %d: stacked score %.6f, want %.6f", i, l, after[i][l], want)
			}
		}
		if !slices.Equal(after[i][nl:], before[i][nl:]) {
			t.Fatalf("text %d: Ekman scores changed", i)
		}
	}
}

// TestSoftmaxTrain: with Softmax only the GoEmotions scores change (the
// Ekman ones stay bit for bit), the header records C, and the file is
// format version 8 (a version 7 file carrying it is refused) and
// deterministic whatever the number of workers; it also trains without
// word vectors.
func TestSoftmaxTrain(t *testing.T) {
	t.Parallel()
	d := smallData(t)
	o := vecOptions(t, 5, 2)
	o.StackLambda, o.ThresholdBandwidth, o.EkmanMode, o.DevInTrain, o.OOFFolds = 50, 0.25, ekmanOwn, true, 2
	base := trainOn(t, d, o)
	o.Softmax = 4
	soft := trainOn(t, d, o)
	if got := soft.m.Info().Softmax; got != 4 || base.m.Info().Softmax != 0 {
		t.Errorf("train info softmax_c = %g (without: %g), want 4 (0)", got, base.m.Info().Softmax)
	}
	if !goEmotionsMoved(t, base.m, soft.m, slices.Concat(d.Dev[:30], d.Train[:30])) {
		t.Errorf("Softmax left every GoEmotions score unchanged")
	}
	checkOptionFile(t, "Softmax", d, o, soft, 8)
	// Without word vectors the softmax has no dense block.
	sparse := smallOptions(5, 2)
	sparse.StackLambda, sparse.Softmax = 50, 4
	if m := trainOn(t, d, sparse).m; m.Info().Softmax != 4 {
		t.Errorf("without vectors: train info softmax_c = %g, want 4", m.Info().Softmax)
	}
}

// TestSoftmaxOOF: with Softmax each train text's out-of-fold scores end
// with the logits of the softmax of the fit that did not see it.
func TestSoftmaxOOF(t *testing.T) {
	t.Parallel()
	d := smallData(t)
	o := vecOptions(t, 5, 2)
	o.StackLambda, o.Softmax, o.EkmanMode, o.OOFFolds = 50, 4, ekmanOwn, 2
	vt, hashes, err := tableOf(o.Vectors, o.Features.Negation, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	h := vecModel(t).m.h
	z, err := oofScores(ctx, d, vt, hashes, o, 2, &h)
	if err != nil {
		t.Fatal(err)
	}
	for f := 0; f < o.OOFFolds; f++ {
		fit, held, idx := splitFold(d.Train, o.OOFFolds, f)
		a, err := fitLinear(ctx, fit, d, vt, hashes, o, 2, "", nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := a.soft.logits(held, a.buckets, o, vt, 2)
		for k, i := range idx {
			if len(z[i]) != h.Outputs+len(d.Labels) || !slices.Equal(z[i][h.Outputs:], want[k]) {
				t.Fatalf("train text %d (fold %d): %d scores, want %d ending with its fold's softmax logits", i, f, len(z[i]), h.Outputs+len(d.Labels))
			}
		}
	}
}
