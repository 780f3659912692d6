package emotion

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
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
	if v := binary.LittleEndian.Uint16(cl.raw[8:]); v != 6 {
		t.Errorf("format version %d with clusters, want 6", v)
	}
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
	sb, sc := &scratch{}, &scratch{}
	nl, outputs := len(base.m.h.Labels), base.m.h.Outputs
	moved := false
	for _, ex := range slices.Concat(d.Dev[:30], d.Train[:30]) {
		base.m.logits(sb, ex.Text)
		cl.m.logits(sc, ex.Text)
		moved = moved || !slices.Equal(sb.logits[:nl], sc.logits[:nl])
		if !slices.Equal(sb.logits[nl:outputs], sc.logits[nl:outputs]) {
			t.Fatalf("%q: Ekman scores changed: %v → %v", ex.Text, sb.logits[nl:outputs], sc.logits[nl:outputs])
		}
	}
	if !moved {
		t.Errorf("clusters left every GoEmotions score unchanged")
	}
	if !slices.Equal(base.m.Thresholds(Ekman), cl.m.Thresholds(Ekman)) {
		t.Errorf("Ekman thresholds changed")
	}
	o.Workers = 1
	if one := trainOn(t, d, o); !bytes.Equal(one.raw, cl.raw) {
		t.Errorf("clusters on 1 and 2 workers gave different files")
	}
	old := slices.Clone(cl.raw)
	binary.LittleEndian.PutUint16(old[8:], 5)
	sum := sha256.Sum256(old[:len(old)-sha256.Size])
	copy(old[len(old)-sha256.Size:], sum[:])
	if _, err := decode(old); !errors.Is(err, ErrCorrupt) {
		t.Errorf("version 5 file with clusters: %v, want ErrCorrupt", err)
	}
}
