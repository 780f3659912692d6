package emotion

import (
	"fmt"
	"math"
	"slices"
)

// quantized holds int8 weights with one scale per output, for the rows
// (buckets) that have a non-zero weight.
type quantized struct {
	outputs int
	buckets []uint32
	weights []int8 // len(buckets) × outputs
	scale   []float64
	// dense is the word-vector block (nil without one); dense.w has
	// outputs columns.
	dense *denseParts
}

// quantize maps each output's weights to int8 with scale max|w|/127 and
// drops rows whose weights all round to zero. ws[o][c] is the weight of
// column c, whose bucket is buckets[c].
func quantize(ws [][]float64, buckets []uint32) (*quantized, error) {
	q := &quantized{outputs: len(ws), scale: make([]float64, len(ws))}
	if q.outputs == 0 || q.outputs > maxOutputs {
		return nil, fmt.Errorf("%w: %d outputs", ErrTrain, q.outputs)
	}
	for o, w := range ws {
		m := 0.0
		for _, v := range w {
			m = max(m, math.Abs(v))
		}
		q.scale[o] = 1
		if m > 0 {
			q.scale[o] = m / 127
		}
	}
	row := make([]int8, q.outputs)
	for c, b := range buckets {
		nonzero := false
		for o, w := range ws {
			row[o] = int8(math.Round(w[c] / q.scale[o]))
			nonzero = nonzero || row[o] != 0
		}
		if nonzero {
			q.buckets = append(q.buckets, b)
			q.weights = append(q.weights, row...)
		}
	}
	return q, nil
}

// keepOutputs returns q restricted to its first n outputs, without the
// rows that become all zero.
func (q *quantized) keepOutputs(n int) *quantized {
	out := &quantized{outputs: n, scale: slices.Clone(q.scale[:n])}
	if q.dense != nil {
		d := *q.dense
		feats := len(d.w) / q.outputs
		d.w = make([]float32, 0, feats*n)
		for f := 0; f < feats; f++ {
			d.w = append(d.w, q.dense.w[f*q.outputs:f*q.outputs+n]...)
		}
		out.dense = &d
	}
	for r, b := range q.buckets {
		row := q.weights[r*q.outputs : r*q.outputs+n]
		if slices.ContainsFunc(row, func(w int8) bool { return w != 0 }) {
			out.buckets = append(out.buckets, b)
			out.weights = append(out.weights, row...)
		}
	}
	return out
}

// model builds an in-memory model from q and h (whose shape fields it sets).
func (q *quantized) model(h *header) (*Model, error) {
	h.Outputs, h.Rows, h.Scale = q.outputs, len(q.buckets), q.scale
	h.Train.Features = len(q.buckets)
	return assemble(*h, q.buckets, q.weights, q.dense)
}

// finish encodes the model file for q and h and loads it back, so the
// returned model is exactly what the file holds.
func (q *quantized) finish(h *header) (*Model, []byte, error) {
	if _, err := q.model(h); err != nil {
		return nil, nil, err
	}
	raw, err := encode(h, q.buckets, q.weights, q.dense)
	if err != nil {
		return nil, nil, err
	}
	m, err := decode(raw)
	if err != nil {
		return nil, nil, err
	}
	return m, raw, nil
}
