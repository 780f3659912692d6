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
// and the same file with one event's type changed does not.
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
	forged := bytes.Replace(raw, []byte(`"type":"auth_failure"`), []byte(`"type":"rate_limited"`), 1)
	if bytes.Equal(forged, raw) {
		t.Fatalf("no auth_failure line in %s", raw)
	}
	if _, err := secevent.VerifyLog(bytes.NewReader(forged), key); !errors.Is(err, secevent.ErrLogTampered) {
		t.Errorf("a changed event type: %v, want ErrLogTampered", err)
	}
}
