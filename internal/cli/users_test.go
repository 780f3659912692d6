package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestUsersDisableEnable: the CLI disables a user, lists it as disabled and
// enables it again; bad usage and unknown names fail clearly.
func TestUsersDisableEnable(t *testing.T) {
	env := map[string]string{"SAMO_DATA_DIR": t.TempDir()}
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Main(context.Background(), args, IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }})
		return out.String(), errb.String(), code
	}
	if _, e, code := run("init"); code != 0 {
		t.Fatalf("init: exit %d: %s", code, e)
	}
	if _, e, code := run("keys", "create", "--user", "carol"); code != 0 {
		t.Fatalf("keys create: exit %d: %s", code, e)
	}
	if out, e, code := run("users", "disable", "carol"); code != 0 || !strings.Contains(out, "disabled carol") {
		t.Fatalf("disable: exit %d: %s %s", code, out, e)
	}
	out, _, code := run("users", "list", "--json")
	var us []struct {
		Name       string  `json:"name"`
		DisabledAt *string `json:"disabled_at"`
	}
	if err := json.Unmarshal([]byte(out), &us); err != nil || code != 0 {
		t.Fatalf("list: exit %d, %v: %s", code, err, out)
	}
	found := false
	for _, u := range us {
		if u.Name == "carol" {
			found = true
			if u.DisabledAt == nil {
				t.Errorf("carol listed without disabled_at: %s", out)
			}
		}
	}
	if !found {
		t.Fatalf("carol not listed: %s", out)
	}
	if out, _, _ := run("users", "list"); !strings.Contains(out, "disabled since") {
		t.Errorf("table does not show the disabled state:\n%s", out)
	}
	if _, e, code := run("users", "enable", "carol"); code != 0 {
		t.Fatalf("enable: exit %d: %s", code, e)
	}
	// --json prints the user as the API does.
	for _, tc := range []struct {
		verb     string
		disabled bool
	}{{"disable", true}, {"enable", false}} {
		out, e, code := run("users", tc.verb, "carol", "--json")
		var u struct {
			ID         string  `json:"id"`
			Name       string  `json:"name"`
			Role       string  `json:"role"`
			DisabledAt *string `json:"disabled_at"`
		}
		if err := json.Unmarshal([]byte(out), &u); err != nil || code != 0 || u.Name != "carol" || u.Role != "user" ||
			!strings.HasPrefix(u.ID, "usr_") || (u.DisabledAt != nil) != tc.disabled {
			t.Errorf("users %s carol --json: exit %d, %v: %s %s", tc.verb, code, err, out, e)
		}
	}
	if out, _, _ := run("users", "list"); strings.Contains(out, "disabled since") {
		t.Errorf("still disabled after enable:\n%s", out)
	}
	if _, _, code := run("users", "disable"); code != 2 {
		t.Errorf("no name: exit %d, want 2", code)
	}
	if _, e, code := run("users", "disable", "nobody"); code != 1 || !strings.Contains(e, "nobody") {
		t.Errorf("unknown user: exit %d: %s", code, e)
	}
}
