//go:build lab

package emotion

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// labSoftCD minimises the softmax's loss (the bias penalised like a
// feature of constant 1) by dual coordinate descent: the dual of
// ½‖W‖² + C Σᵢ CEᵢ has one variable per example and label, αᵢ in the
// simplex scaled by C, with W_l = Σᵢ (C tᵢₗ − αᵢₗ) x̃ᵢ; a pass visits the
// examples in a seeded order and solves each example's sub-problem
// exactly (labSoftSub). At the optimum αᵢₗ = C pᵢₗ.
func labSoftCD(s labSoftSet, nl int, C float64, passes int) []float64 {
	x := s.x
	n := x.rows()
	nW := x.nCols * nl
	theta := make([]float64, nW+nl)
	alpha := make([]float64, n*nl)
	sq := make([]float64, n)
	const eps = 1e-3
	d := make([]float64, nl)
	for i := 0; i < n; i++ {
		a := 1.0
		for _, v := range x.val[x.ptr[i]:x.ptr[i+1]] {
			a += float64(v) * float64(v)
		}
		sq[i] = a
		for l := range d {
			t := float64(s.tgt[i][l])
			alpha[i*nl+l] = C * ((1-eps)*t + eps/float64(nl))
			d[l] = C*t - alpha[i*nl+l]
		}
		labSoftAddRow(theta, x, i, nl, d)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(3, 3))
	z, u, next := make([]float64, nl), make([]float64, nl), make([]float64, nl)
	start := time.Now()
	inner := 0
	for p := 0; p < passes; p++ {
		rng.Shuffle(n, func(a, b int) { order[a], order[b] = order[b], order[a] })
		maxStep := 0.0
		for _, i := range order {
			labSoftScores(theta, x, i, nl, z)
			old := alpha[i*nl : i*nl+nl]
			inner += labSoftSub(sq[i], z, old, next, C, u)
			for l := range d {
				d[l] = old[l] - next[l]
				maxStep = max(maxStep, math.Abs(d[l])/C)
			}
			copy(old, next)
			labSoftAddRow(theta, x, i, nl, d)
		}
		if p%5 == 4 || p == passes-1 {
			g := make([]float64, len(theta))
			bufs := [2][]float64{make([]float64, len(theta)), make([]float64, len(theta))}
			loss := labSoftEval(theta, s, nl, C, g, bufs)
			fmt.Printf("  softmax CD C %g pass %d loss %.2f |g| %.3g max step %.3g inner %.1f/example (%.0f s)\n",
				C, p+1, loss, math.Sqrt(dot(g, g)), maxStep, float64(inner)/float64(n*(p+1)), time.Since(start).Seconds())
		}
	}
	return theta
}

// labSoftAddRow adds d ⊗ x̃ᵢ to theta's weights and d to its biases.
func labSoftAddRow(theta []float64, x *csr, i, nl int, d []float64) {
	for k := x.ptr[i]; k < x.ptr[i+1]; k++ {
		v, row := float64(x.val[k]), theta[int(x.col[k])*nl:][:nl]
		for l, dl := range d {
			row[l] += v * dl
		}
	}
	bias := theta[x.nCols*nl:]
	for l, dl := range d {
		bias[l] += dl
	}
}

// labSoftSub solves one example's dual sub-problem: the α ≥ 0 with
// Σα = C minimising Σₗ ½a(αₗ − oldₗ)² − zₗ(αₗ − oldₗ) + αₗ log αₗ, a =
// ‖x̃‖², z the current logits. Stationarity gives a αₗ + log αₗ = rₗ + ν,
// rₗ = zₗ + a oldₗ, one equation in uₗ = log αₗ per label, solved by
// Newton; ν is found by Newton on log Σ αₗ(ν) = log C (exact when a = 0:
// α = C softmax(z)). It returns the number of inner Newton steps.
func labSoftSub(a float64, z, old, out []float64, C float64, u []float64) int {
	m, sum := math.Inf(-1), 0.0
	for _, v := range z {
		m = max(m, v)
	}
	for _, v := range z {
		sum += math.Exp(v - m)
	}
	nu := math.Log(C) - m - math.Log(sum)
	for l := range u {
		u[l] = math.Log(max(old[l], 1e-300))
	}
	steps := 0
	for it := 0; it < 60; it++ {
		tot, dtot := 0.0, 0.0
		for l, zl := range z {
			s := zl + a*old[l] + nu
			v := min(u[l], s) // u ≤ s always; Newton is monotone from above
			for k := 0; k < 100; k++ {
				e := a * math.Exp(v)
				h := e + v - s
				steps++
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
		g := math.Log(tot / C)
		if math.Abs(g) < 1e-12 {
			break
		}
		nu -= g * tot / dtot
	}
	return steps
}

// TestLabSoftCD trains the softmax by dual coordinate descent
// (LAB_SOFT=C, LAB_SOFT_CD=passes) and reports its dev figures; the
// loss is printed every 5 passes, comparable to TestLabSoftSolve's.
func TestLabSoftCD(t *testing.T) {
	d := loadRepoData(t)
	tr, dev := labSoftData(t, d)
	C := labFloats("LAB_SOFT", "4")[0]
	theta := labSoftCD(tr, len(d.Labels), C, int(labFloats("LAB_SOFT_CD", "20")[0]))
	labSoftReport("dev", labSoftLogits(theta, dev, len(d.Labels)), dev.tgt)
}
