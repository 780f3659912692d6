package validate

import (
	"strings"
	"unicode/utf8"
)

// detectCRLF finds line breaks that start a forged line: an HTTP header,
// status or request line, an e-mail or SMTP line, or a log record. Ordinary
// line breaks (paragraphs, lists, Windows CRLF) are only reported when the
// next line has one of those precise shapes, because a journal is full of
// lines such as "Mood: ok". A line break that was percent- or
// entity-encoded has no business in prose, so after one the shapes are
// looser: any "Header-Name: value", any level word, any dated line, markup.
func detectCRLF(f *findings, in *input) {
	if in.encBreak {
		scanLines(f, mapUnicodeCRLF(in), true)
	}
	if in.escBreak && in.dec != in.raw {
		scanLines(f, in.dec, false)
	}
	scanLines(f, in.raw, false)
}

// mapUnicodeCRLF turns U+560A and U+560D into LF and CR when the raw text
// spelled them as percent-encoded UTF-8 (%E5%98%8A): some servers keep only
// the low byte of each UTF-16 unit, turning them into a real CRLF.
func mapUnicodeCRLF(in *input) string {
	if !strings.Contains(in.rawLower, "%e5%98%8") {
		return in.dec
	}
	return strings.NewReplacer("\u560a", "\n", "\u560d", "\r").Replace(in.dec)
}

// scanLines checks the line after every line break in s.
func scanLines(f *findings, s string, encoded bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		var next int
		switch {
		case c == '\n':
			next = i + 1
		case c == '\r':
			next = i + 1
			if next < len(s) && s[next] == '\n' {
				next++
			}
		case c == 0xc2 && i+1 < len(s) && s[i+1] == 0x85: // NEL
			next = i + 2
		case c == 0xe2 && strings.HasPrefix(s[i:], "\u2028"), c == 0xe2 && strings.HasPrefix(s[i:], "\u2029"):
			next = i + 3
		default:
			continue
		}
		end := next
		for end < len(s) && s[end] != '\n' && s[end] != '\r' && end-next < 400 {
			end++
		}
		checkForgedLine(f, s[next:end], encoded, next == len(s) || s[next] == '\r' || s[next] == '\n')
		i = next - 1
	}
}

// checkForgedLine classifies one line that follows a line break.
func checkForgedLine(f *findings, line string, encoded, blank bool) {
	t := strings.TrimLeft(line, " \t")
	if t == "" {
		if encoded && blank {
			f.add(CRLF, 0.8, "encoded blank line (response splitting)")
		}
		return
	}
	l := asciiLower(t)
	if conf, reason := headerLine(l, encoded); conf > 0 {
		f.add(CRLF, conf, reason)
	}
	if conf, reason := protocolLine(l); conf > 0 {
		f.add(CRLF, conf, reason)
	}
	if conf, reason := logLine(t, l, encoded); conf > 0 {
		f.add(CRLF, conf, reason)
	}
	if encoded {
		switch {
		case blank:
			f.add(CRLF, 0.8, "encoded blank line (response splitting)")
		case strings.HasPrefix(l, "<"):
			f.add(CRLF, 0.85, "encoded line break before markup")
		case l != "":
			f.add(CRLF, 0.6, "encoded line break")
		}
	}
}

// headerLine recognises "Name: value" lines. Without an encoded break only
// well-known response/request headers with a value of the right shape count.
func headerLine(l string, encoded bool) (float64, string) {
	colon := strings.IndexByte(l, ':')
	if colon <= 1 || colon > 40 {
		return 0, ""
	}
	name := l[:colon]
	for k := 0; k < len(name); k++ {
		if !isAlnum(name[k]) && name[k] != '-' {
			return 0, ""
		}
	}
	v := strings.TrimSpace(l[colon+1:])
	if r, ok := forgedHeaders[name]; ok && r.match(v) {
		return r.conf, r.reason
	}
	if encoded && v != "" {
		return 0.9, forgedHeader
	}
	return 0, ""
}

// forgedHeader is the reason of a forged HTTP header.
const forgedHeader = "line break followed by a forged header"

// headerRule is a finding for a header whose value v matches.
type headerRule struct {
	match  func(v string) bool
	conf   float64
	reason string
}

// forgedHeaders maps a header name (lower case) to the values that make a
// line starting with it a forged header. Other names count only in an
// encoded line break.
var forgedHeaders = func() map[string]headerRule {
	nonEmpty := headerRule{func(v string) bool { return v != "" }, 0.9, forgedHeader}
	url := headerRule{func(v string) bool {
		return strings.Contains(v, "http://") || strings.Contains(v, "https://") || strings.HasPrefix(v, "/") || strings.Contains(v, "url=") || strings.Contains(v, "javascript:")
	}, 0.85, forgedHeader}
	cookie := headerRule{func(v string) bool { return strings.IndexByte(v, '=') > 0 }, 0.9, forgedHeader}
	// To:, From: and Cc: lines with an address turn up in pasted e-mails;
	// a blind copy or bounce address does not.
	mail := headerRule{func(v string) bool {
		at := strings.IndexByte(v, '@')
		return at > 0 && strings.IndexByte(v[at:], '.') > 0
	}, 0.8, "line break followed by a forged mail header"}
	m := map[string]headerRule{
		"set-cookie": cookie, "cookie": cookie,
		"content-length": {func(v string) bool { return v != "" && strings.Trim(v, "0123456789") == "" }, 0.9, forgedHeader},
		"content-type": {func(v string) bool {
			i := strings.IndexByte(v, '/')
			return i > 0 && !strings.Contains(v[:i], " ")
		}, 0.85, forgedHeader},
		"host": {func(v string) bool {
			return v != "" && !strings.ContainsAny(v, " \t") && strings.ContainsAny(v, ".:")
		}, 0.8, forgedHeader},
		"authorization": {func(v string) bool {
			return strings.HasPrefix(v, "bearer ") || strings.HasPrefix(v, "basic ")
		}, 0.85, forgedHeader},
		"bcc": mail, "return-path": mail,
	}
	for _, name := range strings.Fields(`transfer-encoding x-forwarded-for x-forwarded-host x-real-ip
		x-original-url x-rewrite-url access-control-allow-origin access-control-allow-credentials
		content-security-policy x-xss-protection x-frame-options strict-transport-security
		content-disposition x-content-type-options`) {
		m[name] = nonEmpty
	}
	for _, name := range strings.Fields("location refresh referer content-location link") {
		m[name] = url
	}
	return m
}()

// protocolLine recognises HTTP status and request lines and SMTP commands.
func protocolLine(l string) (float64, string) {
	const reason = "line break followed by a protocol line"
	if strings.HasPrefix(l, "http/1.") || strings.HasPrefix(l, "http/2 ") {
		return 0.9, reason
	}
	method := identAt(l, 0)
	if inSet(method, "get post put delete head options patch connect trace") && len(method) < len(l) && l[len(method)] == ' ' {
		rest := l[len(method)+1:]
		if strings.Contains(rest, " http/1.") || strings.Contains(rest, " http/2") {
			return 0.9, reason
		}
	}
	for _, p := range [...]string{"mail from:", "rcpt to:", "ehlo ", "helo ", "auth login", "starttls"} {
		if strings.HasPrefix(l, p) {
			return 0.85, reason
		}
	}
	return 0, ""
}

// logLine recognises the start of a log record: an ISO or syslog
// timestamp with a level or seconds, an Apache access-log line, a logfmt or
// JSON record, or a bracketed level.
func logLine(t, l string, encoded bool) (float64, string) {
	const reason = "line break followed by a forged log record"
	u := strings.TrimLeft(l, "[")
	if n := dateLen(u); n > 0 {
		rest := u[n:]
		if rest != "" && (rest[0] == 't' || rest[0] == ' ') {
			rest = rest[1:]
		}
		secs := false
		if m := timeLen(rest); m > 0 {
			secs = m >= 8
			rest = rest[m:]
		}
		// Keep the original case: a level after a timestamp is upper case
		// or bracketed in real logs, while "2026-01-05 - info session" is
		// a diary line.
		orig := t[len(t)-len(rest):]
		orig = strings.TrimLeft(orig, "zZ]+-0123456789:.,) ")
		bracketed := strings.HasPrefix(orig, "[")
		switch {
		case levelWord(strings.TrimLeft(orig, "["), bracketed):
			return 0.9, reason
		case secs:
			return 0.75, reason
		case encoded:
			return 0.8, reason
		}
	}
	if syslogStamp(l) {
		return 0.8, reason
	}
	if clfLine(l) {
		return 0.85, reason
	}
	if strings.HasPrefix(t, "[") && levelWord(t[1:], false) && strings.Contains(t[:min(len(t), 12)], "]") {
		return 0.8, reason
	}
	if levelWord(t, false) {
		w := identAt(t, 0)
		after := t[len(w):]
		if strings.HasPrefix(after, ":") && len(after) > 1 && isIdent(after[1]) && strings.Contains(after[1:], ":") {
			return 0.85, reason // Python logging: INFO:root:message
		}
		if encoded && w == strings.ToUpper(w) {
			return 0.85, reason
		}
	}
	if (strings.HasPrefix(l, "time=") || strings.HasPrefix(l, "ts=") || strings.HasPrefix(l, "level=") || strings.HasPrefix(l, "lvl=")) && strings.Count(l, "=") >= 2 {
		return 0.85, reason
	}
	if strings.HasPrefix(l, "{\"") {
		for _, k := range [...]string{`"level"`, `"lvl"`, `"severity"`, `"msg"`, `"time"`, `"timestamp"`, `"@timestamp"`} {
			if strings.Contains(l, k) {
				return 0.85, reason
			}
		}
	}
	return 0, ""
}

// levelWord reports a log level at the start of s. With anyCase, lower-case
// levels count too (after a timestamp nothing else looks like one).
func levelWord(s string, anyCase bool) bool {
	w := identAt(s, 0)
	if w == "" || (!anyCase && w != strings.ToUpper(w)) {
		return false
	}
	return inSet(strings.ToLower(w), "trace debug info information notice warn warning error err fatal critical crit alert emerg emergency severe audit security")
}

// dateLen returns the length of a YYYY-MM-DD or YYYY/MM/DD date at the start.
func dateLen(s string) int {
	if len(s) < 10 {
		return 0
	}
	for k := 0; k < 10; k++ {
		switch k {
		case 4, 7:
			if s[k] != '-' && s[k] != '/' {
				return 0
			}
		default:
			if !isDigit(s[k]) {
				return 0
			}
		}
	}
	return 10
}

// timeLen returns the length of HH:MM or HH:MM:SS at the start of s.
func timeLen(s string) int {
	if len(s) >= 5 && isDigit(s[0]) && isDigit(s[1]) && s[2] == ':' && isDigit(s[3]) && isDigit(s[4]) {
		if len(s) >= 8 && s[5] == ':' && isDigit(s[6]) && isDigit(s[7]) {
			return 8
		}
		return 5
	}
	return 0
}

// syslogStamp reports "Jan  2 15:04:05" at the start of l.
func syslogStamp(l string) bool {
	if len(l) < 15 || !inSet(l[:3], "jan feb mar apr may jun jul aug sep oct nov dec") || l[3] != ' ' {
		return false
	}
	r := strings.TrimLeft(l[4:], " ")
	d := 0
	for d < len(r) && d < 2 && isDigit(r[d]) {
		d++
	}
	if d == 0 || d >= len(r) || r[d] != ' ' {
		return false
	}
	return timeLen(r[d+1:]) == 8
}

// clfLine reports an Apache/NGINX access-log line: an IPv4 address, " - ",
// and a bracketed date.
func clfLine(l string) bool {
	n := ipv4Len(l)
	return n > 0 && strings.HasPrefix(l[n:], " - ") && strings.Contains(l[n:min(len(l), n+40)], "[")
}

func ipv4Len(s string) int {
	i, parts := 0, 0
	for parts < 4 {
		d := 0
		for i < len(s) && isDigit(s[i]) && d < 3 {
			i++
			d++
		}
		if d == 0 {
			return 0
		}
		parts++
		if parts < 4 {
			if i >= len(s) || s[i] != '.' {
				return 0
			}
			i++
		}
	}
	return i
}

// detectTerminal finds ANSI/VT escape sequences: a raw ESC or 8-bit C1
// introducer, the same after decoding (\x1b, \u001b, %1b, &#27;), and the
// textual spellings \033[, \e[ and ^[[ followed by a control sequence.
func detectTerminal(f *findings, in *input) {
	for _, v := range in.views() {
		for i := 0; i < len(v); i++ {
			switch c := v[i]; {
			case c == 0x1b:
				if i+1 < len(v) && strings.IndexByte("[]P()#%c78=>DEMHNOZ\\^_", v[i+1]) >= 0 {
					f.add(TerminalEscape, 0.95, "terminal escape sequence")
				} else {
					f.add(TerminalEscape, 0.8, "escape character")
				}
			case c == 0xc2 && i+1 < len(v):
				if r, _ := utf8.DecodeRuneInString(v[i:]); r == 0x9b || r == 0x9d || r == 0x90 || r == 0x9e || r == 0x9f {
					f.add(TerminalEscape, 0.9, "8-bit terminal control sequence")
				}
			}
		}
	}
	l := in.rawLower
	for _, p := range [...]string{`\033[`, `\033]`, `\e[`, `\e]`, `^[[`, `^[]`, `\x1b[`, `\u001b[`} {
		forEach(l, p, func(i int) {
			j := i + len(p)
			for j < len(l) && j-i < 24 && (isDigit(l[j]) || l[j] == ';' || l[j] == '?') {
				j++
			}
			if j < len(l) && ((l[j] >= '@' && l[j] <= '~') || l[j] == 0x07) {
				f.add(TerminalEscape, 0.85, "escaped terminal control sequence")
			}
		})
	}
}
