//go:build lab

package emotion

import "math"

// A small non-linear layer over the pooled word vectors: one hidden layer
// of ReLU units whose outputs add to the GoEmotions labels' scores. It is
// trained by mini-batch Adam on one goroutine with a fixed visiting order,
// so equal seeds and data give identical weights.

// mlp is a one-hidden-layer network: out = W2ᵀ relu(W1ᵀ x + b1) + b2.
// w1 is in × hidden and w2 hidden × out, both row-major.
type mlp struct {
	in, hidden, out int
	w1, b1, w2, b2  []float32
}

// mlpOptions are the training hyper-parameters of an mlp.
type mlpOptions struct {
	Hidden int
	Epochs int
	Batch  int
	LR     float64 // Adam step size
	L2     float64 // weight decay on w1 and w2 (per example)
	Seed   uint64
}

// forward computes the hidden activations into h and adds the outputs to
// dst (which holds the offsets, zeros without one).
func (n *mlp) forward(x []float32, h []float32, dst []float64) {
	copy(h, n.b1)
	for i, v := range x {
		if v == 0 {
			continue
		}
		row := n.w1[i*n.hidden : (i+1)*n.hidden]
		for k, w := range row {
			h[k] += v * w
		}
	}
	for k := range h {
		h[k] = max(h[k], 0)
	}
	for j := 0; j < n.out; j++ {
		dst[j] += float64(n.b2[j])
	}
	for k, a := range h {
		if a == 0 {
			continue
		}
		row := n.w2[k*n.out : (k+1)*n.out]
		for j, w := range row {
			dst[j] += float64(a * w)
		}
	}
}

// trainMLP fits an mlp to targets y (one row of out booleans per example)
// from inputs x, with the logistic loss on offset + the network's output
// (offset may be nil: zeros).
func trainMLP(x [][]float32, y [][]bool, offset [][]float64, out int, o mlpOptions) *mlp {
	in := len(x[0])
	n := &mlp{in: in, hidden: o.Hidden, out: out,
		w1: make([]float32, in*o.Hidden), b1: make([]float32, o.Hidden),
		w2: make([]float32, o.Hidden*out), b2: make([]float32, out)}
	rng := o.Seed*0x9e3779b97f4a7c15 + 1
	uniform := func() float64 {
		rng += 0x9e3779b97f4a7c15
		return float64(mix(rng)>>11) / (1 << 53)
	}
	// He initialisation (uniform with the same variance).
	s1 := math.Sqrt(6 / float64(in))
	for i := range n.w1 {
		n.w1[i] = float32((2*uniform() - 1) * s1)
	}
	s2 := math.Sqrt(6 / float64(o.Hidden))
	for i := range n.w2 {
		n.w2[i] = float32((2*uniform() - 1) * s2 * 0.1)
	}
	params := [][]float32{n.w1, n.b1, n.w2, n.b2}
	grads := make([][]float64, len(params))
	m1 := make([][]float64, len(params))
	m2 := make([][]float64, len(params))
	for p := range params {
		grads[p] = make([]float64, len(params[p]))
		m1[p] = make([]float64, len(params[p]))
		m2[p] = make([]float64, len(params[p]))
	}
	gw1, gb1, gw2, gb2 := grads[0], grads[1], grads[2], grads[3]
	order := make([]int, len(x))
	for i := range order {
		order[i] = i
	}
	h := make([]float32, o.Hidden)
	z := make([]float64, out)
	dh := make([]float64, o.Hidden)
	const beta1, beta2, eps = 0.9, 0.999, 1e-8
	step := 0
	for ep := 0; ep < o.Epochs; ep++ {
		for i := len(order) - 1; i > 0; i-- { // Fisher–Yates
			j := int(uniform() * float64(i+1))
			order[i], order[j] = order[j], order[i]
		}
		for lo := 0; lo < len(order); lo += o.Batch {
			hi := min(lo+o.Batch, len(order))
			for p := range grads {
				clear(grads[p])
			}
			for _, i := range order[lo:hi] {
				clear(z)
				if offset != nil {
					copy(z, offset[i][:out])
				}
				n.forward(x[i], h, z)
				clear(dh)
				for j := 0; j < out; j++ {
					r := sigmoid(z[j])
					if y[i][j] {
						r--
					}
					z[j] = r
					gb2[j] += r
				}
				for k, a := range h {
					if a == 0 {
						continue
					}
					row := n.w2[k*out : (k+1)*out]
					g := gw2[k*out : (k+1)*out]
					s := 0.0
					for j, r := range z {
						g[j] += float64(a) * r
						s += float64(row[j]) * r
					}
					dh[k] = s
				}
				for k, g := range dh {
					gb1[k] += g
				}
				for f, v := range x[i] {
					if v == 0 {
						continue
					}
					g := gw1[f*o.Hidden : (f+1)*o.Hidden]
					for k, d := range dh {
						g[k] += float64(v) * d
					}
				}
			}
			step++
			bs := float64(hi - lo)
			c1 := 1 - math.Pow(beta1, float64(step))
			c2 := 1 - math.Pow(beta2, float64(step))
			for p, w := range params {
				decay := o.L2
				if p == 1 || p == 3 {
					decay = 0
				}
				g, a, b := grads[p], m1[p], m2[p]
				for k := range w {
					gk := g[k]/bs + decay*float64(w[k])
					a[k] = beta1*a[k] + (1-beta1)*gk
					b[k] = beta2*b[k] + (1-beta2)*gk*gk
					w[k] -= float32(o.LR * (a[k] / c1) / (math.Sqrt(b[k]/c2) + eps))
				}
			}
		}
	}
	return n
}
