package cli

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// serverOnly is what none of the one-off commands' profiles reads, each
// missing, unsafe, weak or insecure for production: a command that read
// any of them would refuse to run.
func serverOnly(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	unsafe := filepath.Join(dir, "alert_secret")
	if err := os.WriteFile(unsafe, []byte(strings.Repeat("a", 40)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(unsafe, 0o666); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"JWT_SECRET_KEY_FILE":        filepath.Join(dir, "missing"),
		"SECURITY_ALERT_SECRET_FILE": unsafe,
		"ENCRYPTION_KEY":             "changeme",
		"HTTPS_REQUIRED":             "false",
		"SAMO_ADDR":                  "not an address",
		"ALLOWED_ORIGINS":            "*",
	}
}

// with returns base with extra added ("" removes a variable).
func with(base map[string]string, extra ...map[string]string) map[string]string {
	out := maps.Clone(base)
	for _, m := range extra {
		for k, v := range m {
			if v == "" {
				delete(out, k)
			} else {
				out[k] = v
			}
		}
	}
	return out
}

// checkRefused runs args with env and wants a refusal naming variable.
func checkRefused(t *testing.T, env map[string]string, variable string, args ...string) {
	t.Helper()
	out, e, code := runCLI(t, env, args...)
	if code == 0 || !strings.Contains(e, variable+":") {
		t.Errorf("samo %s: exit %d, stdout %q, stderr %q; want %s refused", strings.Join(args, " "), code, out, e, variable)
	}
}

// TestAdminBootstrapProductionNeedsOnlyKeys: in production `samo admin
// bootstrap` creates the first admin with only config.ProfileKeys's
// settings: no JWT, encryption or alert secret, TLS or HTTPS_REQUIRED is
// demanded, and none that is set is read. What it reads keeps
// production's rules, and is used: API_KEY_LENGTH sets the key's length.
func TestAdminBootstrapProductionNeedsOnlyKeys(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	env := with(serverOnly(t), map[string]string{"SECURITY_LEVEL": "production", "SAMO_DATA_DIR": data, "API_KEY_LENGTH": "40"})
	out, e, code := runCLI(t, env, "admin", "bootstrap", "--json")
	if code != 0 {
		t.Fatalf("admin bootstrap in production without the server's secrets: exit %d: %s", code, e)
	}
	var res bootstrapResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || !res.Created {
		t.Fatalf("admin bootstrap --json = %q (%v); want created", out, err)
	}
	if want := len("samo_") + 40 + 6; len(res.Key) != want {
		t.Errorf("key of %d characters, want %d (API_KEY_LENGTH=40)", len(res.Key), want)
	}

	for _, tt := range []struct {
		variable string
		env      map[string]string
	}{
		{"API_KEY_LENGTH", map[string]string{"API_KEY_LENGTH": "10"}},
		{"REDIS_URL", map[string]string{"REDIS_URL": "redis://redis.invalid:6379/0"}},
		{"DATABASE_URL", map[string]string{"DATABASE_URL": "postgres://samo@db.invalid:5432/samo"}},
		{"DATABASE_URL", map[string]string{"DATABASE_URL_FILE": filepath.Join(t.TempDir(), "missing")}},
	} {
		fresh := filepath.Join(t.TempDir(), "data")
		checkRefused(t, with(env, map[string]string{"SAMO_DATA_DIR": fresh}, tt.env), tt.variable, "admin", "bootstrap")
		if _, err := os.Stat(fresh); !os.IsNotExist(err) {
			t.Errorf("a refused bootstrap (%s) created %s (%v)", tt.variable, fresh, err)
		}
	}
}

// TestStoreCommandsProductionProfiles: in production `samo keys`, `samo
// ip`, `samo incidents`, `samo users` and `samo report` run with only
// their profile's settings (ProfileKeys, ProfileIP, ProfileIncidents,
// ProfileUsers, ProfileStore), the
// server's secrets missing, unsafe or weak and unread; what each reads is
// used (the key's length, the allowlist, the webhook) and keeps
// production's rules, a problem in it refused with an error naming the
// variable.
func TestStoreCommandsProductionProfiles(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	base := map[string]string{"SECURITY_LEVEL": "production", "SAMO_DATA_DIR": data}
	if _, e, code := runCLI(t, base, "init"); code != 0 {
		t.Fatalf("init: %s", e)
	}
	env := with(serverOnly(t), base)
	run := func(env map[string]string, v any, args ...string) {
		t.Helper()
		out, e, code := runCLI(t, env, args...)
		if code != 0 {
			t.Fatalf("samo %s in production with its profile's settings only: exit %d: %s", strings.Join(args, " "), code, e)
		}
		if v != nil {
			if err := json.Unmarshal([]byte(out), v); err != nil {
				t.Fatalf("samo %s: %q: %v", strings.Join(args, " "), out, err)
			}
		}
	}

	t.Run("keys", func(t *testing.T) {
		env := with(env, map[string]string{"API_KEY_LENGTH": "40"})
		var created struct{ ID, Key string }
		run(env, &created, "keys", "create", "--user", "alice", "--json")
		if want := len("samo_") + 40 + 6; len(created.Key) != want {
			t.Errorf("key of %d characters, want %d (API_KEY_LENGTH=40)", len(created.Key), want)
		}
		var rotated struct{ ID string }
		run(env, &rotated, "keys", "rotate", created.ID, "--json")
		run(env, nil, "keys", "revoke", rotated.ID, "--json")
		var list []struct{ ID, Status string }
		run(env, &list, "keys", "list", "--json")
		if len(list) != 2 {
			t.Errorf("keys list: %v, want the key and its rotation", list)
		}
		checkRefused(t, with(env, map[string]string{"API_KEY_LENGTH": "10"}), "API_KEY_LENGTH", "keys", "create", "--user", "bob")
		checkRefused(t, with(env, map[string]string{"API_KEY_BACKUP_COUNT": "11"}), "API_KEY_BACKUP_COUNT", "keys", "list")
		checkRefused(t, with(env, map[string]string{"REDIS_URL": "redis://redis.invalid:6379/0"}), "REDIS_URL", "keys", "revoke", created.ID)
	})

	t.Run("ip", func(t *testing.T) {
		env := with(env, map[string]string{"IP_ALLOWLIST": "10.0.0.0/8"})
		run(env, nil, "ip", "block", "203.0.113.7", "--reason", "scanner", "--json")
		if _, e, code := runCLI(t, env, "ip", "block", "10.1.2.3", "--reason", "scanner"); code == 0 || !strings.Contains(e, "allowlisted") {
			t.Errorf("blocking an address of IP_ALLOWLIST: exit %d %q; want it refused", code, e)
		}
		var blocked []struct{ IP string }
		run(env, &blocked, "ip", "list", "--json")
		if len(blocked) != 1 {
			t.Errorf("ip list: %v, want one block", blocked)
		}
		run(env, nil, "ip", "unblock", "203.0.113.7")
		checkRefused(t, with(env, map[string]string{"IP_ALLOWLIST": "10.0.0.1/8"}), "IP_ALLOWLIST", "ip", "list")
		checkRefused(t, with(env, map[string]string{"IDS_BLOCK_THRESHOLD": "0"}), "IDS_BLOCK_THRESHOLD", "ip", "list")
		checkRefused(t, with(env, map[string]string{"REDIS_URL": "redis://redis.invalid:6379/0"}), "REDIS_URL", "ip", "block", "203.0.113.8", "--reason", "scanner")
	})

	t.Run("incidents", func(t *testing.T) {
		env := with(env, map[string]string{"SECURITY_ALERT_WEBHOOK": "https://alerts.samo.internal/hook"})
		var inc struct {
			ID      string
			Actions []struct{ Action, Outcome string }
		}
		run(env, &inc, "incidents", "open", "--type", "scanner", "--severity", "critical", "--description", "a scan", "--source", "ip:203.0.113.9", "--json")
		var outcomes []string
		for _, a := range inc.Actions {
			outcomes = append(outcomes, a.Outcome)
		}
		got := strings.Join(outcomes, "; ")
		if !strings.Contains(got, "ok: blocked") || !strings.Contains(got, "ok: queued for the webhook") {
			t.Errorf("critical playbook outcomes %q; want the address blocked and the alert queued", got)
		}
		run(env, nil, "incidents", "acknowledge", inc.ID)
		run(env, nil, "incidents", "resolve", inc.ID, "--resolution", "blocked")
		run(env, nil, "incidents", "list", "--status", "all", "--json")
		checkRefused(t, with(env, map[string]string{"SECURITY_ALERT_WEBHOOK": "http://alerts.samo.internal/hook"}), "SECURITY_ALERT_WEBHOOK", "incidents", "list")
		checkRefused(t, with(env, map[string]string{"IP_ALLOWLIST": "not a network"}), "IP_ALLOWLIST", "incidents", "list")
		checkRefused(t, with(env, map[string]string{"API_KEY_LENGTH": "10"}), "API_KEY_LENGTH", "incidents", "list")
	})

	t.Run("users", func(t *testing.T) {
		// The key service's and the detector's settings are not the users'.
		env := with(env, map[string]string{"API_KEY_LENGTH": "10", "IP_ALLOWLIST": "not a network"})
		run(with(env, map[string]string{"API_KEY_LENGTH": ""}), nil, "keys", "create", "--user", "carol")
		var list []struct{ Name string }
		run(env, &list, "users", "list", "--json")
		if !slices.ContainsFunc(list, func(u struct{ Name string }) bool { return u.Name == "carol" }) {
			t.Errorf("users list: %v, want carol", list)
		}
		var disabled struct {
			DisabledAt *time.Time `json:"disabled_at"`
		}
		run(env, &disabled, "users", "disable", "carol", "--json")
		if disabled.DisabledAt == nil {
			t.Error("users disable carol: not disabled")
		}
		run(env, nil, "users", "enable", "carol", "--json")
		run(env, nil, "users", "totp-reset", "carol", "--json")
		redis := map[string]string{"REDIS_URL": "redis://redis.invalid:6379/0"}
		checkRefused(t, with(env, redis), "REDIS_URL", "users", "list")
		checkRefused(t, with(env, redis), "REDIS_URL", "users", "disable", "carol")
		checkRefused(t, with(env, redis), "REDIS_URL", "users", "totp-reset", "carol")
		checkRefused(t, with(env, map[string]string{"DATABASE_URL": "postgres://samo@db.invalid:5432/samo"}), "DATABASE_URL", "users", "enable", "carol")
	})

	t.Run("report", func(t *testing.T) {
		// REDIS_URL and the detector's settings are not the report's.
		env := with(env, map[string]string{"REDIS_URL": "redis://redis.invalid:6379/0", "IP_ALLOWLIST": "not a network"})
		var r map[string]any
		run(env, &r, "report", "--json")
		checkRefused(t, with(env, map[string]string{"DATABASE_URL": "postgres://samo@db.invalid:5432/samo"}), "DATABASE_URL", "report")
	})
}
