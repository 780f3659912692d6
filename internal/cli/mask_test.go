package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// maskRun runs "samo mask args..." with the given stdin.
func maskRun(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	mio := IO{
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errOut,
		Getenv: func(string) string { return "" },
	}
	code = Main(t.Context(), append([]string{"mask"}, args...), mio)
	return code, out.String(), errOut.String()
}

func TestMaskCLIText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"email", "I'm furious at jane@example.com\n", "I'm furious at <EMAIL_ADDRESS>\n"},
		{"several lines as one text", "call (212) 555-0123\nor 4111 1111 1111 1111\n", "call <PHONE_NUMBER>\nor <CREDIT_CARD>\n"},
		{"nothing", "calm today", "calm today"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := maskRun(t, tt.in)
			if code != 0 || out != tt.want {
				t.Errorf("samo mask <<< %q = %d, %q (stderr %q); want 0, %q", tt.in, code, out, errOut, tt.want)
			}
		})
	}
}

func TestMaskCLIJSON(t *testing.T) {
	in := "Ärger 😡 at jane@example.com from 10.0.0.5"
	code, out, errOut := maskRun(t, in, "--json")
	if code != 0 {
		t.Fatalf("samo mask --json = %d (stderr %q), want 0", code, errOut)
	}
	var got struct {
		Text     string `json:"text"`
		Entities []struct {
			Type  string `json:"type"`
			Start int    `json:"start"`
			End   int    `json:"end"`
		} `json:"entities"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output %q is not JSON: %v", out, err)
	}
	if want := "Ärger 😡 at <EMAIL_ADDRESS> from <IP_ADDRESS>"; got.Text != want {
		t.Errorf("text = %q, want %q", got.Text, want)
	}
	runes := []rune(in)
	wantValues := []string{"EMAIL_ADDRESS jane@example.com", "IP_ADDRESS 10.0.0.5"}
	if len(got.Entities) != len(wantValues) {
		t.Fatalf("entities = %+v, want %d", got.Entities, len(wantValues))
	}
	for i, e := range got.Entities {
		if e.Start < 0 || e.End > len(runes) || e.Start >= e.End {
			t.Fatalf("entity %+v out of range of %d code points", e, len(runes))
		}
		if v := e.Type + " " + string(runes[e.Start:e.End]); v != wantValues[i] {
			t.Errorf("entity %d covers %q of the input, want %q", i, v, wantValues[i])
		}
	}
}

func TestMaskCLIJSONNoEntities(t *testing.T) {
	code, out, _ := maskRun(t, "nothing here", "--json")
	if want := `{"text":"nothing here","entities":[]}` + "\n"; code != 0 || out != want {
		t.Errorf("samo mask --json = %d, %q; want 0, %q", code, out, want)
	}
}

func TestMaskCLIErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"invalid utf-8", "caf\xe9", nil, 1, "not valid UTF-8"},
		{"too large", strings.Repeat("a", maxMaskInput+1), nil, 1, "larger than 4 MiB"},
		{"argument", "x", []string{"file.txt"}, 2, "unexpected argument"},
		{"unknown flag", "x", []string{"--yaml"}, 2, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := maskRun(t, tt.in, tt.args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) || out != "" {
				t.Errorf("samo mask %v = %d, stdout %q, stderr %q; want %d, no output, stderr containing %q",
					tt.args, code, out, errOut, tt.wantCode, tt.wantErr)
			}
			if !utf8.ValidString(errOut) {
				t.Errorf("stderr is not valid UTF-8: %q", errOut)
			}
		})
	}
}
