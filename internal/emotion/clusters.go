package emotion

import (
	"fmt"
	"math"
)

// wordClusters groups the table's words into k clusters by spherical
// k-means (cosine similarity of the vectors) run for iters rounds from
// the words at rows 0, W/k, 2W/k, …, so the result depends only on the
// table. It returns the cluster of each row.
func (t *vecTable) wordClusters(k, iters int) []uint16 {
	d, words := t.info.Dims, t.info.Words
	k = min(k, words)
	v := make([]float32, words*d)
	for r := 0; r < words; r++ {
		row := v[r*d : (r+1)*d]
		n := 0.0
		for j := range row {
			x := float64(t.data[r*d+j]) * float64(t.info.Scale[j])
			row[j] = float32(x)
			n += x * x
		}
		if n = math.Sqrt(n); n > 0 {
			for j := range row {
				row[j] = float32(float64(row[j]) / n)
			}
		}
	}
	cent := make([]float32, k*d)
	for c := 0; c < k; c++ {
		r := c * words / k
		copy(cent[c*d:(c+1)*d], v[r*d:(r+1)*d])
	}
	assign := make([]uint16, words)
	sum := make([]float64, k*d)
	for it := 0; it <= iters; it++ {
		for r := 0; r < words; r++ {
			row := v[r*d : (r+1)*d]
			best, bestS := 0, float32(math.Inf(-1))
			for c := 0; c < k; c++ {
				var s float32
				for j, x := range cent[c*d : (c+1)*d] {
					s += x * row[j]
				}
				if s > bestS {
					best, bestS = c, s
				}
			}
			assign[r] = uint16(best)
		}
		if it == iters {
			break
		}
		clear(sum)
		for r, c := range assign {
			for j, x := range v[r*d : (r+1)*d] {
				sum[int(c)*d+j] += float64(x)
			}
		}
		for c := 0; c < k; c++ {
			n := 0.0
			for _, x := range sum[c*d : (c+1)*d] {
				n += x * x
			}
			if n = math.Sqrt(n); n == 0 {
				continue // empty cluster: keep its centroid
			}
			for j := 0; j < d; j++ {
				cent[c*d+j] = float32(sum[c*d+j] / n)
			}
		}
	}
	return assign
}

// clusterRounds is the number of k-means rounds wordClusters runs.
const clusterRounds = 10

// setClusters sets the word cluster of each row (nil: no clusters); it
// checks them against the table's Clusters.
func (t *vecTable) setClusters(c []uint16) error {
	if (t.info.Clusters > 0) != (c != nil) || (c != nil && len(c) != t.info.Words) {
		return fmt.Errorf("%w: word vectors: clusters", ErrCorrupt)
	}
	for _, x := range c {
		if int(x) >= t.info.Clusters {
			return fmt.Errorf("%w: word vectors: cluster out of range", ErrCorrupt)
		}
	}
	t.cluster = c
	return nil
}
