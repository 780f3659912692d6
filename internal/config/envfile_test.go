package config

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestParseEnvFile(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		want      map[string]string
		wantLines []int // line numbers of malformed lines, in order
	}{
		{
			name: "guide style with comments",
			in:   "# .env.security\n# Security Configuration\nSECURITY_LEVEL=production\n\nRATE_LIMIT_REQUESTS=100\n",
			want: map[string]string{"SECURITY_LEVEL": "production", "RATE_LIMIT_REQUESTS": "100"},
		},
		{
			name: "export prefix, spaces and CRLF",
			in:   "export A=1\r\n  B = two  \r\nexport\tC=3\n",
			want: map[string]string{"A": "1", "B": "two", "C": "3"},
		},
		{
			name: "quotes",
			in:   "D=\"a \\\"b\\\" \\\\ c\\n\"\nS='x # y \\n'\nE=\"\"\nT=\"v\" # comment\n",
			want: map[string]string{"D": "a \"b\" \\ c\n", "S": "x # y \\n", "E": "", "T": "v"},
		},
		{
			name: "inline comment and hash inside value",
			in:   "A=abc#def\nB=abc # comment\nC=\tx\t# c\n",
			want: map[string]string{"A": "abc#def", "B": "abc", "C": "x"},
		},
		{
			name: "equals in value",
			in:   "K=YWJj==\nU=postgres://u:p@h/db?sslmode=require\n",
			want: map[string]string{"K": "YWJj==", "U": "postgres://u:p@h/db?sslmode=require"},
		},
		{
			name:      "malformed lines reported with numbers",
			in:        "GOOD=1\nno equals sign\n1BAD=2\nQ=\"unterminated\nR='x' trailing\nGOOD=again\nW=abc\"\nX=\"\\q\"\nOK2=fine\n",
			want:      map[string]string{"GOOD": "1", "OK2": "fine"},
			wantLines: []int{2, 3, 4, 5, 6, 7, 8},
		},
		{
			name:      "control character",
			in:        "A=1\nB=x\x01y\n",
			want:      map[string]string{"A": "1"},
			wantLines: []int{2},
		},
		{
			name:      "invalid UTF-8",
			in:        "A=1\nB=\xff\n",
			want:      map[string]string{},
			wantLines: []int{2},
		},
		{
			name: "export as a key",
			in:   "export=1\nexporter=2\n",
			want: map[string]string{"export": "1", "exporter": "2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, bad := parseEnvFile([]byte(tt.in))
			got := make(map[string]string)
			for _, e := range entries {
				got[e.key] = e.value
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %d entries %q, want %d %q", len(got), got, len(tt.want), tt.want)
			}
			for k, v := range tt.want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s = %q (present %v), want %q", k, g, ok, v)
				}
			}
			var lines []int
			for _, err := range bad {
				var le *lineError
				if !errors.As(err, &le) || !errors.Is(err, ErrMalformedEnvFile) {
					t.Errorf("error %v is not a *lineError wrapping ErrMalformedEnvFile", err)
					continue
				}
				lines = append(lines, le.line)
			}
			if !slices.Equal(lines, tt.wantLines) {
				t.Errorf("malformed lines = %v, want %v (errors: %v)", lines, tt.wantLines, bad)
			}
		})
	}
}

func TestParseEnvFileNeverEchoesValues(t *testing.T) {
	const secret = "hunter2-very-secret"
	in := "A=\"" + secret + "\n" + secret + "\nB='" + secret + "' x\nC=" + secret + "\"\nA=" + secret + "\n"
	_, bad := parseEnvFile([]byte(in))
	if len(bad) == 0 {
		t.Fatal("want malformed-line errors, got none")
	}
	for _, err := range bad {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q echoes the value", err)
		}
	}
}

func TestReadEnvFilePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX permissions")
	}
	tests := []struct {
		name        string
		mode        os.FileMode
		wantErr     error
		wantWarning bool
	}{
		{"owner only", 0o600, nil, false},
		{"readable by others", 0o644, nil, true},
		{"group writable", 0o620, ErrUnsafePermissions, false},
		{"world writable", 0o606, ErrUnsafePermissions, false},
		{"all", 0o666, ErrUnsafePermissions, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), ".env.security")
			writeFile(t, path, "A=1\n", tt.mode)
			entries, _, warnings, err := readEnvFile(path)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && len(entries) != 1 {
				t.Errorf("entries = %v, want one", entries)
			}
			if got := len(warnings) > 0; got != tt.wantWarning {
				t.Errorf("warnings = %q, want some: %v", warnings, tt.wantWarning)
			}
		})
	}
}

func TestReadSecretFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
		wantErr bool
	}{
		{"trailing newline", "abc\n", "abc", false},
		{"crlf", "abc\r\n", "abc", false},
		{"inner newline kept", "a\nb\n", "a\nb", false},
		{"no newline", "abc", "abc", false},
		{"empty", "", "", true},
		{"only newline", "\n", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s")
			writeFile(t, path, tt.content, 0o600)
			got, err := readSecretFile(path)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadSecretFileTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big")
	writeFile(t, path, strings.Repeat("a", maxSecretFileSize+1), 0o600)
	if _, err := readSecretFile(path); !errors.Is(err, ErrFileTooLarge) {
		t.Errorf("err = %v, want %v", err, ErrFileTooLarge)
	}
}

func FuzzParseEnvFile(f *testing.F) {
	for _, s := range []string{
		"A=1\n", "export B='x'\n", "C=\"a\\\"b\"\n", "# c\n\nD=1 # x\n", "E=\"\n", "F\n", "G=\xff",
		"SECURITY_LEVEL=production\nJWT_SECRET_KEY=your-super-secret-jwt-key-here\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, bad := parseEnvFile(data)
		seen := make(map[string]bool)
		for _, e := range entries {
			if !validKey(e.key) {
				t.Errorf("invalid key %q accepted", e.key)
			}
			if seen[e.key] {
				t.Errorf("key %q returned twice", e.key)
			}
			seen[e.key] = true
			if e.line < 1 {
				t.Errorf("entry line %d < 1", e.line)
			}
		}
		for _, err := range bad {
			if !errors.Is(err, ErrMalformedEnvFile) {
				t.Errorf("error %v does not wrap ErrMalformedEnvFile", err)
			}
		}
	})
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile's mode is filtered by umask
		t.Fatal(err)
	}
}

func writeFileErr(path, content string) error {
	return os.WriteFile(path, []byte(content), 0o600)
}
