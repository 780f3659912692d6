package ids

import (
	"context"
	"testing"
)

// ObserveN weighs n occurrences exactly as n single observations: the same
// score, the same block decision.
func TestObserveNMatchesRepeatedObserve(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 2, 5, 6, 100} {
		single, batch := newFixture(t, nil), newFixture(t, nil)
		single.observe(t, ipA, SignalInjection, "", n)
		if err := batch.d.ObserveN(context.Background(), ipA, SignalInjection, "", n); err != nil {
			t.Fatal(err)
		}
		_, sBlocked := single.check(t, ipA)
		_, bBlocked := batch.check(t, ipA)
		if sBlocked != bBlocked {
			t.Errorf("n=%d: %d single observations blocked=%v, ObserveN blocked=%v", n, n, sBlocked, bBlocked)
		}
		if n == 100 && !bBlocked {
			t.Errorf("a batch of 100 injections did not block its source")
		}
		if n == 1 && bBlocked {
			t.Errorf("one injection blocked its source")
		}
	}
	f := newFixture(t, nil)
	if err := f.d.ObserveN(context.Background(), ipA, SignalInjection, "", 0); err != nil {
		t.Fatal(err)
	}
	if _, blocked := f.check(t, ipA); blocked {
		t.Error("ObserveN with n=0 blocked")
	}
}
