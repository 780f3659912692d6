package app

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/config"
)

// syncBuffer is a bytes.Buffer safe for the pipeline's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestSecurityEventsInProcessLog: with SECURITY_LOG_STDERR the server's
// own log carries each security event (msg=security_event), for a log
// collector to ship; without it, it carries none.
func TestSecurityEventsInProcessLog(t *testing.T) {
	for _, on := range []bool{true, false} {
		var out syncBuffer
		env := testEnv(t, map[string]string{"SECURITY_LOG_STDERR": map[bool]string{true: "true", false: "false"}[on]})
		cfg, err := config.LoadFlags(func(k string) string { return env[k] }, nil)
		if err != nil {
			t.Fatal(err)
		}
		a, err := Build(context.Background(), cfg, slog.New(slog.NewJSONHandler(&out, nil)), Options{Predictor: fakeModel{}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = a.Run(ctx, func(ctx context.Context) error { <-ctx.Done(); return nil }); close(done) }()
		req := httptest.NewRequest(http.MethodGet, "/v1/predictions", nil)
		req.RemoteAddr = "192.0.2.10:40000"
		req.Header.Set("X-API-Key", "samo_notakey")
		a.Handler.ServeHTTP(httptest.NewRecorder(), req)
		deadline := time.Now().Add(2 * time.Second)
		for on && !strings.Contains(out.String(), `"msg":"security_event"`) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !on {
			time.Sleep(200 * time.Millisecond) // the pipeline has flushed the event by then
		}
		cancel()
		<-done
		a.Close()
		got := out.String()
		if has := strings.Contains(got, `"msg":"security_event"`) && strings.Contains(got, `"type":"auth_failure"`); has != on {
			t.Errorf("SECURITY_LOG_STDERR=%v: security_event in the process log = %v:\n%s", on, has, got)
		}
	}
}
