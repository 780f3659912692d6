package seal

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/testdep"
)

// pyOp is one operation for testdata/fernet_interop.py.
type pyOp struct {
	Op       string   `json:"op"`
	Key      string   `json:"key,omitempty"`
	Keys     []string `json:"keys,omitempty"`
	Token    string   `json:"token,omitempty"`
	DataB64  string   `json:"data_b64,omitempty"`
	Data     string   `json:"data,omitempty"`
	Password string   `json:"password,omitempty"`
	At       int64    `json:"at"`
	TTL      *int64   `json:"ttl,omitempty"`
}

// pyResult is one result from the script.
type pyResult struct {
	Token   string `json:"token"`
	DataB64 string `json:"data_b64"`
	Error   string `json:"error"`
	TS      int64  `json:"ts"`
	Stored  string `json:"stored"`
}

// runPython runs ops through Python's cryptography package; without python3
// or the package the test is skipped, or fails under CI=true (testdep).
func runPython(t *testing.T, ops []pyOp) []pyResult {
	t.Helper()
	if err := exec.CommandContext(t.Context(), "python3", "-c", "import cryptography.fernet").Run(); err != nil {
		testdep.Missing(t, "python3 with the cryptography package (make test installs it): %v", err)
	}
	in, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "python3", "testdata/fernet_interop.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	var res []pyResult
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(ops) {
		t.Fatalf("python output %q: %v (want %d results)", out, err, len(ops))
	}
	return res
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func ttlSeconds(n int64) *int64 { return &n }

// interopMessages covers empty, block-sized, binary and non-ASCII plaintexts.
func interopMessages() [][]byte {
	return [][]byte{
		{},
		[]byte("hello"),
		bytes.Repeat([]byte("0123456789abcdef"), 4),
		{0, 0xff, 0x80, '\n', 0},
		[]byte("je suis ému 😢"),
	}
}

// TestPythonDecryptsGo: tokens made here open in Python, with a TTL.
func TestPythonDecryptsGo(t *testing.T) {
	t.Parallel()
	key := GenerateFernetKey()
	k := mustFernetKey(t, key)
	const at = 1_700_000_000
	var ops []pyOp
	for _, msg := range interopMessages() {
		tok, err := k.EncryptAt(msg, time.Unix(at, 0))
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, pyOp{Op: "decrypt", Keys: []string{key}, Token: tok, TTL: ttlSeconds(60), At: at + 30})
	}
	for i, r := range runPython(t, ops) {
		if r.Error != "" || r.DataB64 != b64(interopMessages()[i]) {
			t.Errorf("message %d: python got %q (error %q), want %q", i, r.DataB64, r.Error, b64(interopMessages()[i]))
		}
	}
}

// TestGoDecryptsPython: tokens made by Python open here, with a TTL.
func TestGoDecryptsPython(t *testing.T) {
	t.Parallel()
	key := GenerateFernetKey()
	k := mustFernetKey(t, key)
	const at = 1_700_000_000
	var ops []pyOp
	for _, msg := range interopMessages() {
		ops = append(ops, pyOp{Op: "encrypt", Key: key, DataB64: b64(msg), At: at})
	}
	for i, r := range runPython(t, ops) {
		got, err := k.DecryptAt(r.Token, time.Minute, time.Unix(at+30, 0))
		if err != nil || !bytes.Equal(got, interopMessages()[i]) {
			t.Errorf("message %d: DecryptAt(%s) = %q, %v", i, r.Token, got, err)
		}
	}
}

// TestPythonAgreesOnTime runs the same token through both implementations
// at times around the TTL and clock-skew boundaries; they must agree.
func TestPythonAgreesOnTime(t *testing.T) {
	t.Parallel()
	key := GenerateFernetKey()
	k := mustFernetKey(t, key)
	const ts = 1_700_000_000
	tok, _ := k.EncryptAt([]byte("x"), time.Unix(ts, 0))
	type check struct{ ttl, now int64 }
	var checks []check
	for _, ttl := range []int64{0, 1, 60, 3600} {
		for _, d := range []int64{-120, -61, -60, -59, 0, 1, 59, 60, 61, 3599, 3600, 3601} {
			checks = append(checks, check{ttl, ts + d})
		}
	}
	var ops []pyOp
	for _, c := range checks {
		ops = append(ops, pyOp{Op: "decrypt", Keys: []string{key}, Token: tok, TTL: ttlSeconds(c.ttl), At: c.now})
	}
	for i, r := range runPython(t, ops) {
		c := checks[i]
		_, err := k.DecryptAt(tok, time.Duration(c.ttl)*time.Second, time.Unix(c.now, 0))
		if pyOK, goOK := r.Error == "", err == nil; pyOK != goOK {
			t.Errorf("ttl %d now ts%+d: python ok=%v, go ok=%v (%v)", c.ttl, c.now-ts, pyOK, goOK, err)
		}
	}
	// Clocks before 1970 (and at 0), which take their own branch here.
	type early struct{ ts, now int64 }
	earlies := []early{{0, -10}, {50, -10}, {51, -10}, {0, -60}, {0, -61}, {1, -60}, {0, -100}, {60, 0}, {61, 0}}
	ops = ops[:0]
	toks := make([]string, len(earlies))
	for i, e := range earlies {
		toks[i], _ = k.EncryptAt([]byte("x"), time.Unix(e.ts, 0))
		ops = append(ops, pyOp{Op: "decrypt", Keys: []string{key}, Token: toks[i], TTL: ttlSeconds(3600), At: e.now})
	}
	for i, r := range runPython(t, ops) {
		e := earlies[i]
		_, err := k.DecryptAt(toks[i], time.Hour, time.Unix(e.now, 0))
		if pyOK, goOK := r.Error == "", err == nil; pyOK != goOK {
			t.Errorf("token at %d, clock at %d: python ok=%v, go ok=%v (%v)", e.ts, e.now, pyOK, goOK, err)
		}
	}
}

// TestRotateInterop: Python's MultiFernet.rotate output opens here and ours
// opens in Python, both keeping the original timestamp.
func TestRotateInterop(t *testing.T) {
	t.Parallel()
	oldKey, newKey := GenerateFernetKey(), GenerateFernetKey()
	const ts = 1_650_000_000
	oldTok, _ := mustFernetKey(t, oldKey).EncryptAt([]byte("rotate me"), time.Unix(ts, 0))
	m, err := NewMultiFernet(mustFernetKey(t, newKey), mustFernetKey(t, oldKey))
	if err != nil {
		t.Fatal(err)
	}
	goRotated, err := m.Rotate(oldTok)
	if err != nil {
		t.Fatal(err)
	}
	res := runPython(t, []pyOp{
		{Op: "rotate", Keys: []string{newKey, oldKey}, Token: oldTok},
		{Op: "decrypt", Keys: []string{newKey}, Token: goRotated},
		{Op: "timestamp", Key: newKey, Token: goRotated},
	})
	if got, err := mustFernetKey(t, newKey).Decrypt(res[0].Token); err != nil || string(got) != "rotate me" {
		t.Errorf("python-rotated token: %q, %v", got, err)
	}
	if res[1].DataB64 != b64([]byte("rotate me")) {
		t.Errorf("python decrypt of go-rotated token = %q (error %q)", res[1].DataB64, res[1].Error)
	}
	if res[2].TS != ts {
		t.Errorf("python sees go-rotated timestamp %d, want %d", res[2].TS, ts)
	}
}

// TestLegacyFromPython decrypts values written by a Python rebuild of the
// Guide's DataEncryption.
func TestLegacyFromPython(t *testing.T) {
	t.Parallel()
	cases := []struct{ password, data string }{
		{"correct horse battery staple", "I feel so anxious about tomorrow"},
		{"pässwörd", "ça va? 😊"},
		{"x", ""},
	}
	var ops []pyOp
	for _, c := range cases {
		ops = append(ops, pyOp{Op: "legacy_encrypt", Password: c.password, Data: c.data})
	}
	for i, r := range runPython(t, ops) {
		c := cases[i]
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got, err := LegacyDecrypt([]byte(c.password), r.Stored)
			if err != nil || string(got) != c.data {
				t.Errorf("LegacyDecrypt(%q) = %q, %v; want %q", r.Stored, got, err, c.data)
			}
			if _, err := LegacyDecrypt([]byte(c.password+"!"), r.Stored); !errors.Is(err, ErrTokenSignature) {
				t.Errorf("wrong password: error = %v, want %v", err, ErrTokenSignature)
			}
		})
	}
}
