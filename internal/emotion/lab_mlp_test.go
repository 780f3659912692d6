//go:build lab

package emotion

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

// TestLabMLP measures, on dev only, a small non-linear layer for the
// GoEmotions labels over the 300 pooled word-vector features of model
// LAB_A (a train-only, unstacked model such as 2026.12.2): a ReLU network
// trained on train, either alone ("side": its 28 outputs join the 35
// linear scores as stack inputs) or on top of the linear scores
// ("residual": trained with A's train scores as a fixed offset, its
// outputs added to them). Each is scored by dev 2-fold×LAB_REPS
// cross-fitting of the trainer's stack (λ = LAB_LAMBDA), Platt scaling
// and smoothed thresholds, next to A stacked alone. LAB_SIDEFREE=0
// penalises the network's outputs like the other stack inputs. The
// 2026.12.2 model: git show d2bdab7:internal/emotion/default.model.
//
//	LAB_A=/tmp/m122.model LAB_REPS=5 LAB_HIDDEN=64 LAB_EPOCHS=10 go test -tags lab -run TestLabMLP -v -timeout 60m ./internal/emotion/
func TestLabMLP(t *testing.T) {
	a, d, truth, trTruth := labModelA(t)
	h := a.h
	nl := len(h.Labels)
	zTr, xTr := labLogitsPooled(a, d.Train)
	zDev, xDev := labLogitsPooled(a, d.Dev)
	mean, sd := standardize(xTr, 1)
	labApplyStd(xDev, mean, sd)
	lambda := labFloats("LAB_LAMBDA", "100")[0]
	bw := labFloats("LAB_BW", "0.25")[0]
	fmt.Printf("A stacked alone: dev 2-fold goemotions %.4f\n", labStackCV(zDev, truth, nl, nil, lambda, bw))
	for _, hidden := range labFloats("LAB_HIDDEN", "64") {
		for _, epochs := range labFloats("LAB_EPOCHS", "10") {
			for _, l2 := range labFloats("LAB_L2", "1e-5") {
				for _, mode := range []string{"side", "residual"} {
					if m := os.Getenv("LAB_MODE"); m != "" && m != mode {
						continue
					}
					o := mlpOptions{Hidden: int(hidden), Epochs: int(epochs), Batch: 32, LR: labFloats("LAB_LR", "1e-3")[0], L2: l2, Seed: 1}
					var off [][]float64
					if mode == "residual" {
						off = zTr
					}
					start := time.Now()
					n := trainMLP(xTr, trTruth, off, nl, o)
					secs := time.Since(start).Seconds()
					// dev outputs of the network alone
					hb := make([]float32, n.hidden)
					side := make([][]float64, len(xDev))
					for i := range xDev {
						side[i] = make([]float64, nl)
						n.forward(xDev[i], hb, side[i])
					}
					var g float64
					if mode == "side" {
						g = labStackCV(zDev, truth, nl, side, lambda, bw)
						alone := labStackCV(side, truth, nl, nil, 1e9, bw)
						fmt.Printf("side     H=%d epochs=%d l2=%g lr=%g (%.0f s): stacked with A %.4f; network alone %.4f\n", n.hidden, o.Epochs, l2, o.LR, secs, g, alone)
					} else {
						z := make([][]float64, len(zDev))
						for i := range z {
							z[i] = append([]float64(nil), zDev[i]...)
							for l := 0; l < nl; l++ {
								z[i][l] += side[i][l]
							}
						}
						g = labStackCV(z, truth, nl, nil, lambda, bw)
						fmt.Printf("residual H=%d epochs=%d l2=%g lr=%g (%.0f s): stacked %.4f\n", n.hidden, o.Epochs, l2, o.LR, secs, g)
					}
				}
			}
		}
	}
}

// labStackCV is the trainer's GoEmotions pipeline (stack over the scores
// z, plus the extra scores side when not nil with each label's own side
// score unpenalised; Platt; smoothed thresholds) by dev cross-fitting.
func labStackCV(z [][]float64, truth [][]bool, nl int, side [][]float64, lambda, bw float64) float64 {
	in := z
	if side != nil {
		in = make([][]float64, len(z))
		for i := range z {
			in[i] = append(append([]float64(nil), z[i]...), side[i]...)
		}
	}
	no := len(z[0])
	thr := func(p []float64, y []bool) float64 { return tuneThresholdSmooth(p, y, bw) }
	c := newCounts(nl)
	for _, sp := range labSplits(len(z)) {
		fit, score := sp[0], sp[1]
		sz := make([][]float64, len(z))
		for i := range sz {
			sz[i] = make([]float64, nl)
		}
		for l := 0; l < nl; l++ {
			zs, ys := make([][]float64, len(fit)), make([]bool, len(fit))
			for k, i := range fit {
				zs[k], ys[k] = in[i], truth[i][l]
			}
			free := []int{l}
			if side != nil && os.Getenv("LAB_SIDEFREE") != "0" {
				free = append(free, no+l)
			}
			var w []float64
			if lambda >= 1e9 && side == nil {
				w = nil
			} else {
				w = stackFitFree(zs, ys, free, lambda)
			}
			for i := range in {
				if w == nil {
					sz[i][l] = in[i][l]
				} else {
					sz[i][l] = logit(stackProb(w, in[i]))
				}
			}
		}
		cal, th := labFit(sz, truth, fit, 0, nl, thr)
		p, pred := make([]float64, nl), make([]bool, nl)
		for _, i := range score {
			for l := 0; l < nl; l++ {
				p[l] = platt(cal[l], sz[i][l])
			}
			decide(p, th, math.NaN(), pred)
			c.add(truth[i], pred)
		}
	}
	g, _ := c.macroMicro()
	return g
}

// labModelA loads the model LAB_A names and the repository's data, with
// the GoEmotions truths of dev and train.
func labModelA(t *testing.T) (a *Model, d *Dataset, devTruth, trainTruth [][]bool) {
	d = loadRepoData(t)
	a, err := labLoadA(t, d)
	if err != nil {
		t.Fatal(err)
	}
	labCoarsen(a)
	devTruth, _ = labTruth(a.h, d.Dev)
	trainTruth, _ = labTruth(a.h, d.Train)
	return a, d, devTruth, trainTruth
}

// labTrainOnly returns the default recipe as the lab compares it: on
// train only and unstacked (no stack, dev retraining, smoothed or
// out-of-fold thresholds), so that the second stage can be cross-fitted
// on dev.
func labTrainOnly(t *testing.T) TrainOptions {
	o := DefaultTrainOptions()
	o.Vectors = loadRepoVectors(t)
	o.StackLambda, o.DevInTrain, o.ThresholdBandwidth, o.EkmanMode, o.OOFFolds = 0, false, 0, "", 0
	return o
}

// labLogitsPooled returns m's raw scores and pooled vector features of
// each example.
func labLogitsPooled(m *Model, ex []Example) ([][]float64, [][]float32) {
	z, x := make([][]float64, len(ex)), make([][]float32, len(ex))
	s := &scratch{}
	nf := m.vt.info.features()
	for i, e := range ex {
		m.logits(s, e.Text)
		z[i] = append([]float64(nil), s.logits[:m.h.Outputs]...)
		x[i] = append([]float32(nil), s.pooled[:nf]...)
	}
	return z, x
}

// labApplyStd standardises x with the mean and deviation standardize
// found on train.
func labApplyStd(x [][]float32, mean, sd []float64) {
	for _, r := range x {
		for f, v := range r {
			r[f] = float32((float64(v) - mean[f]) / sd[f])
		}
	}
}

// TestLabClusters trains, on train only and without stacking or dev
// retraining (so that TestLabStack can cross-fit the trainer's second
// stage on dev), the default recipe with LAB_K word clusters, saved to
// /tmp/lab-cl-K.model.
//
//	LAB_K=256 go test -tags lab -run TestLabClusters -v -timeout 60m ./internal/emotion/
func TestLabClusters(t *testing.T) {
	d := loadRepoData(t)
	for _, k := range labFloats("LAB_K", "256") {
		o := labTrainOnly(t)
		o.Clusters = int(k)
		start := time.Now()
		_, raw, err := Train(context.Background(), d, o)
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/tmp/lab-cl-%d.model", int(k))
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("trained %s in %.0f s\n", path, time.Since(start).Seconds())
	}
}

// TestLabOOF measures a residual network trained on out-of-fold linear
// scores: the default recipe (train only, unstacked) is trained on each
// half of train (labOOFScores: /tmp/lab-oof2-F.model, reused when present) and scores
// the other half; the network, over the pooled vectors and (with
// LAB_INLOGITS=1) those 35 scores, learns a correction of the 28
// GoEmotions scores with the out-of-fold scores as a fixed offset. On dev
// it corrects LAB_A's scores (the same recipe on all of train), scored by
// dev 2-fold×LAB_REPS of the trainer's second stage as TestLabMLP.
func TestLabOOF(t *testing.T) {
	a, d, truth, trTruth := labModelA(t)
	h := a.h
	nl := len(h.Labels)
	zTr := labOOFScores(t, d, 2)
	_, xTr := labLogitsPooled(a, d.Train)
	zDev, xDev := labLogitsPooled(a, d.Dev)
	mean, sd := standardize(xTr, 1)
	labApplyStd(xDev, mean, sd)
	inLogits := os.Getenv("LAB_INLOGITS") == "1"
	input := func(x [][]float32, z [][]float64) [][]float32 {
		if !inLogits {
			return x
		}
		out := make([][]float32, len(x))
		for i := range x {
			out[i] = append([]float32(nil), x[i]...)
			for _, v := range z[i] {
				out[i] = append(out[i], float32(v/4))
			}
		}
		return out
	}
	inTr, inDev := input(xTr, zTr), input(xDev, zDev)
	lambda := labFloats("LAB_LAMBDA", "100")[0]
	bw := labFloats("LAB_BW", "0.25")[0]
	fmt.Printf("A stacked alone: dev 2-fold goemotions %.4f\n", labStackCV(zDev, truth, nl, nil, lambda, bw))
	for _, hidden := range labFloats("LAB_HIDDEN", "64") {
		for _, epochs := range labFloats("LAB_EPOCHS", "5") {
			for _, l2 := range labFloats("LAB_L2", "1e-5") {
				o := mlpOptions{Hidden: int(hidden), Epochs: int(epochs), Batch: 32, LR: labFloats("LAB_LR", "1e-3")[0], L2: l2, Seed: 1}
				start := time.Now()
				n := trainMLP(inTr, trTruth, zTr, nl, o)
				secs := time.Since(start).Seconds()
				hb := make([]float32, n.hidden)
				z := make([][]float64, len(zDev))
				for i := range z {
					z[i] = append([]float64(nil), zDev[i]...)
					n.forward(inDev[i], hb, z[i][:nl])
				}
				fmt.Printf("oof-residual logits-in=%v H=%d epochs=%d l2=%g lr=%g (%.0f s): stacked %.4f\n", inLogits, n.hidden, o.Epochs, l2, o.LR, secs, labStackCV(z, truth, nl, nil, lambda, bw))
			}
		}
	}
}

// TestLabSameEkman reports how far the Ekman scores of the two models in
// LAB_MODELS differ on dev (0 when a model with word
// clusters keeps the Ekman outputs of the same recipe without them).
func TestLabSameEkman(t *testing.T) {
	names := strings.Split(os.Getenv("LAB_MODELS"), ",")
	a, err := LoadFile(names[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadFile(names[1])
	if err != nil {
		t.Fatal(err)
	}
	d := loadRepoData(t)
	nl, outputs := len(a.h.Labels), a.h.Outputs
	za, zb := labLogits(a, d.Dev), labLogits(b, d.Dev)
	diff, moved := 0.0, 0
	for i := range za {
		for o := nl; o < outputs; o++ {
			diff = max(diff, math.Abs(za[i][o]-zb[i][o]))
		}
		for o := 0; o < nl; o++ {
			if za[i][o] != zb[i][o] {
				moved++
				break
			}
		}
	}
	fmt.Printf("dev: largest Ekman score difference %g; GoEmotions scores differ on %d of %d texts\n", diff, moved, len(za))
}
