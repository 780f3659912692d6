package httpload

import (
	"math/bits"
	"time"
)

// subBits is the number of significant bits a bucket keeps: values are
// grouped in buckets no wider than 1/32 of their lower bound (≈3 % error),
// which is plenty for p50/p99 and keeps the histogram at a fixed 15 KiB.
const (
	subBits    = 5
	subCount   = 1 << subBits // 32 buckets per power of two
	linearTop  = 2 * subCount // values below 64 ns have their own bucket
	numBuckets = linearTop + 58*subCount
)

// Histogram counts durations in log-linear buckets (an HdrHistogram with
// two significant binary digits of precision). The zero value is ready;
// it is not safe for concurrent use, so each worker keeps its own and the
// results are merged.
type Histogram struct {
	counts [numBuckets]uint64
	n      uint64
	sum    time.Duration
	max    time.Duration
}

func bucketOf(v uint64) int {
	if v < linearTop {
		return int(v)
	}
	e := bits.Len64(v) - (subBits + 1) // ≥ 1
	m := v >> uint(e)                  // in [32, 64)
	return linearTop + (e-1)*subCount + int(m-subCount)
}

// lowerBound returns the smallest value that falls in bucket i.
func lowerBound(i int) uint64 {
	if i < linearTop {
		return uint64(i)
	}
	e := (i-linearTop)/subCount + 1
	m := uint64((i-linearTop)%subCount + subCount)
	return m << uint(e)
}

// Record adds one observation; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	h.n++
	h.sum += d
	if d > h.max {
		h.max = d
	}
}

// Merge adds every observation of o to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	if o.max > h.max {
		h.max = o.max
	}
}

// Count is the number of observations.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the largest observation.
func (h *Histogram) Max() time.Duration { return h.max }

// Mean is the average observation (0 when empty).
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// Quantile returns the q-quantile (0 < q ≤ 1): the midpoint of the bucket
// holding the ⌈q·n⌉-th smallest observation, capped at the maximum.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.999999)
	if rank < 1 {
		rank = 1
	}
	if rank > h.n {
		rank = h.n
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo := lowerBound(i)
			hi := lo + 1
			if i+1 < numBuckets {
				hi = lowerBound(i + 1)
			}
			mid := time.Duration(lo + (hi-lo)/2)
			if mid > h.max {
				mid = h.max
			}
			return mid
		}
	}
	return h.max
}
