package emotion

import (
	"slices"
	"testing"
)

// TestWordClusters: word clusters add features to the GoEmotions outputs
// only: the Ekman scores stay bit for bit those of the same options
// without clusters; the file is format version 6 (a version 5 file with
// clusters is refused), round-trips the clusters and stays deterministic
// whatever the number of workers.
func TestWordClusters(t *testing.T) {
	t.Parallel()
	d := smallData(t)
	o := vecOptions(t, 5, 2)
	o.StackLambda, o.ThresholdBandwidth, o.EkmanMode, o.DevInTrain = 50, 0.25, ekmanOwn, true
	base := trainOn(t, d, o)
	o.Clusters = 16
	cl := trainOn(t, d, o)
	vt := cl.m.vt
	if vt.info.Clusters != 16 || len(vt.cluster) != vt.info.Words {
		t.Fatalf("clusters not loaded: %d clusters, %d of %d words", vt.info.Clusters, len(vt.cluster), vt.info.Words)
	}
	used := map[uint16]bool{}
	for _, c := range vt.cluster {
		used[c] = true
	}
	if len(used) < 8 {
		t.Errorf("only %d of 16 clusters used", len(used))
	}
	if !goEmotionsMoved(t, base.m, cl.m, slices.Concat(d.Dev[:30], d.Train[:30])) {
		t.Errorf("clusters left every GoEmotions score unchanged")
	}
	if !slices.Equal(base.m.Thresholds(Ekman), cl.m.Thresholds(Ekman)) {
		t.Errorf("Ekman thresholds changed")
	}
	checkOptionFile(t, "clusters", d, o, cl, 6)
}
