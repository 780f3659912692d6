package client

import (
	"context"
	"io"
	"iter"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
)

type predictBody struct {
	Text      string   `json:"text"`
	Threshold *float64 `json:"threshold,omitempty"`
	Taxonomy  string   `json:"taxonomy,omitempty"`
}

type batchBody struct {
	Texts     []string `json:"texts"`
	Threshold *float64 `json:"threshold,omitempty"`
	Taxonomy  string   `json:"taxonomy,omitempty"`
}

// Predict returns the emotions of text (POST /v1/predict) and stores the
// prediction. opts may be nil. It is retried only on 429 and 503, when the
// server did no work.
func (c *Client) Predict(ctx context.Context, text string, opts *PredictOptions) (*Prediction, error) {
	body := predictBody{Text: text}
	if opts != nil {
		body.Threshold, body.Taxonomy = opts.Threshold, opts.Taxonomy
	}
	var p Prediction
	if err := c.do(ctx, call{method: http.MethodPost, path: "/v1/predict", body: body, out: &p}); err != nil {
		return nil, err
	}
	return &p, nil
}

// PredictBatch predicts up to 100 texts (POST /v1/predict/batch). Texts
// fail one by one (BatchItem.Error); the error is for the request as a
// whole.
func (c *Client) PredictBatch(ctx context.Context, texts []string, opts *PredictOptions) (*BatchResult, error) {
	body := batchBody{Texts: texts}
	if opts != nil {
		body.Threshold, body.Taxonomy = opts.Threshold, opts.Taxonomy
	}
	var res BatchResult
	if err := c.do(ctx, call{method: http.MethodPost, path: "/v1/predict/batch", body: body, out: &res}); err != nil {
		return nil, err
	}
	return &res, nil
}

// UploadBatch streams a file of texts (filename's extension says json, csv
// or txt; the server's MAX_FILE_SIZE applies) to POST /v1/predict/batch.
// opts may be nil. The body is streamed, so the call is never retried.
func (c *Client) UploadBatch(ctx context.Context, filename string, r io.Reader, opts *PredictOptions) (*BatchResult, error) {
	stream := func() (io.Reader, string) {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			err := writeUpload(mw, filename, r, opts)
			if err == nil {
				err = mw.Close()
			}
			pw.CloseWithError(err)
		}()
		return pr, mw.FormDataContentType()
	}
	var res BatchResult
	if err := c.do(ctx, call{method: http.MethodPost, path: "/v1/predict/batch", stream: stream, out: &res}); err != nil {
		return nil, err
	}
	return &res, nil
}

func writeUpload(mw *multipart.Writer, filename string, r io.Reader, opts *PredictOptions) error {
	if opts != nil && opts.Taxonomy != "" {
		if err := mw.WriteField("taxonomy", opts.Taxonomy); err != nil {
			return err
		}
	}
	if opts != nil && opts.Threshold != nil {
		if err := mw.WriteField("threshold", strconv.FormatFloat(*opts.Threshold, 'g', -1, 64)); err != nil {
			return err
		}
	}
	part, err := mw.CreateFormFile("file", filename)
	if err != nil {
		return err
	}
	_, err = io.Copy(part, r)
	return err
}

// Predictions returns one page of the predictions the caller may read
// (GET /v1/predictions): users see their own, analysts everyone's masked,
// admins everyone's.
func (c *Client) Predictions(ctx context.Context, opts ListOptions) (*PredictionPage, error) {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("emotion", opts.Emotion)
	set("q", opts.Query)
	set("cursor", opts.Cursor)
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	var page PredictionPage
	if err := c.do(ctx, call{method: http.MethodGet, path: "/v1/predictions", query: q, out: &page}); err != nil {
		return nil, err
	}
	return &page, nil
}

// AllPredictions iterates over every page from opts.Cursor on, following
// next_cursor. It stops after yielding the first error.
func (c *Client) AllPredictions(ctx context.Context, opts ListOptions) iter.Seq2[Prediction, error] {
	return func(yield func(Prediction, error) bool) {
		for {
			page, err := c.Predictions(ctx, opts)
			if err != nil {
				yield(Prediction{}, err)
				return
			}
			for _, p := range page.Predictions {
				if !yield(p, nil) {
					return
				}
			}
			if page.NextCursor == "" || page.NextCursor == opts.Cursor {
				return
			}
			opts.Cursor = page.NextCursor
		}
	}
}

// Prediction reads one stored prediction (GET /v1/predictions/{id}).
// Another user's id is ErrNotFound.
func (c *Client) Prediction(ctx context.Context, id string) (*Prediction, error) {
	var p Prediction
	if err := c.do(ctx, call{method: http.MethodGet, path: "/v1/predictions/" + url.PathEscape(id), out: &p}); err != nil {
		return nil, err
	}
	return &p, nil
}

// DeletePrediction deletes one stored prediction (DELETE
// /v1/predictions/{id}).
func (c *Client) DeletePrediction(ctx context.Context, id string) error {
	return c.do(ctx, call{method: http.MethodDelete, path: "/v1/predictions/" + url.PathEscape(id)})
}

// Health checks liveness (GET /health); it needs no credentials.
func (c *Client) Health(ctx context.Context) (*Health, error) {
	var h Health
	if err := c.do(ctx, call{method: http.MethodGet, path: "/health", auth: authNone, out: &h}); err != nil {
		return nil, err
	}
	return &h, nil
}
