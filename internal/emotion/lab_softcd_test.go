//go:build lab

package emotion

import (
	"context"
	"fmt"
	"math"
	"testing"
)

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

// TestLabSoftCD trains the softmax by dual coordinate descent
// (LAB_SOFT=C, LAB_SOFT_CD=passes) and reports its loss (comparable to
// TestLabSoftSolve's) and dev figures.
//
//	LAB_SOFT=4 LAB_SOFT_CD=30 go test -tags lab -run 'TestLabSoftCD$' -v ./internal/emotion/
func TestLabSoftCD(t *testing.T) {
	d := loadRepoData(t)
	tr, dev := labSoftData(t, d)
	C := labFloats("LAB_SOFT", "4")[0]
	theta := labSoftCD(tr, len(d.Labels), C, int(labFloats("LAB_SOFT_CD", "30")[0]))
	labSoftReport("dev", labSoftLogits(theta, dev, len(d.Labels)), dev.tgt)
}
