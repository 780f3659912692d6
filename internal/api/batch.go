package api

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/samo-brain/samo/internal/gateway"
	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/validate"
)

// uploadRetryAfter is the Retry-After of an upload refused because
// MAX_CONCURRENT_UPLOADS are already being read.
const uploadRetryAfter = 2 * time.Second

type itemError struct {
	Code    string `json:"code"`
	Message string `json:"message"`

	injection bool // refused by the injection detector (intrusion detection)
}

type batchItem struct {
	Index      int             `json:"index"`
	Prediction *predictionJSON `json:"prediction,omitempty"`
	Error      *itemError      `json:"error,omitempty"`
}

type batchResponse struct {
	Results   []batchItem `json:"results"`
	Count     int         `json:"count"`
	Succeeded int         `json:"succeeded"`
	Failed    int         `json:"failed"`
	RequestID string      `json:"request_id"`
}

func (a *API) predictBatch(w http.ResponseWriter, r *http.Request) error {
	var texts []string
	var threshold *float64
	tax := ""
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		release, err := a.acquireUpload()
		if err != nil {
			return err
		}
		defer release()
		texts, tax, threshold, err = a.readUpload(w, r)
		if err != nil {
			return err
		}
	default:
		b, err := decodeBatch(w, r, a.bodyLimit(a.Limits.MaxBatch), a.Limits.MaxBatch)
		if err != nil {
			return err
		}
		if !b.gotTexts {
			return fieldProblem("texts", "required", "texts is required (an array of strings)")
		}
		texts, threshold, tax = b.texts, b.threshold, b.taxonomy
	}
	if len(texts) == 0 {
		return fieldProblem("texts", "empty", "at least one text is required")
	}
	tax, err := a.taxonomy(tax)
	if err != nil {
		return err
	}
	if err := validate.Threshold(threshold); err != nil {
		return fieldProblem("threshold", "out_of_range", "threshold must be a number between 0 and 1")
	}
	resp := batchResponse{Results: make([]batchItem, len(texts)), Count: len(texts)}
	var ins []prediction.Input
	var pos []int
	tally := newEventTally()
	for i, t := range texts {
		texts[i] = "" // release each text once checked
		resp.Results[i].Index = i
		in, err := a.checkText(r, "texts["+strconv.Itoa(i)+"]", t, tally.add)
		if err != nil {
			resp.Results[i].Error = toItemError(err)
			continue
		}
		in.Taxonomy, in.Threshold = tax, threshold
		ins = append(ins, in)
		pos = append(pos, i)
	}
	tally.flush(r.Context(), a.Events)
	a.observeItems(r, resp.Results)
	if len(ins) > 0 {
		results := a.Predictions.PredictBatch(r.Context(), ins)
		if err := refusedBatch(results); err != nil {
			return err
		}
		for j, res := range results {
			i := pos[j]
			if res.Err != nil {
				if isUnavailable(res.Err) {
					return problem.Unavailable("Storage", res.Err)
				}
				pe := predictError(res.Err)
				if errors.Is(res.Err, gateway.ErrRejected) {
					a.noteClientError(r, pe) // each refused text scores the caller
				}
				resp.Results[i].Error = toItemError(pe)
				continue
			}
			p := toJSON(res.Record)
			resp.Results[i].Prediction = &p
		}
	}
	for _, it := range resp.Results {
		if it.Error != nil {
			resp.Failed++
		} else {
			resp.Succeeded++
		}
	}
	if info, ok := infoFrom(r); ok {
		resp.RequestID = info.RequestID
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// acquireUpload takes one of MAX_CONCURRENT_UPLOADS slots, or refuses the
// upload at once with a 503 and Retry-After: uploads are the requests that
// read the most, so their number is bounded rather than queued.
func (a *API) acquireUpload() (func(), error) {
	if a.uploads == nil {
		return func() {}, nil
	}
	select {
	case a.uploads <- struct{}{}:
		return func() { <-a.uploads }, nil
	default:
		return nil, &problem.Error{Status: http.StatusServiceUnavailable, Code: "too_many_uploads", Title: "Service Unavailable",
			Detail:     "Too many file uploads are being processed; retry after the indicated time.",
			RetryAfter: uploadRetryAfter}
	}
}

// observeItems feeds a batch's rejected items to intrusion detection like
// single requests: each item refused by the injection detector counts as
// one injection (so 100 attacks in one batch weigh as 100 requests), and
// items refused as malformed count once per batch (a file with a few bad
// lines is more often a mistake than an attack).
func (a *API) observeItems(r *http.Request, items []batchItem) {
	if a.IDS == nil {
		return
	}
	info, ok := reqctx.From(r.Context())
	if !ok {
		return
	}
	injections, invalid := 0, 0
	for _, it := range items {
		switch {
		case it.Error == nil:
		case it.Error.injection:
			injections++
		default:
			invalid++
		}
	}
	if injections > 0 {
		_ = a.IDS.ObserveN(r.Context(), info.ClientIP, ids.SignalInjection, "", injections) // the detector records its own failures
	}
	if invalid > 0 {
		_ = a.IDS.Observe(r.Context(), info.ClientIP, ids.SignalValidationRejected, "")
	}
}

// refusedBatch returns the 503 for a batch whose every predicted item was
// refused by the gateway's open circuit: no work was done, so the whole
// request may be retried after Retry-After. Mixed outcomes stay per item.
func refusedBatch(results []prediction.ItemResult) error {
	for _, res := range results {
		if !errors.Is(res.Err, gateway.ErrUnavailable) {
			return nil
		}
	}
	return predictError(results[0].Err)
}

func toItemError(err error) *itemError {
	var e *problem.Error
	if !errors.As(err, &e) {
		e = problem.Internal(err)
	}
	ie := &itemError{Code: e.Code, Message: e.Detail, injection: e.Code == "injection_detected"}
	if len(e.Fields) > 0 {
		ie.Code, ie.Message = e.Fields[0].Code, e.Fields[0].Message
	}
	return ie
}
