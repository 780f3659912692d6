package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"unicode/utf8"
)

// Errors about the .env.security file and secret files.
var (
	// ErrMalformedEnvFile reports a line of a .env file that does not parse.
	ErrMalformedEnvFile = errors.New("config: malformed env file")
	// ErrUnsafePermissions reports a configuration or secret file that
	// other users can write (or, for secrets.env, read).
	ErrUnsafePermissions = errors.New("config: unsafe file permissions")
	// ErrFileTooLarge reports a configuration or secret file over its cap.
	ErrFileTooLarge = errors.New("config: file too large")

	errNotRegular = errors.New("config: not a regular file")
)

// Size caps: a .env file is a few kilobytes; a secret file a few hundred
// bytes (a PEM key fits easily).
const (
	maxEnvFileSize    = 1 << 20
	maxSecretFileSize = 64 << 10
)

// envEntry is one KEY=VALUE assignment and the line it came from.
type envEntry struct {
	key   string
	value string
	line  int
}

// lineError is one malformed line of a .env file. It names the line and,
// when it could be read, the variable, never the value.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }
func (e *lineError) Unwrap() error { return ErrMalformedEnvFile }

// parseEnvFile parses the simple .env syntax:
//
//	# comment
//	KEY=value              # spaces around the value are trimmed; " #" starts a comment
//	export KEY=value       # "export " is ignored
//	KEY="value with spaces and \" \\ \n escapes"
//	KEY='literal value'
//
// Keys are [A-Za-z_][A-Za-z0-9_]*; a key given twice is an error. Every
// malformed line is reported (as a *lineError) with its number, never with
// its content, which may hold a secret. The entries of the well-formed lines
// are returned in file order even when some lines are malformed.
func parseEnvFile(data []byte) ([]envEntry, []error) {
	if !utf8.Valid(data) {
		return nil, []error{&lineError{line: invalidUTF8Line(data), msg: "not valid UTF-8"}}
	}
	var (
		entries []envEntry
		errs    []error
		seen    = make(map[string]int)
	)
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		line = strings.TrimSuffix(line, "\r")
		key, value, err := parseEnvLine(line)
		if err != nil {
			errs = append(errs, &lineError{line: n, msg: err.Error()})
			continue
		}
		if key == "" {
			continue
		}
		if prev, dup := seen[key]; dup {
			errs = append(errs, &lineError{line: n, msg: fmt.Sprintf("%s already set on line %d", key, prev)})
			continue
		}
		seen[key] = n
		entries = append(entries, envEntry{key: key, value: value, line: n})
	}
	return entries, errs
}

// invalidUTF8Line returns the number of the first line holding invalid UTF-8.
func invalidUTF8Line(data []byte) int {
	n := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			return n
		}
		if r == '\n' {
			n++
		}
		data = data[size:]
	}
	return n
}

// parseEnvLine returns the key and value of one line, or an empty key for a
// blank or comment line. Error texts never include the value.
func parseEnvLine(line string) (key, value string, err error) {
	s := strings.TrimLeft(line, " \t")
	if s == "" || s[0] == '#' {
		return "", "", nil
	}
	if rest, ok := strings.CutPrefix(s, "export"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
		s = strings.TrimLeft(rest, " \t")
	}
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return "", "", errors.New("expected KEY=VALUE")
	}
	k = strings.TrimRight(k, " \t")
	if !validKey(k) {
		return "", "", errors.New("invalid variable name (want letters, digits and _)")
	}
	v = strings.TrimLeft(v, " \t")
	if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
		return "", "", fmt.Errorf("%s: control character in value", k)
	}
	switch {
	case v == "":
		return k, "", nil
	case v[0] == '"' || v[0] == '\'':
		val, rest, err := unquote(v)
		if err != nil {
			return "", "", fmt.Errorf("%s: %w", k, err)
		}
		rest = strings.TrimLeft(rest, " \t")
		if rest != "" && rest[0] != '#' {
			return "", "", fmt.Errorf("%s: text after the closing quote", k)
		}
		return k, val, nil
	default:
		if i := strings.Index(v, " #"); i >= 0 {
			v = v[:i]
		}
		if i := strings.Index(v, "\t#"); i >= 0 {
			v = v[:i]
		}
		v = strings.TrimRight(v, " \t")
		if strings.ContainsAny(v, `"'`) && (v[len(v)-1] == '"' || v[len(v)-1] == '\'') {
			return "", "", fmt.Errorf("%s: unbalanced quote", k)
		}
		return k, v, nil
	}
}

// unquote reads a quoted value at the start of v and returns it and the rest
// of v after the closing quote. Single quotes are literal; double quotes
// understand \" \\ \n and \t.
func unquote(v string) (val, rest string, err error) {
	q := v[0]
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		c := v[i]
		switch {
		case c == q:
			return b.String(), v[i+1:], nil
		case c == '\\' && q == '"':
			if i+1 >= len(v) {
				return "", "", errors.New("unterminated quote")
			}
			i++
			switch v[i] {
			case '"', '\\':
				b.WriteByte(v[i])
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				return "", "", errors.New(`unknown escape (use \" \\ \n or \t)`)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errors.New("unterminated quote")
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for i, r := range k {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// readEnvFile reads and parses the .env file at path. It refuses a file
// that is not a regular file, that group or others can write, or that is
// owned by someone other than the running user or root (anyone who can
// write it controls SAMO's secrets and security level): err is then set and
// nothing is returned. A file others can read is accepted with a warning.
// Malformed lines are returned in bad (each a *lineError) beside the
// entries of the good lines.
func readEnvFile(path string) (entries []envEntry, bad []error, warnings []string, err error) {
	return readEnvFileAs(path, os.Getuid())
}

// readEnvFileAs is readEnvFile for a process running as uid.
func readEnvFileAs(path string, uid int) (entries []envEntry, bad []error, warnings []string, err error) {
	data, st, err := readSmallFile(path, maxEnvFileSize)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := checkTrusted(path, st, uid); err != nil {
		return nil, nil, nil, err
	}
	if mode := st.Mode().Perm(); runtime.GOOS != "windows" && mode&0o044 != 0 {
		warnings = append(warnings, fmt.Sprintf("%s is readable by group or others (mode %#o); it may hold secrets: chmod 600 %s", path, mode, path))
	}
	entries, bad = parseEnvFile(data)
	return entries, bad, warnings, nil
}

// readSmallFile opens path, checks it is a regular file no larger than max
// and returns its content and file information (taken from the open file,
// so it describes what was read).
func readSmallFile(path string, max int64) ([]byte, os.FileInfo, error) {
	f, err := os.Open(path) // #nosec G304 -- the path is the operator's own configuration
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	data, st, err := readOpenFile(f, path, max)
	if err != nil {
		return nil, nil, err
	}
	return data, st, nil
}

// readOpenFile is readSmallFile for a file already open; name is used in
// errors.
func readOpenFile(f *os.File, name string, max int64) ([]byte, os.FileInfo, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%w: %s", errNotRegular, name)
	}
	if st.Size() > max {
		return nil, nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrFileTooLarge, name, max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, nil, err
	}
	if int64(len(data)) > max {
		return nil, nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrFileTooLarge, name, max)
	}
	return data, st, nil
}

// readSecretFile reads a NAME_FILE secret: the whole file, with trailing
// newlines (\n or \r\n) removed. An empty file is an error, and so is a
// file checkTrusted refuses (writable by group or others, or owned by
// another user than the running one or root).
func readSecretFile(path string) (string, error) {
	return readSecretFileAs(path, os.Getuid())
}

// readSecretFileAs is readSecretFile for a process running as uid.
func readSecretFileAs(path string, uid int) (string, error) {
	data, st, err := readSmallFile(path, maxSecretFileSize)
	if err != nil {
		return "", err
	}
	if err := checkTrusted(path, st, uid); err != nil {
		return "", err
	}
	s := strings.TrimRight(string(data), "\r\n")
	if s == "" {
		return "", fmt.Errorf("config: %s is empty", path)
	}
	return s, nil
}
