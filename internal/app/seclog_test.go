package app

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

// TestSecurityLogChained: the server's security log file is hash-chained
// under the keyring's SecurityLogKeyPurpose key: it verifies from seq 1,
// holds every event of the database, and the same file with one event's
// type changed does not verify.
func TestSecurityLogChained(t *testing.T) {
	ta := newTestApp(t, nil)
	for range 3 {
		ta.do(http.MethodGet, "/v1/predictions", "samo_notakey", nil)
	}
	path := filepath.Join(ta.dataDir, "security.log")
	var raw []byte
	for deadline := time.Now().Add(5 * time.Second); bytes.Count(raw, []byte("\n")) < 3; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("security log has %q", raw)
		}
		raw, _ = os.ReadFile(path)
	}
	key := ta.Keyring.DeriveKey(SecurityLogKeyPurpose)
	rep, err := secevent.VerifyLog(bytes.NewReader(raw), key)
	if err != nil || rep.Lines < 3 || rep.FirstSeq != 1 || rep.Unchained != 0 {
		t.Fatalf("VerifyLog = %+v, %v; want an intact chain from seq 1", rep, err)
	}
	// Every event the server recorded is in the database and on a line
	// (what `samo seclog verify` compares). A batch goes to the database
	// first, so the log may need a moment to catch up.
	evs, err := ta.Store.ListEvents(t.Context(), secevent.Filter{Limit: 1000})
	if err != nil || len(evs) < 3 {
		t.Fatalf("database events %v, %v", evs, err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		raw, _ = os.ReadFile(path)
		rep, _ = secevent.VerifyLog(bytes.NewReader(raw), key)
		missing := 0
		for _, e := range evs {
			if _, ok := rep.IDs[e.ID]; !ok {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of the database's %d events are not in the log's ids %v", missing, len(evs), rep.IDs)
		}
	}
	forged := bytes.Replace(raw, []byte(`"type":"auth_failure"`), []byte(`"type":"rate_limited"`), 1)
	if bytes.Equal(forged, raw) {
		t.Fatalf("no auth_failure line in %s", raw)
	}
	if _, err := secevent.VerifyLog(bytes.NewReader(forged), key); !errors.Is(err, secevent.ErrLogTampered) {
		t.Errorf("a changed event type: %v, want ErrLogTampered", err)
	}
}
