//go:build lab

package emotion

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// labHyper is labTrainOnly with the settings of LAB_SET applied
// ("NBAlpha=0.5;MinDF=1;…"): the base-model hyperparameters the lab
// compares with the trainer's second stage held as in TestLabOOFStage.
// With LAB_TAG set, the fold models and the model trained on all of train
// (labLoadA) are cached under /tmp/lab-v-TAG-*.
func labHyper(t *testing.T) TrainOptions {
	o := labTrainOnly(t)
	for _, kv := range strings.Split(os.Getenv("LAB_SET"), ";") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("LAB_SET %q: %v", kv, err)
		}
		switch k {
		case "NBAlpha":
			o.NBAlpha = x
		case "MinDF":
			o.MinDF = int(x)
		case "C":
			o.C = x
		case "Epsilon":
			o.Epsilon = x
		case "CharMin":
			o.Features.CharMin = int(x)
		case "CharMax":
			o.Features.CharMax = int(x)
		case "WordWeight":
			o.Features.WordWeight = x
		case "CharWeight":
			o.Features.CharWeight = x
		case "VectorWeight":
			o.VectorWeight = x
		case "Ensemble":
			o.Ensemble = x
		default:
			t.Fatalf("LAB_SET: unknown setting %q", k)
		}
	}
	return o
}

// labLoadA loads LAB_A, or with LAB_TAG and no LAB_A the variant trained
// on all of train (trained and cached when missing).
func labLoadA(t *testing.T, d *Dataset) (*Model, error) {
	tag := os.Getenv("LAB_TAG")
	if os.Getenv("LAB_A") != "" || tag == "" {
		return LoadFile(os.Getenv("LAB_A"))
	}
	path := "/tmp/lab-v-" + tag + "-a.model"
	if m, err := LoadFile(path); err == nil {
		return m, nil
	}
	start := time.Now()
	m, raw, err := Train(context.Background(), d, labHyper(t))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		return nil, err
	}
	fmt.Printf("trained %s in %.0f s\n", path, time.Since(start).Seconds())
	return m, nil
}
