package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestIPBlockUnblockList(t *testing.T) {
	env := map[string]string{"SAMO_DATA_DIR": t.TempDir(), "IP_ALLOWLIST": "10.0.0.0/8"}
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Main(context.Background(), args, IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }})
		return out.String(), errb.String(), code
	}
	if _, e, code := run("init"); code != 0 {
		t.Fatalf("init: exit %d: %s", code, e)
	}
	if _, e, code := run("ip", "block", "203.0.113.7", "--reason", "scanner", "--duration", "2h"); code != 0 {
		t.Fatalf("block: exit %d: %s", code, e)
	}
	out, _, code := run("ip", "list")
	if code != 0 || !strings.Contains(out, "203.0.113.7") || !strings.Contains(out, "scanner") {
		t.Fatalf("list: exit %d:\n%s", code, out)
	}
	if _, e, code := run("ip", "block", "10.1.2.3", "--reason", "nope"); code != 1 || !strings.Contains(e, "allowlisted") {
		t.Errorf("blocking an allowlisted address: exit %d: %s", code, e)
	}
	if _, _, code := run("ip", "block", "not-an-ip", "--reason", "x"); code != 2 {
		t.Errorf("bad address: exit %d, want 2", code)
	}
	if _, e, code := run("ip", "unblock", "203.0.113.7"); code != 0 {
		t.Fatalf("unblock: exit %d: %s", code, e)
	}
	if out, _, _ := run("ip", "list", "--json"); strings.Contains(out, "203.0.113.7") {
		t.Errorf("still listed after unblock: %s", out)
	}
	if _, _, code := run("ip", "unblock", "203.0.113.7"); code != 1 {
		t.Errorf("unblocking an address that is not blocked: exit %d, want 1", code)
	}
}
