package validate

import (
	"strings"
	"testing"
)

// TestCRLFMutDetect pins detectCRLF on a backslash-escaped line break: the
// decoded view is scanned only when decoding changed the text.
func TestCRLFMutDetect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want float64
	}{
		{"escaped break before a status line", `x\nHTTP/1.1 200 OK`, 0.9},
		{"no break at all", `x HTTP/1.1 200 OK`, 0},
	}
	for _, tc := range tests {
		var f findings
		detectCRLF(&f, newInput(tc.text))
		if got := f[classIndex(CRLF)].Confidence; got != tc.want {
			t.Errorf("%s: detectCRLF(%q) = %v, want %v", tc.name, tc.text, got, tc.want)
		}
	}
}

// TestCRLFMutScanLines pins scanLines: CRLF pairs, the end of the text,
// the 400-byte line limit, long text before the break, and consecutive
// breaks.
func TestCRLFMutScanLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		text    string
		encoded bool
		want    Detection
	}{
		{"crlf pair is one break", "a\r\nfoo", true, Detection{CRLF, 0.6, "encoded line break"}},
		{"lone lf", "a\nfoo", true, Detection{CRLF, 0.6, "encoded line break"}},
		{"lf then crlf blank", "a\n\r\nfoo", true, Detection{CRLF, 0.8, "encoded blank line (response splitting)"}},
		{"break at the end", "a\n", true, Detection{CRLF, 0.8, "encoded blank line (response splitting)"}},
		{"break at the end, plain", "a\n", false, Detection{}},
		{"line cut at 400 bytes", "x\nContent-Length: " + strings.Repeat("1", 384) + "x", false, Detection{CRLF, 0.9, forgedHeader}},
		{"401st byte cut off", "x\nContent-Length: " + strings.Repeat("1", 383) + "x", false, Detection{}},
		{"long text before the break", strings.Repeat("a", 500) + "\nHTTP/1.1 200 OK", false, Detection{CRLF, 0.9, "line break followed by a protocol line"}},
		{"two breaks in a row", "a\nb\nHTTP/1.1 200 OK", false, Detection{CRLF, 0.9, "line break followed by a protocol line"}},
		{"blank line between", "a\n\nHTTP/1.1 200 OK", false, Detection{CRLF, 0.9, "line break followed by a protocol line"}},
	}
	for _, tc := range tests {
		var f findings
		scanLines(&f, tc.text, tc.encoded)
		if got := f[classIndex(CRLF)]; got != tc.want {
			t.Errorf("%s: scanLines(%q, %v) = %+v, want %+v", tc.name, tc.text, tc.encoded, got, tc.want)
		}
	}
}

// TestCRLFMutHeaderLine pins headerLine: the colon position limits, name
// characters, and the value rules of cookies, mail addresses and content
// types.
func TestCRLFMutHeaderLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line    string
		encoded bool
		conf    float64
		reason  string
	}{
		{"a: x", true, 0, ""},
		{"ab: x", true, 0.9, forgedHeader},
		{strings.Repeat("a", 40) + ": x", true, 0.9, forgedHeader},
		{strings.Repeat("a", 41) + ": x", true, 0, ""},
		{"a b: x", true, 0, ""},
		{"a-b: x", true, 0.9, forgedHeader},
		{"set-cookie: =x", false, 0, ""},
		{"set-cookie: a=x", false, 0.9, forgedHeader},
		{"bcc: @x.y", false, 0, ""},
		{"bcc: a@x.y", false, 0.8, "line break followed by a forged mail header"},
		{"bcc: a@xy", false, 0, ""},
		{"content-type: /x", false, 0, ""},
		{"content-type: a/x", false, 0.85, forgedHeader},
		{"content-type: a b/x", false, 0, ""},
	}
	for _, tc := range tests {
		conf, reason := headerLine(tc.line, tc.encoded)
		if conf != tc.conf || reason != tc.reason {
			t.Errorf("headerLine(%q, %v) = %v, %q, want %v, %q", tc.line, tc.encoded, conf, reason, tc.conf, tc.reason)
		}
	}
}

// TestCRLFMutProtocolLine pins the request-line rule: the method must be
// followed by a space and a target before the protocol version.
func TestCRLFMutProtocolLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line string
		want float64
	}{
		{"get / http/1.1", 0.9},
		{"get http/1.1", 0},
		{"get/ http/1.1", 0},
		{"get", 0},
		{"post /x http/2", 0.9},
		{"mail from:<a@b.c>", 0.85},
	}
	for _, tc := range tests {
		if got, _ := protocolLine(tc.line); got != tc.want {
			t.Errorf("protocolLine(%q) = %v, want %v", tc.line, got, tc.want)
		}
	}
}

// TestCRLFMutLogLine pins logLine on dates with and without times, the
// date/time separator, Python logging prefixes, encoded upper-case levels
// and logfmt records.
func TestCRLFMutLogLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text    string
		encoded bool
		want    float64
	}{
		{"2026-01-05", false, 0},
		{"2026-01-05", true, 0.8},
		{"2026-01-05 12:30:45", false, 0.75},
		{"2026-01-05T12:30:45", false, 0.75},
		{"2026-01-05x12:30:45", false, 0},
		{"2026-01-05 12:30", false, 0},
		{"2026-01-05 12:30 hello", false, 0},
		{"2026-01-05 12:30 ERROR x", false, 0.9},
		{"12:30:45 hello", false, 0},
		{"hello", true, 0},
		{"INFO:", false, 0},
		{"INFO:root:message", false, 0.85},
		{"INFO:root", false, 0},
		{"INFO x", true, 0.85},
		{"INFO x", false, 0},
		{"info x", true, 0},
		{"time=1 level=info", false, 0.85},
		{"time=1 level=info a=b", false, 0.85},
		{"time=1 level", false, 0},
	}
	for _, tc := range tests {
		if got, _ := logLine(tc.text, asciiLower(tc.text), tc.encoded); got != tc.want {
			t.Errorf("logLine(%q, %v) = %v, want %v", tc.text, tc.encoded, got, tc.want)
		}
	}
}

// TestCRLFMutDateTime pins dateLen and timeLen at their length limits and
// on both date separators.
func TestCRLFMutDateTime(t *testing.T) {
	t.Parallel()
	dates := []struct {
		s    string
		want int
	}{
		{"2026-01-05", 10},
		{"2026/01/05", 10},
		{"2026-01-0", 0},
		{"2026x01-05", 0},
		{"2026-01x05", 0},
		{"abcdefghij", 0},
		{"2026-0a-05", 0},
	}
	for _, tc := range dates {
		if got := dateLen(tc.s); got != tc.want {
			t.Errorf("dateLen(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
	times := []struct {
		s    string
		want int
	}{
		{"12:30", 5},
		{"12:3", 0},
		{"12:30:45", 8},
		{"12:30:4", 5},
		{"12:30:45.123", 8},
	}
	for _, tc := range times {
		if got := timeLen(tc.s); got != tc.want {
			t.Errorf("timeLen(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

// TestCRLFMutSyslogCLF pins syslogStamp (minimum length, day digits, text
// ending after the day) and the access-log helpers clfLine and ipv4Len.
func TestCRLFMutSyslogCLF(t *testing.T) {
	t.Parallel()
	stamps := []struct {
		s    string
		want bool
	}{
		{"jan  2 15:04:05", true},
		{"jan 12 15:04:05", true},
		{"jan 123 15:04:05", false},
		{"jan" + strings.Repeat(" ", 11) + "1", false},
		{"jan" + strings.Repeat(" ", 10) + "12", false},
		{"jan 2 15:04:0", false},
	}
	for _, tc := range stamps {
		if got := syslogStamp(tc.s); got != tc.want {
			t.Errorf("syslogStamp(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
	clf := []struct {
		s    string
		want bool
	}{
		{"1.2.3.4 - - [05/jan/2026]", true},
		{" - [05/jan/2026]", false},
		{"1.2.3 - - [05/jan/2026]", false},
	}
	for _, tc := range clf {
		if got := clfLine(tc.s); got != tc.want {
			t.Errorf("clfLine(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
	ips := []struct {
		s    string
		want int
	}{
		{"1.2.3.4", 7},
		{"10.20.30.40 x", 11},
		{"123.1.1.1", 9},
		{"1234.1.1.1", 0},
		{"1.2.3.", 0},
		{"1.2.3", 0},
	}
	for _, tc := range ips {
		if got := ipv4Len(tc.s); got != tc.want {
			t.Errorf("ipv4Len(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

// TestCRLFMutTerminal pins detectTerminal: a raw ESC at the end of the
// text or before '[', and the textual spellings with their parameter
// bytes, the 24-byte limit, final-byte range ends and BEL.
func TestCRLFMutTerminal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want Detection
	}{
		{"\x1b", Detection{TerminalEscape, 0.8, "escape character"}},
		{"\x1b[", Detection{TerminalEscape, 0.95, "terminal escape sequence"}},
		{"\x1bx", Detection{TerminalEscape, 0.8, "escape character"}},
		{`\033[1m`, Detection{TerminalEscape, 0.85, "escaped terminal control sequence"}},
		{`\033[1;2m`, Detection{TerminalEscape, 0.85, "escaped terminal control sequence"}},
		{`\033[?25h`, Detection{TerminalEscape, 0.85, "escaped terminal control sequence"}},
		{`\033[12`, Detection{}},
		{`\033[12 `, Detection{}},
		{`\033[1!`, Detection{}},
		{`\033[1@`, Detection{TerminalEscape, 0.85, "escaped terminal control sequence"}},
		{`\033[1~`, Detection{TerminalEscape, 0.85, "escaped terminal control sequence"}},
		{`\033[1` + "\x7f", Detection{}},
		{`\033]0` + "\x07", Detection{TerminalEscape, 0.85, "escaped terminal control sequence"}},
		{`\033[` + strings.Repeat("1", 19) + "m", Detection{TerminalEscape, 0.85, "escaped terminal control sequence"}},
		{`\033[` + strings.Repeat("1", 20) + "m", Detection{}},
		{strings.Repeat("x", 20) + `\033[1m`, Detection{TerminalEscape, 0.85, "escaped terminal control sequence"}},
	}
	for _, tc := range tests {
		var f findings
		detectTerminal(&f, sameInput(tc.text))
		if got := f[classIndex(TerminalEscape)]; got != tc.want {
			t.Errorf("detectTerminal(%q) = %+v, want %+v", tc.text, got, tc.want)
		}
	}
}
