package httpload

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketRoundTrip(t *testing.T) {
	for _, v := range []uint64{0, 1, 63, 64, 65, 100, 1000, 12345, 1 << 20, 1<<40 + 7, 1<<63 - 1} {
		i := bucketOf(v)
		if i < 0 || i >= numBuckets {
			t.Fatalf("bucketOf(%d) = %d, out of range [0,%d)", v, i, numBuckets)
		}
		lo := lowerBound(i)
		if lo > v {
			t.Errorf("lowerBound(bucketOf(%d)) = %d, want ≤ %d", v, lo, v)
		}
		if i+1 < numBuckets && lowerBound(i+1) <= v {
			t.Errorf("value %d is past its bucket %d (next starts at %d)", v, i, lowerBound(i+1))
		}
		if v >= linearTop && float64(v-lo)/float64(lo) > 1.0/subCount {
			t.Errorf("bucket of %d starts at %d: relative error above 1/%d", v, lo, subCount)
		}
	}
}

func TestQuantileAgainstSorted(t *testing.T) {
	tests := []struct {
		name string
		gen  func(r *rand.Rand) time.Duration
	}{
		{"uniform 0-10ms", func(r *rand.Rand) time.Duration { return time.Duration(r.Int64N(int64(10 * time.Millisecond))) }},
		{"exponential mean 300µs", func(r *rand.Rand) time.Duration {
			return time.Duration(r.ExpFloat64() * float64(300*time.Microsecond))
		}},
		{"bimodal", func(r *rand.Rand) time.Duration {
			if r.IntN(100) == 0 {
				return 50 * time.Millisecond
			}
			return 200 * time.Microsecond
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			var h Histogram
			var all []time.Duration
			for range 20000 {
				d := tc.gen(r)
				h.Record(d)
				all = append(all, d)
			}
			slices.Sort(all)
			for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
				want := all[int(q*float64(len(all))+0.999999)-1]
				got := h.Quantile(q)
				if diff := float64(got-want) / float64(want); diff > 0.04 || diff < -0.04 {
					t.Errorf("Quantile(%v) = %v, want %v ±4%%", q, got, want)
				}
			}
			if h.Max() != all[len(all)-1] {
				t.Errorf("Max = %v, want %v", h.Max(), all[len(all)-1])
			}
			if h.Count() != uint64(len(all)) {
				t.Errorf("Count = %d, want %d", h.Count(), len(all))
			}
		})
	}
}

func TestMerge(t *testing.T) {
	var a, b Histogram
	a.Record(time.Millisecond)
	b.Record(3 * time.Millisecond)
	b.Record(-time.Second) // counted as zero
	a.Merge(&b)
	if a.Count() != 3 {
		t.Errorf("Count = %d, want 3", a.Count())
	}
	if a.Max() != 3*time.Millisecond {
		t.Errorf("Max = %v, want 3ms", a.Max())
	}
	if got, want := a.Mean(), 4*time.Millisecond/3; got != want {
		t.Errorf("Mean = %v, want %v", got, want)
	}
	var empty Histogram
	if empty.Quantile(0.99) != 0 || empty.Mean() != 0 {
		t.Errorf("empty histogram: Quantile %v Mean %v, want 0 0", empty.Quantile(0.99), empty.Mean())
	}
}
