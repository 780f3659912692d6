package seal

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// update rewrites the golden files. Only for a deliberate format change:
// the point of the files is that data written by an earlier SAMO keeps
// opening, so a new format must still read them (keep the old files as
// *_v1 and add new ones rather than overwriting).
var update = flag.Bool("update", false, "rewrite testdata/golden (a deliberate format change only)")

const goldenDir = "testdata/golden"

// goldenMaster is the master key of the golden files (never a real one).
func goldenMaster(t *testing.T) *MasterKey {
	t.Helper()
	raw := sha256.Sum256([]byte("samo golden master key: tests only"))
	mk, err := NewMasterKey(raw[:])
	if err != nil {
		t.Fatal(err)
	}
	return mk
}

// goldenSealed is one sealed value with what is needed to open it.
type goldenSealed struct {
	Algorithm string `json:"algorithm"`
	KeyID     string `json:"key_id"`
	Table     string `json:"table"`
	Column    string `json:"column"`
	RowID     string `json:"row_id"`
	Plaintext string `json:"plaintext"`
	Sealed    []byte `json:"sealed"` // base64 in the file
}

// goldenStreamText is the plaintext of the golden stream file: more than
// one chunk, so the chunk counter and the final-chunk flag are covered.
func goldenStreamText() []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < 150_000; i++ {
		b.WriteString("SAMO golden stream line ")
		b.WriteByte(byte('a' + i%26))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func writeGolden(t *testing.T) {
	t.Helper()
	mk := goldenMaster(t)
	ring, err := New(AES256GCM, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	var sealed []goldenSealed
	seal := func(alg Algorithm, text string) {
		g := goldenSealed{Algorithm: string(alg), KeyID: ring.Active().ID, Table: "predictions", Column: "text",
			RowID: "pred_golden_" + string(alg), Plaintext: text}
		if g.Sealed, err = ring.Seal([]byte(text), AAD(g.Table, g.Column, g.RowID)); err != nil {
			t.Fatal(err)
		}
		sealed = append(sealed, g)
	}
	seal(AES256GCM, "I was terrified, then relieved — ünïcödé ✓")
	id, err := ring.AddKey(Fernet)
	if err != nil {
		t.Fatal(err)
	}
	if err := ring.SetActive(id); err != nil {
		t.Fatal(err)
	}
	seal(Fernet, "a Fernet-sealed value from an older keyring")
	wrapped, err := ring.Wrap(mk)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(sealed, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var stream bytes.Buffer
	w, err := NewWriter(&stream, mk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(goldenStreamText()); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"keyring_v1.bin": wrapped, "sealed_v1.json": append(js, '\n'), "stream_v1.samofs": stream.Bytes()} {
		if err := os.WriteFile(filepath.Join(goldenDir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, name))
	if err != nil {
		t.Fatalf("golden file missing (go test -run Golden -update writes it, for a format change only): %v", err)
	}
	return b
}

// TestGolden: a keyring wrapped, values sealed and a file streamed by an
// earlier build still open. A silent change of any of these formats fails
// here, where a round trip would pass.
func TestGolden(t *testing.T) {
	t.Parallel()
	if *update {
		writeGolden(t)
	}
	mk := goldenMaster(t)
	ring, err := Unwrap(readGolden(t, "keyring_v1.bin"), mk, time.Now)
	if err != nil {
		t.Fatalf("golden keyring no longer unwraps: %v", err)
	}
	if n := len(ring.Keys()); n != 2 {
		t.Errorf("golden keyring holds %d keys, want 2", n)
	}
	if ring.Active().Algorithm != Fernet {
		t.Errorf("golden keyring's active key is %s, want the Fernet key", ring.Active().Algorithm)
	}
	var sealed []goldenSealed
	if err := json.Unmarshal(readGolden(t, "sealed_v1.json"), &sealed); err != nil {
		t.Fatal(err)
	}
	if len(sealed) != 2 {
		t.Fatalf("%d golden sealed values, want 2", len(sealed))
	}
	for _, g := range sealed {
		aad := AAD(g.Table, g.Column, g.RowID)
		got, err := ring.Open(g.Sealed, aad)
		if err != nil || string(got) != g.Plaintext {
			t.Errorf("golden %s value: got (%q, %v), want %q", g.Algorithm, got, err, g.Plaintext)
		}
		if id, err := KeyID(g.Sealed); err != nil || id != g.KeyID {
			t.Errorf("golden %s value: KeyID = (%q, %v), want %q", g.Algorithm, id, err, g.KeyID)
		}
		if _, err := ring.Open(g.Sealed, AAD(g.Table, g.Column, g.RowID+"x")); err == nil {
			t.Errorf("golden %s value opens under another row's AAD", g.Algorithm)
		}
	}
	r, err := NewReader(bytes.NewReader(readGolden(t, "stream_v1.samofs")), mk)
	if err != nil {
		t.Fatalf("golden stream header: %v", err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, goldenStreamText()) {
		t.Errorf("golden stream: %d bytes, %v; want the %d-byte text", len(got), err, len(goldenStreamText()))
	}
	other, _ := NewMasterKey(make([]byte, MasterKeySize))
	if _, err := Unwrap(readGolden(t, "keyring_v1.bin"), other, time.Now); err == nil {
		t.Error("golden keyring unwraps under another master key")
	}
}
