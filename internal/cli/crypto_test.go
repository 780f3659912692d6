package cli

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/seal"
)

// cryptoRun runs "samo crypto args..." with the given environment and stdin.
func cryptoRun(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	stdio := IO{
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errOut,
		Getenv: func(k string) string { return env[k] },
	}
	code = Main(t.Context(), append([]string{"crypto"}, args...), stdio)
	return code, out.String(), errOut.String()
}

const (
	cryptoSpecKey   = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
	cryptoSpecToken = "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=="
	cryptoSpecNow   = "499162801" // 1985-10-26T01:20:01-07:00
)

func TestCryptoFernetCLI(t *testing.T) {
	oldKey, newKey := seal.GenerateFernetKey(), seal.GenerateFernetKey()
	code, token, stderr := cryptoRun(t, nil, "dear diary", "fernet", "encrypt", "--key", oldKey, "--at", "1700000000")
	if code != 0 || !strings.HasSuffix(token, "\n") {
		t.Fatalf("encrypt: exit %d, stdout %q, stderr %q", code, token, stderr)
	}
	cases := []struct {
		name       string
		stdin      string
		args       []string
		wantCode   int
		wantOut    string
		wantStderr string
	}{
		{"spec vector", cryptoSpecToken + "\n", []string{"decrypt", "--key", cryptoSpecKey, "--ttl", "60", "--at", cryptoSpecNow}, 0, "hello", ""},
		{"no ttl", cryptoSpecToken, []string{"decrypt", "--key", cryptoSpecKey}, 0, "hello", ""},
		{"round trip", token, []string{"decrypt", "--key", oldKey}, 0, "dear diary", ""},
		{"old key second", token, []string{"decrypt", "--key", newKey, "--key", oldKey}, 0, "dear diary", ""},
		{"within ttl", token, []string{"decrypt", "--key", oldKey, "--ttl", "60", "--at", "1700000060"}, 0, "dear diary", ""},
		{"expired", token, []string{"decrypt", "--key", oldKey, "--ttl", "60", "--at", "1700000061"}, 1, "", "expired"},
		{"from the future", token, []string{"decrypt", "--key", oldKey, "--ttl", "60", "--at", "1699999939"}, 1, "", "future"},
		{"wrong key", token, []string{"decrypt", "--key", newKey}, 1, "", "signature mismatch"},
		{"tampered", cryptoSpecToken[:20] + "A" + cryptoSpecToken[21:], []string{"decrypt", "--key", cryptoSpecKey}, 1, "", "invalid fernet token"},
		{"not base64url", strings.ReplaceAll(cryptoSpecToken, "_", "/"), []string{"decrypt", "--key", cryptoSpecKey}, 1, "", "malformed"},
		{"no key", "x", []string{"encrypt"}, 2, "", "--key is required"},
		{"bad key", "x", []string{"encrypt", "--key", "short"}, 2, "", "not a Fernet key"},
		{"ttl on encrypt", "x", []string{"encrypt", "--key", oldKey, "--ttl", "5"}, 2, "", "--ttl"},
		{"at without ttl on decrypt", token, []string{"decrypt", "--key", oldKey, "--at", "5"}, 2, "", "--at"},
		{"negative ttl", token, []string{"decrypt", "--key", oldKey, "--ttl", "-1"}, 2, "", "--ttl"},
		{"extra argument", "x", []string{"encrypt", "--key", oldKey, "extra"}, 2, "", "unexpected argument"},
		{"unknown mode", "x", []string{"sign", "--key", oldKey}, 2, "", "unknown crypto fernet subcommand"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := cryptoRun(t, nil, tc.stdin, append([]string{"fernet"}, tc.args...)...)
			if code != tc.wantCode || out != tc.wantOut || !strings.Contains(errOut, tc.wantStderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr containing %q",
					code, out, errOut, tc.wantCode, tc.wantOut, tc.wantStderr)
			}
		})
	}
}

func TestCryptoLegacyCLI(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "password")
	if err := os.WriteFile(pwFile, []byte("guide secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// What the Guide's Python stores: base64url(Fernet token) under
	// PBKDF2-HMAC-SHA256(password, "samo_brain_salt", 100000).
	raw, err := pbkdf2.Key(sha256.New, "guide secret", []byte("samo_brain_salt"), 100000, 32)
	if err != nil {
		t.Fatal(err)
	}
	k, err := seal.NewFernetKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	token, err := k.EncryptAt([]byte("I was so happy today"), time.Unix(1_600_000_000, 0))
	if err != nil {
		t.Fatal(err)
	}
	stored := base64.URLEncoding.EncodeToString([]byte(token))

	code, out, errOut := cryptoRun(t, nil, stored+"\n", "legacy", "decrypt", "--password-file", pwFile)
	if code != 0 || out != "I was so happy today" {
		t.Errorf("legacy decrypt: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	wrong := filepath.Join(dir, "wrong")
	_ = os.WriteFile(wrong, []byte("guide secret!\n"), 0o600)
	if code, out, errOut := cryptoRun(t, nil, stored, "legacy", "decrypt", "--password-file", wrong); code != 1 || out != "" || !strings.Contains(errOut, "signature") {
		t.Errorf("wrong password: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, _, _ := cryptoRun(t, nil, stored, "legacy", "decrypt"); code != 2 {
		t.Errorf("missing --password-file: exit %d, want 2", code)
	}
	if code, _, _ := cryptoRun(t, nil, stored, "legacy", "decrypt", "--password-file", filepath.Join(dir, "missing")); code != 1 {
		t.Errorf("missing password file: exit %d, want 1", code)
	}
}

func TestCryptoFileCLI(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "journal.txt")
	enc := filepath.Join(dir, "journal.enc")
	dec := filepath.Join(dir, "journal.out")
	content := bytes.Repeat([]byte("a line of a long journal\n"), 10_000) // 250 KB, several chunks
	if err := os.WriteFile(plain, content, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ENCRYPTION_KEY": seal.GenerateMasterKey()}
	if code, _, errOut := cryptoRun(t, env, "", "encrypt-file", plain, enc); code != 0 {
		t.Fatalf("encrypt-file: exit %d: %s", code, errOut)
	}
	ct, _ := os.ReadFile(enc)
	if bytes.Contains(ct, []byte("journal")) {
		t.Fatal("encrypted file contains plaintext")
	}
	if code, _, errOut := cryptoRun(t, env, "", "decrypt-file", enc, dec); code != 0 {
		t.Fatalf("decrypt-file: exit %d: %s", code, errOut)
	}
	if got, _ := os.ReadFile(dec); !bytes.Equal(got, content) {
		t.Fatalf("decrypted %d bytes, want the original %d", len(got), len(content))
	}
	if info, err := os.Stat(dec); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("output mode = %v (%v), want 0600", info.Mode().Perm(), err)
	}

	keyFile := filepath.Join(dir, "key")
	_ = os.WriteFile(keyFile, []byte(env["ENCRYPTION_KEY"]+"\n"), 0o600)
	if code, _, errOut := cryptoRun(t, map[string]string{"ENCRYPTION_KEY_FILE": keyFile}, "", "decrypt-file", enc, dec); code != 0 {
		t.Errorf("decrypt-file with ENCRYPTION_KEY_FILE: exit %d: %s", code, errOut)
	}

	// Failures must leave the existing OUT untouched and no temporary file.
	const sentinel = "previous contents"
	tampered := filepath.Join(dir, "tampered.enc")
	bad := append([]byte(nil), ct...)
	bad[len(bad)/2] ^= 1
	_ = os.WriteFile(tampered, bad, 0o600)
	truncated := filepath.Join(dir, "truncated.enc")
	_ = os.WriteFile(truncated, ct[:len(ct)-1], 0o600)
	cases := []struct {
		name       string
		env        map[string]string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"wrong key", map[string]string{"ENCRYPTION_KEY": seal.GenerateMasterKey()}, []string{"decrypt-file", enc, dec}, 1, "wrong key"},
		{"passphrase on raw-key file", map[string]string{"ENCRYPTION_KEY": "some passphrase"}, []string{"decrypt-file", enc, dec}, 1, "wrong key"},
		{"tampered", env, []string{"decrypt-file", tampered, dec}, 1, "authentication"},
		{"truncated", env, []string{"decrypt-file", truncated, dec}, 1, "authentication"},
		{"not encrypted", env, []string{"decrypt-file", plain, dec}, 1, "not a SAMO encrypted stream"},
		{"no key", nil, []string{"decrypt-file", enc, dec}, 1, "ENCRYPTION_KEY"},
		{"both key sources", map[string]string{"ENCRYPTION_KEY": env["ENCRYPTION_KEY"], "ENCRYPTION_KEY_FILE": keyFile}, []string{"decrypt-file", enc, dec}, 1, "not both"},
		{"missing input", env, []string{"decrypt-file", filepath.Join(dir, "nope"), dec}, 1, "no such file"},
		{"one argument", env, []string{"decrypt-file", enc}, 2, "IN OUT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(dec, []byte(sentinel), 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, errOut := cryptoRun(t, tc.env, "", tc.args...)
			if code != tc.wantCode || !strings.Contains(errOut, tc.wantStderr) {
				t.Errorf("exit %d, stderr %q; want exit %d, stderr containing %q", code, errOut, tc.wantCode, tc.wantStderr)
			}
			if got, _ := os.ReadFile(dec); string(got) != sentinel {
				t.Errorf("OUT changed to %d bytes after a failure", len(got))
			}
			if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*")); len(leftovers) > 0 {
				t.Errorf("temporary files left behind: %v", leftovers)
			}
		})
	}
}

// TestCryptoFilePassphrase runs the file commands with a passphrase key
// (two PBKDF2 derivations at 600,000 iterations).
func TestCryptoFilePassphrase(t *testing.T) {
	dir := t.TempDir()
	plain, enc, dec := filepath.Join(dir, "p"), filepath.Join(dir, "e"), filepath.Join(dir, "d")
	_ = os.WriteFile(plain, []byte("short note"), 0o600)
	env := map[string]string{"ENCRYPTION_KEY": "a passphrase of several words"}
	if code, _, errOut := cryptoRun(t, env, "", "encrypt-file", plain, enc); code != 0 {
		t.Fatalf("encrypt-file: exit %d: %s", code, errOut)
	}
	if code, _, errOut := cryptoRun(t, env, "", "decrypt-file", enc, dec); code != 0 {
		t.Fatalf("decrypt-file: exit %d: %s", code, errOut)
	}
	if got, _ := os.ReadFile(dec); string(got) != "short note" {
		t.Errorf("decrypted %q", got)
	}
}
