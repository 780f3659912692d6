package cli

import (
	"encoding/json"
	"net"
	"runtime"
	"strings"
	"testing"
)

// TestServeLogsInChosenFormat: every line samo serve writes, the first-start
// message and a failed bind included, is in LOG_FORMAT, and a failed bind
// logs no spurious purge errors on the way out.
func TestServeLogsInChosenFormat(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			env := map[string]string{"SAMO_DATA_DIR": t.TempDir(), "SAMO_ADDR": busy.Addr().String(), "LOG_FORMAT": format, "SAMO_MODEL_FILE": tinyModelFile}
			out, errOut, code := runCLI(t, env, "serve")
			if code != 1 || out != "" {
				t.Fatalf("serve on a busy port: exit %d stdout %q", code, out)
			}
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			for _, l := range lines {
				var v map[string]any
				isJSON := json.Unmarshal([]byte(l), &v) == nil
				if format == "json" && !isJSON || format == "text" && (isJSON || !strings.HasPrefix(l, "time=")) {
					t.Errorf("line not in %s format: %q", format, l)
				}
			}
			for _, want := range []string{"first start", "stopped"} {
				if !strings.Contains(errOut, want) {
					t.Errorf("log lacks %q:\n%s", want, errOut)
				}
			}
			if strings.Contains(errOut, "purge failed") || strings.Contains(errOut, "context canceled") {
				t.Errorf("spurious shutdown errors:\n%s", errOut)
			}
			checkBootstrapEvent(t, env["SAMO_DATA_DIR"], "", firstStartActor, "")
		})
	}
	t.Run("refused configuration", func(t *testing.T) {
		env := map[string]string{"SAMO_DATA_DIR": t.TempDir(), "SECURITY_LEVEL": "production", "LOG_FORMAT": "json"}
		_, errOut, code := runCLI(t, env, "serve")
		var v struct {
			Level    string   `json:"level"`
			Msg      string   `json:"msg"`
			Problems []string `json:"problems"`
		}
		if code != 1 || json.Unmarshal([]byte(strings.TrimSpace(errOut)), &v) != nil || v.Level != "ERROR" {
			t.Fatalf("exit %d, stderr %q; want one JSON error line", code, errOut)
		}
		if v.Msg != "configuration refused" || len(v.Problems) == 0 || !strings.Contains(strings.Join(v.Problems, "\n"), "JWT_SECRET_KEY") {
			t.Errorf("refusal %+v does not name the missing secret", v)
		}
	})
}

// TestRaiseProcs: serve runs on SQLite with at least minProcs Ps unless
// GOMAXPROCS is set explicitly, and on PostgreSQL with the runtime's own.
func TestRaiseProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	if got := raiseProcs(func(string) string { return "1" }, "sqlite"); got != 0 || runtime.GOMAXPROCS(0) != 1 {
		t.Errorf("GOMAXPROCS=1 set explicitly: raised to %d (now %d), want left alone", got, runtime.GOMAXPROCS(0))
	}
	if got := raiseProcs(func(string) string { return "" }, "postgres"); got != 0 || runtime.GOMAXPROCS(0) != 1 {
		t.Errorf("PostgreSQL: raised to %d (now %d), want left alone", got, runtime.GOMAXPROCS(0))
	}
	if got := raiseProcs(func(string) string { return "" }, "sqlite"); got != minProcs || runtime.GOMAXPROCS(0) != minProcs {
		t.Errorf("one P by default: raised to %d (now %d), want %d", got, runtime.GOMAXPROCS(0), minProcs)
	}
	runtime.GOMAXPROCS(minProcs + 2)
	if got := raiseProcs(func(string) string { return "" }, "sqlite"); got != 0 || runtime.GOMAXPROCS(0) != minProcs+2 {
		t.Errorf("more Ps than the floor: changed to %d (now %d)", got, runtime.GOMAXPROCS(0))
	}
}
