package client_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/samo-brain/samo/client"
	"github.com/samo-brain/samo/internal/rbac"
)

func start(t *testing.T, extra map[string]string) (*server, string) {
	t.Helper()
	s, err := startServer(extra)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	key, err := s.key("tester", rbac.RoleUser)
	if err != nil {
		t.Fatal(err)
	}
	return s, key
}

func TestRateLimitHonoursRetryAfter(t *testing.T) {
	s, key := start(t, map[string]string{"RATE_LIMIT_REQUESTS": "2", "RATE_LIMIT_WINDOW": "2s"})
	ctx := context.Background()
	noRetry, _ := client.New(s.URL, client.WithAPIKey(key), client.WithRetry(0))
	for i := range 2 {
		if _, err := noRetry.Predict(ctx, "hello", nil); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	_, err := noRetry.Predict(ctx, "hello", nil)
	if !client.IsRateLimited(err) {
		t.Fatalf("third request: %v, want rate limited", err)
	}
	if ra := client.RetryAfterOf(err); ra <= 0 || ra > 2*time.Second {
		t.Errorf("RetryAfter = %v, want within the 2s window", ra)
	}
	// The default client waits as told and gets through.
	retrying, _ := client.New(s.URL, client.WithAPIKey(key))
	start := time.Now()
	if _, err := retrying.Predict(ctx, "hello", nil); err != nil {
		t.Fatalf("with retries: %v", err)
	}
	if waited := time.Since(start); waited < 500*time.Millisecond {
		t.Errorf("succeeded after %v: the client did not wait for Retry-After", waited)
	}
}

func TestRateLimitTooLongToWait(t *testing.T) {
	s, key := start(t, map[string]string{"RATE_LIMIT_REQUESTS": "1", "RATE_LIMIT_WINDOW": "1h"})
	c, _ := client.New(s.URL, client.WithAPIKey(key), client.WithMaxRetryWait(time.Second))
	ctx := context.Background()
	if _, err := c.Predict(ctx, "hello", nil); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	_, err := c.Predict(ctx, "hello", nil)
	if !client.IsRateLimited(err) || client.RetryAfterOf(err) < time.Minute {
		t.Fatalf("err = %v (retry after %v), want rate limited for most of an hour", err, client.RetryAfterOf(err))
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("returned after %v: a Retry-After beyond the cap must not be waited for", d)
	}
}

func TestGatewayErrorsAreTyped(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	s, key := start(t, map[string]string{"MODEL_BACKEND_URL": "http://" + dead + "/predict"})
	c, _ := client.New(s.URL, client.WithAPIKey(key), client.WithRetry(0))
	ctx := context.Background()
	for i := range 5 {
		_, err := c.Predict(ctx, "hello", nil)
		var e *client.Error
		if !errors.As(err, &e) || !errors.Is(err, client.ErrUpstream) || e.Code != "upstream_error" {
			t.Fatalf("call %d: %v, want 502 upstream_error", i, err)
		}
	}
	_, err = c.Predict(ctx, "hello", nil)
	if !client.IsUnavailable(err) || client.RetryAfterOf(err) != 10*time.Second {
		t.Errorf("after 5 failures: %v (retry after %v), want 503 with Retry-After 10s", err, client.RetryAfterOf(err))
	}
}

func TestPredictionLifecycle(t *testing.T) {
	s, key := start(t, nil)
	c, _ := client.New(s.URL, client.WithAPIKey(key))
	ctx := context.Background()
	var ids []string
	for _, text := range []string{"thank you", "scared", "thank you twice"} {
		p, err := c.Predict(ctx, text, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	page, err := c.Predictions(ctx, client.ListOptions{Emotion: "gratitude", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Predictions) != 1 || page.NextCursor == "" {
		t.Errorf("first gratitude page: %d items, cursor %q; want 1 and a cursor", len(page.Predictions), page.NextCursor)
	}
	n := 0
	for p, err := range c.AllPredictions(ctx, client.ListOptions{Emotion: "gratitude", Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		if p.PrimaryEmotion != "gratitude" {
			t.Errorf("filtered listing returned %s", p.PrimaryEmotion)
		}
		n++
	}
	if n != 2 {
		t.Errorf("iterated %d gratitude predictions, want 2", n)
	}
	if err := c.DeletePrediction(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Prediction(ctx, ids[1]); !client.IsNotFound(err) {
		t.Errorf("deleted prediction: %v, want not found", err)
	}
	if got, err := c.Prediction(ctx, ids[0]); err != nil || got.ID != ids[0] {
		t.Errorf("Prediction(%s) = %v, %v", ids[0], got, err)
	}
	if _, err := c.Prediction(ctx, "../admin/keys"); !client.IsNotFound(err) {
		t.Errorf("path-like id: %v, want not found (escaped)", err)
	}
}
