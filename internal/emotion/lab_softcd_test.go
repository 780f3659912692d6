//go:build lab

package emotion

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// The softmax probe's (lab_soft_test.go) solvers besides L-BFGS: the
// trainer's dual coordinate descent and row-wise AdaGrad.

// labSoftCD solves the softmax probe's problem with the trainer's solver
// (solveSoftmax: dual coordinate descent, the bias penalised like a
// feature of 1) for the given passes, and returns it in the probe's
// layout (weights, then biases), printing the probe's loss.
func labSoftCD(s labSoftSet, nl int, C float64, passes int) []float64 {
	t := make([]float64, 0, len(s.tgt)*nl)
	for _, row := range s.tgt {
		for _, v := range row {
			t = append(t, float64(v))
		}
	}
	w, b := solveSoftmax(context.Background(), s.x, t, nl, C, 1, passes)
	theta := append(w, b...)
	g := make([]float64, len(theta))
	bufs := [2][]float64{make([]float64, len(theta)), make([]float64, len(theta))}
	loss := labSoftEval(theta, s, nl, C, g, bufs)
	fmt.Printf("  softmax CD C %g, %d passes: loss %.2f |g| %.3g\n", C, passes, loss, math.Sqrt(dot(g, g)))
	return theta
}

// labSoftSGD trains the softmax by row-wise AdaGrad (one accumulator per
// feature, shared by the labels) for epochs passes over the rows in a
// seeded order, with no penalty: the number of passes regularises. One
// goroutine, so deterministic.
func labSoftSGD(s labSoftSet, nl, epochs int, lr float64) []float64 {
	nW := s.x.nCols * nl
	theta := make([]float64, nW+nl)
	acc := make([]float64, s.x.nCols+1)
	z := make([]float64, nl)
	n := s.x.rows()
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for ep := 0; ep < epochs; ep++ {
		rng.Shuffle(n, func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, i := range order {
			labSoftScores(theta, s.x, i, nl, z)
			_, sum := labSoftExp(z)
			a, b := s.x.ptr[i], s.x.ptr[i+1]
			g2 := 0.0
			for l := range z {
				z[l] = z[l]/sum - float64(s.tgt[i][l])
				g2 += z[l] * z[l]
			}
			for k := a; k < b; k++ {
				c := int(s.x.col[k])
				v := float64(s.x.val[k])
				acc[c] += v * v * g2 / float64(nl)
				step := lr * v / math.Sqrt(acc[c]+1e-8)
				row := theta[c*nl:][:nl]
				for l := range z {
					row[l] -= step * z[l]
				}
			}
			acc[s.x.nCols] += g2 / float64(nl)
			step := lr / math.Sqrt(acc[s.x.nCols]+1e-8)
			for l := range z {
				theta[nW+l] -= step * z[l]
			}
		}
	}
	return theta
}

// TestLabSoftSweep reports the dev top-1 and cross-entropy of the
// softmax trained on train by AdaGrad for each LAB_SOFT_SWEEP
// "epochs:lr" pair.
func TestLabSoftSweep(t *testing.T) {
	d := loadRepoData(t)
	tr, dev := labSoftData(t, d)
	for _, p := range strings.Split(os.Getenv("LAB_SOFT_SWEEP"), ",") {
		var ep int
		var lr float64
		fmt.Sscanf(p, "%d:%g", &ep, &lr)
		theta := labSoftSGD(tr, len(d.Labels), ep, lr)
		labSoftReport(fmt.Sprintf("dev (%d epochs, lr %g)", ep, lr), labSoftLogits(theta, dev, len(d.Labels)), dev.tgt)
	}
}
