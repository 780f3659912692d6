//go:build lab

package emotion

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"testing"
	"time"
)

// The softmax probe: a multinomial logistic regression over exactly the
// recipe's features (the kept hashed buckets and the 300 standardised
// pooled vector features, weighted as in training), trained by L-BFGS on
// soft targets (an example's labels share its mass), L2 penalty 1/(2C).
// Its 28 logits (centred) are linear in the features, so as stack inputs
// they would fold into the labels' weights at no prediction cost, like
// the 35 one-vs-rest outputs. TestLabOOFStage appends them to every row
// when LAB_SOFT=C is set: dev rows get the logits of the softmax trained
// on all of train, train rows those of the softmax trained on the other
// fold (i mod 2), as the recipe's out-of-fold scores. LAB_SOFT_FREE=1
// leaves the label's own softmax logit unpenalised in the stack. Solver
// settings: LAB_SOFT_ITERS caps the L-BFGS iterations (300),
// LAB_SOFT_PRE=1 preconditions it, LAB_SOFT_SGD=epochs with LAB_SOFT_LR
// trains by AdaGrad instead, LAB_SOFT_CD=passes by the trainer's dual
// coordinate descent (lab_softcd_test.go), LAB_SOFT_DENSE=0 leaves out the vector
// features. Trained softmaxes are cached under /tmp/lab-soft-*.bin.
// Results: docs/model.md, "a softmax member for the stack".
//
//	LAB_SOFT=4 LAB_SOFT_ITERS=400 LAB_SOFT_FREE=1 LAB_A=/tmp/m122.model LAB_REPS=10 LAB_VARIANTS="dev/dev/mix2" LAB_LAMBDA=1000,3000 go test -tags lab -run 'TestLabOOFStage$' -v -timeout 120m ./internal/emotion/

// labSoftSet is a feature matrix and each row's soft targets.
type labSoftSet struct {
	x   *csr
	tgt [][]float32
}

// labSoftData builds the softmax's matrices of train and dev, with the
// columns and standardisation of train.
func labSoftData(t *testing.T, d *Dataset) (tr, dev labSoftSet) {
	o := labTrainOnly(t)
	vt, _, err := tableOf(o.Vectors, o.Features.Negation, o)
	if err != nil {
		t.Fatal(err)
	}
	docsTr, pooledTr := featurize(d.Train, o.Features, vt, 2)
	mean, sd := standardize(pooledTr, o.VectorWeight)
	noDense := os.Getenv("LAB_SOFT_DENSE") == "0"
	if noDense {
		pooledTr = nil
	}
	x, buckets := buildMatrix(docsTr, pooledTr, o.Features.Bits, o.MinDF)
	docsDev, pooledDev := featurize(d.Dev, o.Features, vt, 2)
	for _, p := range pooledDev {
		for f, v := range p {
			p[f] = float32(o.VectorWeight * (float64(v) - mean[f]) / sd[f])
		}
	}
	colOf := make(map[uint32]int32, len(buckets))
	for c, b := range buckets {
		colOf[b] = int32(c)
	}
	xd := &csr{ptr: []int{0}, nCols: x.nCols}
	for i, dc := range docsDev {
		for k, id := range dc.ids {
			if c, ok := colOf[id]; ok {
				xd.col = append(xd.col, c)
				xd.val = append(xd.val, dc.vals[k])
			}
		}
		for f, v := range pooledDev[i] {
			if noDense {
				break
			}
			xd.col = append(xd.col, int32(len(buckets)+f))
			xd.val = append(xd.val, v)
		}
		xd.ptr = append(xd.ptr, len(xd.col))
	}
	nl := len(d.Labels)
	soft := func(ex []Example) [][]float32 {
		out := make([][]float32, len(ex))
		for i, e := range ex {
			out[i] = make([]float32, nl)
			for _, g := range e.Labels {
				out[i][g] += 1 / float32(len(e.Labels))
			}
		}
		return out
	}
	fmt.Printf("softmax features: %d columns, %d train non-zeros\n", x.nCols, len(x.col))
	return labSoftSet{x, soft(d.Train)}, labSoftSet{xd, soft(d.Dev)}
}

// subset returns the rows of s listed in rows.
func (s labSoftSet) subset(rows []int) labSoftSet {
	x := &csr{ptr: []int{0}, nCols: s.x.nCols}
	tgt := make([][]float32, len(rows))
	for k, i := range rows {
		a, b := s.x.ptr[i], s.x.ptr[i+1]
		x.col = append(x.col, s.x.col[a:b]...)
		x.val = append(x.val, s.x.val[a:b]...)
		x.ptr = append(x.ptr, len(x.col))
		tgt[k] = s.tgt[i]
	}
	return labSoftSet{x, tgt}
}

// labSoftEval returns the penalised loss at theta (weights column-major
// by feature, then the nl biases) and writes its gradient to grad, on two
// goroutines with fixed row shares (deterministic).
func labSoftEval(theta []float64, s labSoftSet, nl int, C float64, grad []float64, bufs [2][]float64) float64 {
	nW := s.x.nCols * nl
	losses := [2]float64{}
	done := make(chan int, 2)
	for w := 0; w < 2; w++ {
		go func(w int) {
			g := bufs[w]
			clear(g)
			z := make([]float64, nl)
			loss := 0.0
			for i := w; i < s.x.rows(); i += 2 {
				labSoftScores(theta, s.x, i, nl, z)
				m, sum := labSoftExp(z)
				a, b := s.x.ptr[i], s.x.ptr[i+1]
				lse := m + math.Log(sum)
				for l := range z {
					tl := float64(s.tgt[i][l])
					p := z[l] / sum
					if tl > 0 {
						loss -= tl * (math.Log(z[l]) + m - lse)
					}
					z[l] = p - tl
				}
				for k := a; k < b; k++ {
					v, row := float64(s.x.val[k]), g[int(s.x.col[k])*nl:][:nl]
					for l := range z {
						row[l] += v * z[l]
					}
				}
				for l := range z {
					g[nW+l] += z[l]
				}
			}
			losses[w] = loss
			done <- w
		}(w)
	}
	<-done
	<-done
	reg := 0.0
	for j := range grad {
		grad[j] = bufs[0][j] + bufs[1][j]
		if j < nW {
			reg += theta[j] * theta[j]
			grad[j] += theta[j] / C
		}
	}
	return losses[0] + losses[1] + reg/(2*C)
}

// labSoftTrain minimises labSoftEval by L-BFGS (memory 5, Armijo
// backtracking) from zero, for at most iters iterations.
func labSoftTrain(s labSoftSet, nl int, C float64, iters int) []float64 {
	n := s.x.nCols*nl + nl
	theta, grad := make([]float64, n), make([]float64, n)
	bufs := [2][]float64{make([]float64, n), make([]float64, n)}
	const mem = 5
	var ss, ys [][]float64
	var rho []float64
	f := labSoftEval(theta, s, nl, C, grad, bufs)
	dir, next, gnext := make([]float64, n), make([]float64, n), make([]float64, n)
	alpha := make([]float64, mem)
	// LAB_SOFT_PRE=1: a diagonal preconditioner, the inverse of each
	// weight's curvature bound Σᵢ x²/4 + 1/C (the bias: rows/4).
	var pre []float64
	if os.Getenv("LAB_SOFT_PRE") == "1" {
		pre = make([]float64, n)
		sq := make([]float64, s.x.nCols)
		for k, c := range s.x.col {
			sq[c] += float64(s.x.val[k]) * float64(s.x.val[k])
		}
		for c, v := range sq {
			for l := 0; l < nl; l++ {
				pre[c*nl+l] = 1 / (v/4 + 1/C)
			}
		}
		for l := 0; l < nl; l++ {
			pre[s.x.nCols*nl+l] = 4 / float64(s.x.rows())
		}
	}
	start := time.Now()
	for it := 0; it < iters; it++ {
		// Two-loop recursion: dir = −H·grad.
		copy(dir, grad)
		for k := len(ss) - 1; k >= 0; k-- {
			alpha[k] = rho[k] * dot(ss[k], dir)
			axpy(-alpha[k], ys[k], dir)
		}
		switch k := len(ss) - 1; {
		case pre != nil && k >= 0:
			// H0 = γ·diag(pre), γ from the newest pair in the scaled metric.
			yhy := 0.0
			for j, v := range ys[k] {
				yhy += v * v * pre[j]
			}
			g := dot(ss[k], ys[k]) / yhy
			for j := range dir {
				dir[j] *= g * pre[j]
			}
		case pre != nil:
			for j := range dir {
				dir[j] *= pre[j]
			}
		case k >= 0:
			scale(dot(ss[k], ys[k])/dot(ys[k], ys[k]), dir)
		default:
			scale(1/math.Sqrt(dot(grad, grad)), dir)
		}
		for k := range ss {
			b := rho[k] * dot(ys[k], dir)
			axpy(alpha[k]-b, ss[k], dir)
		}
		scale(-1, dir)
		gd := dot(grad, dir)
		step, fn := 1.0, 0.0
		for ls := 0; ; ls++ {
			for j := range next {
				next[j] = theta[j] + step*dir[j]
			}
			fn = labSoftEval(next, s, nl, C, gnext, bufs)
			if fn <= f+1e-4*step*gd || ls == 30 {
				break
			}
			step /= 2
		}
		sv, yv := make([]float64, n), make([]float64, n)
		if len(ss) == mem {
			sv, yv = ss[0], ys[0]
			ss, ys, rho = ss[1:], ys[1:], rho[1:]
		}
		for j := range sv {
			sv[j] = next[j] - theta[j]
			yv[j] = gnext[j] - grad[j]
		}
		if sy := dot(sv, yv); sy > 1e-12 {
			ss, ys, rho = append(ss, sv), append(ys, yv), append(rho, 1/sy)
		}
		rel := (f - fn) / max(math.Abs(fn), 1)
		theta, next = next, theta
		grad, gnext = gnext, grad
		f = fn
		if it%20 == 0 || rel < 1e-7 {
			fmt.Printf("  softmax C %g it %d loss %.2f |g| %.3g (%.0f s)\n", C, it, f, math.Sqrt(dot(grad, grad)), time.Since(start).Seconds())
		}
		if rel < 1e-7 {
			break
		}
	}
	return theta
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}

func scale(a float64, x []float64) {
	for i := range x {
		x[i] *= a
	}
}

// labSoftScores writes row i's logits under theta to z (len nl).
func labSoftScores(theta []float64, x *csr, i, nl int, z []float64) {
	copy(z, theta[x.nCols*nl:])
	for k := x.ptr[i]; k < x.ptr[i+1]; k++ {
		v, row := float64(x.val[k]), theta[int(x.col[k])*nl:][:nl]
		for l := range z {
			z[l] += v * row[l]
		}
	}
}

// labSoftExp replaces the logits z by exp(z − max z) and returns the
// max and the sum, so that softmax(z) = z/sum.
func labSoftExp(z []float64) (m, sum float64) {
	m = math.Inf(-1)
	for _, v := range z {
		m = max(m, v)
	}
	for l, v := range z {
		z[l] = math.Exp(v - m)
		sum += z[l]
	}
	return m, sum
}

// labSoftLogits returns the centred logits of every row of s.
func labSoftLogits(theta []float64, s labSoftSet, nl int) [][]float64 {
	out := make([][]float64, s.x.rows())
	for i := range out {
		z := make([]float64, nl)
		labSoftScores(theta, s.x, i, nl, z)
		mean := 0.0
		for _, v := range z {
			mean += v
		}
		for l := range z {
			z[l] -= mean / float64(nl)
		}
		out[i] = z
	}
	return out
}

// labSoftCached trains (or reads from path) a softmax on s.
func labSoftCached(path string, s labSoftSet, nl int, C float64) []float64 {
	n := s.x.nCols*nl + nl
	if raw, err := os.ReadFile(path); err == nil && len(raw) == 8*n {
		theta := make([]float64, n)
		for j := range theta {
			theta[j] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*j:]))
		}
		return theta
	}
	start := time.Now()
	var theta []float64
	if ep := int(labFloats("LAB_SOFT_SGD", "0")[0]); ep > 0 {
		theta = labSoftSGD(s, nl, ep, labFloats("LAB_SOFT_LR", "0.1")[0])
	} else if cd := int(labFloats("LAB_SOFT_CD", "0")[0]); cd > 0 {
		theta = labSoftCD(s, nl, C, cd)
	} else {
		theta = labSoftTrain(s, nl, C, int(labFloats("LAB_SOFT_ITERS", "300")[0]))
	}
	raw := make([]byte, 8*n)
	for j, v := range theta {
		binary.LittleEndian.PutUint64(raw[8*j:], math.Float64bits(v))
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		panic(err)
	}
	fmt.Printf("trained %s in %.0f s\n", path, time.Since(start).Seconds())
	return theta
}

// labAddSoft appends the softmax's centred logits to every row of z
// (train rows first, out of fold; then dev).
func labAddSoft(t *testing.T, d *Dataset, z [][]float64, nTr int) [][]float64 {
	C := labFloats("LAB_SOFT", "1")[0]
	nl := len(d.Labels)
	tr, dev := labSoftData(t, d)
	tag := fmt.Sprintf("C%g", C)
	if it := os.Getenv("LAB_SOFT_ITERS"); it != "" && it != "300" {
		tag += "-it" + it
	}
	if os.Getenv("LAB_SOFT_DENSE") == "0" {
		tag += "-sparse"
	}
	if os.Getenv("LAB_SOFT_PRE") == "1" {
		tag += "-pre"
	}
	if cd := os.Getenv("LAB_SOFT_CD"); cd != "" {
		tag += "-cd" + cd
	}
	if ep := os.Getenv("LAB_SOFT_SGD"); ep != "" {
		tag = "sgd" + ep + "-lr" + os.Getenv("LAB_SOFT_LR")
	}
	full := labSoftCached("/tmp/lab-soft-"+tag+"-full.bin", tr, nl, C)
	zDev := labSoftLogits(full, dev, nl)
	labSoftReport("dev", zDev, dev.tgt)
	zTr := make([][]float64, nTr)
	for f := 0; f < 2; f++ {
		var fit, held []int
		for i := 0; i < nTr; i++ {
			if i%2 == f {
				held = append(held, i)
			} else {
				fit = append(fit, i)
			}
		}
		theta := labSoftCached(fmt.Sprintf("/tmp/lab-soft-%s-f%d.bin", tag, f), tr.subset(fit), nl, C)
		for k, zz := range labSoftLogits(theta, tr.subset(held), nl) {
			zTr[held[k]] = zz
		}
	}
	labSoftReport("train out-of-fold", zTr, tr.tgt)
	out := make([][]float64, len(z))
	for i, row := range z {
		extra := zDev[max(i-nTr, 0)]
		if i < nTr {
			extra = zTr[i]
		}
		out[i] = append(append(make([]float64, 0, len(row)+nl), row...), extra...)
	}
	return out
}

// labSoftReport prints the softmax's top-1 accuracy (top label among the
// example's labels) and cross-entropy on a set.
func labSoftReport(name string, z [][]float64, tgt [][]float32) {
	hit, ce := 0, 0.0
	for i, zz := range z {
		best, m, sum := 0, math.Inf(-1), 0.0
		for l, v := range zz {
			if v > zz[best] {
				best = l
			}
			m = max(m, v)
		}
		for _, v := range zz {
			sum += math.Exp(v - m)
		}
		if tgt[i][best] > 0 {
			hit++
		}
		for l, tl := range tgt[i] {
			if tl > 0 {
				ce -= float64(tl) * (zz[l] - m - math.Log(sum))
			}
		}
	}
	fmt.Printf("softmax %s: top-1 %.4f, cross-entropy %.4f\n", name, float64(hit)/float64(len(z)), ce/float64(len(z)))
}

// labFitStackSoft is labFitStack, with LAB_SOFT_FREE=1 also leaving the
// label's softmax logit (column outputs+l) unpenalised.
func labFitStackSoft(z [][]float64, truth [][]bool, rows []int, l int, lambda float64, outputs int) []float64 {
	if os.Getenv("LAB_SOFT_FREE") != "1" || len(z[0]) == outputs {
		return labFitStack(z, truth, rows, l, lambda)
	}
	zs, ys := make([][]float64, len(rows)), make([]bool, len(rows))
	for k, i := range rows {
		zs[k], ys[k] = z[i], truth[i][l]
	}
	return stackFitFree(zs, ys, []int{l, outputs + l}, lambda)
}

// TestLabSoftSolve trains the L-BFGS softmax (LAB_SOFT=C, LAB_SOFT_ITERS,
// LAB_SOFT_PRE), or with LAB_SOFT_CD=passes the trainer's dual
// coordinate descent, on train and reports its dev figures, to compare
// how fast solvers reach the optimum (the loss is printed every 20
// iterations, or at the end of the passes).
//
//	LAB_SOFT=4 LAB_SOFT_CD=30 go test -tags lab -run 'TestLabSoftSolve$' -v ./internal/emotion/
func TestLabSoftSolve(t *testing.T) {
	d := loadRepoData(t)
	tr, dev := labSoftData(t, d)
	C := labFloats("LAB_SOFT", "4")[0]
	var theta []float64
	if cd := int(labFloats("LAB_SOFT_CD", "0")[0]); cd > 0 {
		theta = labSoftCD(tr, len(d.Labels), C, cd)
	} else {
		theta = labSoftTrain(tr, len(d.Labels), C, int(labFloats("LAB_SOFT_ITERS", "100")[0]))
	}
	labSoftReport("dev", labSoftLogits(theta, dev, len(d.Labels)), dev.tgt)
}
