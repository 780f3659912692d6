package config

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// requiredVariables returns the variables the issue and DESIGN §5 name.
// The table must hold each of them.
func requiredVariables() []string {
	return strings.Fields(`
SECURITY_LEVEL ENABLE_RATE_LIMITING RATE_LIMIT_REQUESTS RATE_LIMIT_WINDOW
API_KEY_ROTATION_INTERVAL API_KEY_BACKUP_COUNT API_KEY_LENGTH JWT_SECRET_KEY
JWT_ALGORITHM JWT_EXPIRY_HOURS ENCRYPTION_KEY ENCRYPTION_ALGORITHM
SECURITY_LOGGING_ENABLED SECURITY_ALERT_WEBHOOK SECURITY_REPORT_INTERVAL
MAX_TEXT_LENGTH MIN_TEXT_LENGTH ALLOWED_FILE_TYPES MAX_FILE_SIZE ALLOWED_ORIGINS
CORS_ENABLED HTTPS_REQUIRED SAMO_ADDR SAMO_DATA_DIR DATABASE_URL REDIS_URL
REDIS_FAIL_OPEN TLS_CERT_FILE TLS_KEY_FILE TRUSTED_PROXIES IP_ALLOWLIST
SECURITY_LOG_FILE SECURITY_ALERT_SECRET SECURITY_ALERT_ALLOW_PRIVATE METRICS_ADDR
MODEL_BACKEND_URL MODEL_BACKEND_FORMAT MODEL_BACKEND_TIMEOUT SAMO_MODEL_FILE
JWT_ISSUER JWT_AUDIENCE JWT_MAX_EXPIRY_HOURS JWT_PREVIOUS_SECRET_KEYS
JWT_PRIVATE_KEY_FILE JWT_PUBLIC_KEY_FILES REFRESH_TOKEN_TTL REFRESH_FAMILY_MAX_AGE
IP_RATE_LIMIT_REQUESTS
IP_RATE_LIMIT_WINDOW IDS_REQUESTS_PER_MINUTE IDS_BLOCK_THRESHOLD INJECTION_POLICY
PREDICTION_RETENTION LOG_LEVEL SHUTDOWN_TIMEOUT SECURITY_EVENT_RETENTION
SECURITY_LOG_MAX_SIZE SECURITY_LOG_MAX_FILES MAX_CONCURRENT_UPLOADS`)
}

func TestDescribeTable(t *testing.T) {
	desc := Describe()
	names := make(map[string]bool)
	flags := make(map[string]string)
	kebab := regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	for _, s := range desc {
		if names[s.Name] {
			t.Errorf("%s listed twice", s.Name)
		}
		names[s.Name] = true
		if s.Doc == "" || s.Type == "" {
			t.Errorf("%s has no doc or type", s.Name)
		}
		if s.Secret != (s.Flag == "") {
			t.Errorf("%s: secret %v but flag %q (secrets, and only secrets, have no flag)", s.Name, s.Secret, s.Flag)
		}
		if s.Flag != "" {
			if !kebab.MatchString(s.Flag) {
				t.Errorf("%s: flag %q is not lower kebab case", s.Name, s.Flag)
			}
			if other, dup := flags[s.Flag]; dup {
				t.Errorf("flag --%s used by %s and %s", s.Flag, other, s.Name)
			}
			flags[s.Flag] = s.Name
		}
		if s.DevGenerated && !s.Secret {
			t.Errorf("%s is generated but not a secret", s.Name)
		}
	}
	for _, v := range requiredVariables() {
		if !names[v] {
			t.Errorf("required variable %s missing from the table", v)
		}
	}
	wantFlags := map[string]string{"SAMO_ADDR": "addr", "SAMO_DATA_DIR": "data-dir", "SECURITY_LEVEL": "security-level", "RATE_LIMIT_REQUESTS": "rate-limit-requests", "SAMO_MODEL_FILE": "model-file"}
	for name, f := range wantFlags {
		if flags[f] != name {
			t.Errorf("flag --%s maps to %q, want %s", f, flags[f], name)
		}
	}
}

func TestDefaultsParse(t *testing.T) {
	for _, s := range settings() {
		var c Config
		if err := s.set(&c, s.def); err != nil {
			t.Errorf("%s: default %q does not parse: %v", s.name, s.def, err)
		}
	}
}

// TestDocTableMatches checks that doc.go's variable/flag/default table
// agrees with the settings table.
func TestDocTableMatches(t *testing.T) {
	data, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	rows := make(map[string][]string)
	varName := regexp.MustCompile(`^[A-Z][A-Z0-9_]+$`)
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "//\t")
		if !ok {
			continue
		}
		f := strings.Fields(line)
		if len(f) >= 2 && varName.MatchString(f[0]) {
			rows[f[0]] = f[1:]
		}
	}
	for _, s := range Describe() {
		row, ok := rows[s.Name]
		if !ok {
			t.Errorf("doc.go table has no row for %s", s.Name)
			continue
		}
		wantFlag := "--" + s.Flag
		if s.Flag == "" {
			wantFlag = "(secret,"
		}
		if row[0] != wantFlag {
			t.Errorf("doc.go: %s flag %q, want %q", s.Name, row[0], wantFlag)
		}
		wantDef := s.Default
		if wantDef == "" {
			wantDef = `""`
		}
		if got := row[len(row)-1]; got != wantDef {
			t.Errorf("doc.go: %s default %q, want %q", s.Name, got, wantDef)
		}
	}
	if len(rows) != len(Describe()) {
		t.Errorf("doc.go table has %d rows, settings table %d", len(rows), len(Describe()))
	}
}

func TestWriteReference(t *testing.T) {
	var b strings.Builder
	if err := WriteReference(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if got, want := len(lines), len(Describe())+2; got != want {
		t.Errorf("reference has %d lines, want %d", got, want)
	}
	for _, s := range Describe() {
		if !strings.Contains(out, "| `"+s.Name+"` |") {
			t.Errorf("reference lacks %s", s.Name)
		}
	}
	for i, l := range lines {
		if n := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|"); n != 6 {
			t.Errorf("line %d has %d cell separators, want 6: %s", i+1, n, l)
		}
	}
}

// TestREADMEReference checks that the README's "Configuration reference"
// section lists every variable; it skips until that section exists.
func TestREADMEReference(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Skipf("repository root not found: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("README.md does not exist yet")
	}
	if err != nil {
		t.Fatal(err)
	}
	section, ok := markdownSection(string(data), "Configuration reference")
	if !ok {
		t.Skip(`README.md has no "Configuration reference" section yet`)
	}
	for _, s := range Describe() {
		if !strings.Contains(section, "`"+s.Name+"`") {
			t.Errorf("README configuration reference does not list `%s` (regenerate it with config.WriteReference)", s.Name)
		}
	}
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// markdownSection returns the text under the first heading containing
// title, up to the next heading of the same or a higher level.
func markdownSection(doc, title string) (string, bool) {
	lines := strings.Split(doc, "\n")
	for i, l := range lines {
		level := len(l) - len(strings.TrimLeft(l, "#"))
		if level == 0 || !strings.Contains(l[level:], title) {
			continue
		}
		var b strings.Builder
		for _, m := range lines[i+1:] {
			if ml := len(m) - len(strings.TrimLeft(m, "#")); ml > 0 && ml <= level && strings.HasPrefix(m[ml:], " ") {
				break
			}
			b.WriteString(m)
			b.WriteByte('\n')
		}
		return b.String(), true
	}
	return "", false
}

func TestMarkdownSection(t *testing.T) {
	doc := "# SAMO\n## Configuration reference\n| `A` |\n### Sub\n`B`\n## Next\n`C`\n"
	got, ok := markdownSection(doc, "Configuration reference")
	if !ok || !strings.Contains(got, "`A`") || !strings.Contains(got, "`B`") || strings.Contains(got, "`C`") {
		t.Errorf("markdownSection = %q, %v; want A and B but not C", got, ok)
	}
	if _, ok := markdownSection(doc, "Missing"); ok {
		t.Error("markdownSection found a missing title")
	}
}
