package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
)

// One key floods the API with batches whose every text trips several
// detectors while another address fails authentication three times; the
// event pipeline is stalled (not yet running) with a small buffer, the
// worst case. Every auth_failure of the other address is stored: the
// flooder's events are shed, not anyone else's.
func TestFloodNeverShedsAnotherSourcesEvents(t *testing.T) {
	env := testEnv(t, map[string]string{"IDS_BLOCK_THRESHOLD": "60000", "RATE_LIMIT_REQUESTS": "100000", "IP_RATE_LIMIT_REQUESTS": "100000"})
	cfg, err := config.LoadFlags(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Build(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)),
		Options{Predictor: fakeModel{}, KeyringReload: 20 * time.Millisecond, EventBuffer: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ta := &testApp{App: a, t: t, h: a.Handler, dataDir: env["SAMO_DATA_DIR"]}
	flooder := ta.key("flooder", rbac.RoleUser)
	texts := make([]string, 100)
	for i := range texts {
		texts[i] = "<script>alert(1)</script> {{.Secret}} ' OR 1=1 -- ../../etc/passwd"
	}
	body, _ := json.Marshal(map[string]any{"texts": texts})
	for range 100 {
		if rec, _ := ta.send("/v1/predict/batch", flooder, "application/json", "198.51.100.7:1", body); rec.Code != 200 {
			t.Fatalf("flood batch: %d %s", rec.Code, rec.Body)
		}
	}
	for i := range 3 {
		bad := "samo_" + strings.Repeat("x", 36+i)
		if rec, _ := ta.send("/v1/predict", bad, "application/json", "203.0.113.9:1", []byte(`{"text":"hi"}`)); rec.Code != 401 {
			t.Fatalf("bad key: %d, want 401", rec.Code)
		}
	}
	if a.Events.Shed() == 0 {
		t.Fatal("nothing was shed: the flood did not overflow the buffer, so the test proves nothing")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = a.Run(ctx, func(ctx context.Context) error { <-ctx.Done(); return nil }); close(done) }()
	defer func() { cancel(); <-done }()
	fromOther := func(es []secevent.Event) int {
		n := 0
		for _, e := range es {
			if e.ClientIP == "203.0.113.9" {
				n++
			}
		}
		return n
	}
	es := ta.waitEvents(secevent.AuthFailure, func(es []secevent.Event) bool { return fromOther(es) >= 3 })
	if n := fromOther(es); n != 3 {
		t.Errorf("%d of the other address's 3 auth_failure events stored (%d events shed)", n, a.Events.Shed())
	}
}
