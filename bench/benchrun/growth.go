package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samo-brain/samo/internal/httpload"
)

// Store growth (issue 14): the write path must cost the same with a large
// store, and a word search must stay fast for a user with many predictions.
const (
	grownStore   = 1_000_000 // predictions stored before predict-1m is measured
	searchedUser = 100_000   // predictions of the searching user in search-100k
	fillBatch    = 100       // texts per POST /v1/predict/batch while filling
	fillConns    = 8
	// searchWord occurs in none of the fill texts: a search for it reads
	// every index entry of the user, the worst case.
	searchWord = "zephyr"
)

// batchBody is POST /v1/predict/batch with fillBatch copies of benchText.
var batchBody = func() []byte {
	texts := make([]string, fillBatch)
	for i := range texts {
		texts[i] = benchText
	}
	b, _ := json.Marshal(map[string]any{"texts": texts, "taxonomy": "goemotions"})
	return b
}()

// growthScenarios are the batch, 1,000,000-row and 100,000-row scenarios.
func growthScenarios(o options) []scenario {
	return []scenario{
		{ID: "chain-mem", Title: "samo, security chain on a storage-free route", Route: "GET /v1/admin/crypto/rotation",
			start: func(ctx context.Context) (*server, httpload.Request, func(), error) {
				s, key, stop, err := startSamo(ctx, o, "samo", "admin")
				if err != nil {
					return nil, httpload.Request{}, nil, err
				}
				return s, httpload.Request{Method: http.MethodGet, Path: "/v1/admin/crypto/rotation", Header: map[string]string{"X-API-Key": key}}, stop, nil
			}},
		{ID: "batch", Title: "samo, batch of 100 texts (SQLite)", Route: "POST /v1/predict/batch",
			start: func(ctx context.Context) (*server, httpload.Request, func(), error) {
				s, key, stop, err := startSamo(ctx, o, "samo", "user")
				if err != nil {
					return nil, httpload.Request{}, nil, err
				}
				return s, batchRequest(key), stop, nil
			}},
		{ID: "predict-1m", Title: "samo, predict with 1,000,000 stored (SQLite)", Route: "POST /v1/predict",
			start: func(ctx context.Context) (*server, httpload.Request, func(), error) {
				s, key, stop, err := startSamo(ctx, o, "samo", "user")
				if err != nil {
					return nil, httpload.Request{}, nil, err
				}
				filler, err := createKey(ctx, o, s.dir, s.env, "filler", "user")
				if err == nil {
					err = fill(ctx, s.addr, filler, o.grownRows)
				}
				if err != nil {
					stop()
					return nil, httpload.Request{}, nil, err
				}
				return s, predictRequest(key), stop, nil
			}},
		searchScenario(o, "search-100k", "SQLite", nil),
	}
}

// searchScenario is the word search of a user with o.searchRows
// predictions, none holding the word: the worst case, every entry of the
// user's index read (on SQLite the search blocks skip most). Two clients
// search at once, not 32, as a user's searches arrive. db names the
// store; setup, when set, returns the extra environment and a cleanup.
func searchScenario(o options, id, db string, setup func(context.Context) ([]string, func(), error)) scenario {
	return scenario{ID: id, Title: "samo, word search of a user with 100,000 stored (" + db + ")", Route: "GET /v1/predictions?q=" + searchWord, Conns: 2,
		start: func(ctx context.Context) (*server, httpload.Request, func(), error) {
			var extra []string
			cleanup := func() {}
			if setup != nil {
				var err error
				if extra, cleanup, err = setup(ctx); err != nil {
					return nil, httpload.Request{}, nil, err
				}
			}
			s, key, stop, err := startSamo(ctx, o, "samo", "user", extra...)
			if err == nil {
				err = fill(ctx, s.addr, key, o.searchRows)
			}
			if err != nil {
				if stop != nil {
					stop()
				}
				cleanup()
				return nil, httpload.Request{}, nil, err
			}
			return s, httpload.Request{Method: http.MethodGet, Path: "/v1/predictions?limit=20&q=" + searchWord,
				Header: map[string]string{"X-API-Key": key}}, func() { stop(); cleanup() }, nil
		}}
}

func batchRequest(key string) httpload.Request {
	return httpload.Request{Method: http.MethodPost, Path: "/v1/predict/batch",
		Header: map[string]string{"Content-Type": "application/json", "X-API-Key": key}, Body: batchBody}
}

// fill stores n predictions through the API (batches of fillBatch varied
// texts from fillConns clients), so the store holds what real traffic
// writes: sealed texts, blind-index terms, emotions.
func fill(ctx context.Context, addr, key string, n int) error {
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, fillConns)
	client := &http.Client{Timeout: time.Minute}
	for c := range fillConns {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 42)) // #nosec G404 -- varied benchmark texts, not secrets
			for i := next.Add(fillBatch) - fillBatch; i < int64(n); i = next.Add(fillBatch) - fillBatch {
				body, err := json.Marshal(map[string]any{"texts": fillTexts(rng, min(fillBatch, n-int(i)))})
				if err != nil {
					errs <- err
					return
				}
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/v1/predict/batch", bytes.NewReader(body))
				if err != nil {
					errs <- err
					return
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-API-Key", key)
				req.Header.Set("X-Forwarded-For", clientIP(int(i/fillBatch)%clientCount))
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK || bytes.Contains(b, []byte(`"error"`)) {
					errs <- fmt.Errorf("fill: status %d: %.300s", resp.StatusCode, b)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	fmt.Printf("filled %d predictions in %v (%.0f texts/s)\n", n, time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())
	return nil
}

// fillWords are the vocabulary of the fill texts (journal-like, 12 words).
var fillWords = strings.Fields(`today work home family friend walk rain sun coffee tired happy sad angry
	calm anxious hopeful grateful lonely proud nervous excited bored meeting project deadline email phone
	dinner lunch breakfast sleep dream morning evening night week weekend monday friday music book movie
	game run gym doctor school class exam teacher boss team call message party trip train bus car city
	park beach garden dog cat kitchen room window door money bill rent job interview offer news letter
	laugh cry smile hug argue forgive miss love hate worry hope wish plan start finish late early again`)

func fillTexts(rng *rand.Rand, n int) []string {
	out := make([]string, n)
	for i := range out {
		w := make([]string, 12)
		for j := range w {
			w[j] = fillWords[rng.IntN(len(fillWords))]
		}
		out[i] = "I " + strings.Join(w, " ") + "."
	}
	return out
}
