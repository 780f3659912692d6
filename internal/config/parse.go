package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Parse errors. Messages for non-secret values quote the value; secret
// values never appear in an error.
var (
	errNotInteger = errors.New("not an integer")
	errNotBool    = errors.New("not a boolean (use true or false)")
	errDuration   = errors.New("not a duration (seconds like 3600 or a Go duration like 1h)")
	errPrefix     = errors.New("not an IP address or CIDR")
)

// field adapts a parser into a setter for one Config field.
func field[T any](ptr func(*Config) *T, parse func(string) (T, error)) func(*Config, string) error {
	return func(c *Config, v string) error {
		x, err := parse(v)
		if err != nil {
			return err
		}
		*ptr(c) = x
		return nil
	}
}

func parseString(v string) (string, error) { return strings.TrimSpace(v), nil }

// parsePath keeps a path as given: leading or trailing spaces may be part
// of a file name, but an all-space value is empty.
func parsePath(v string) (string, error) {
	if strings.TrimSpace(v) == "" {
		return "", nil
	}
	return v, nil
}

func parseInt(v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("%q: %w", v, errNotInteger)
	}
	return n, nil
}

func parseInt64(v string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", v, errNotInteger)
	}
	return n, nil
}

// parseBool accepts true/false, 1/0, yes/no and on/off in any case.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "yes", "on", "t":
		return true, nil
	case "false", "0", "no", "off", "f":
		return false, nil
	}
	return false, fmt.Errorf("%q: %w", v, errNotBool)
}

// parseSeconds accepts a whole number of seconds (the Guide's form) or a Go
// duration such as 90s, 1h or 1h30m.
func parseSeconds(v string) (time.Duration, error) {
	s := strings.TrimSpace(v)
	if s != "" && strings.Trim(s, "0123456789") == "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > int64(1<<63-1)/int64(time.Second) {
			return 0, fmt.Errorf("%q: %w", v, errDuration)
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", v, errDuration)
	}
	return d, nil
}

// parseList splits a comma-separated list, trimming spaces and dropping
// empty items.
func parseList(v string) ([]string, error) {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out, nil
}

// parseLowerList is parseList with items lower-cased and duplicates removed.
func parseLowerList(v string) ([]string, error) {
	items, _ := parseList(v)
	var out []string
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		it = strings.ToLower(it)
		if !seen[it] {
			seen[it] = true
			out = append(out, it)
		}
	}
	return out, nil
}

// parseOrigins is parseList with each origin lower-cased and a trailing "/"
// removed, so "https://App.example/" matches the Origin header browsers send.
func parseOrigins(v string) ([]string, error) {
	items, _ := parseList(v)
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, strings.TrimSuffix(strings.ToLower(it), "/"))
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// parsePrefixes parses a comma-separated list of CIDRs or bare IP addresses
// (a bare address becomes a /32 or /128). A CIDR with host bits set is
// refused rather than silently widened or narrowed.
func parsePrefixes(v string) ([]netip.Prefix, error) {
	items, _ := parseList(v)
	var out []netip.Prefix
	var bad []string
	for _, it := range items {
		p, err := parsePrefix(it)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		out = append(out, p)
	}
	if len(bad) > 0 {
		return nil, errors.New(strings.Join(bad, "; "))
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q: %w", s, errPrefix)
		}
		if p.Addr().Is4In6() {
			return netip.Prefix{}, fmt.Errorf("%q: %w (write IPv4 networks in IPv4 form)", s, errPrefix)
		}
		if m := p.Masked(); m != p {
			return netip.Prefix{}, fmt.Errorf("%q has host bits set (did you mean %s?)", s, m)
		}
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q: %w", s, errPrefix)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// parseSecret never fails and never echoes its input.
func parseSecret(v string) (Secret, error) { return NewSecret(v), nil }

// parseSecretList splits a comma- or newline-separated list of secrets.
func parseSecretList(v string) ([]Secret, error) {
	var out []Secret
	for item := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, NewSecret(item))
		}
	}
	return out, nil
}

// parseLevel accepts debug, info, warn, error (any case) and slog's
// offsets such as "info+2".
func parseLevel(v string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.TrimSpace(v))); err != nil {
		return 0, fmt.Errorf("%q: not a log level (debug, info, warn or error)", v)
	}
	return l, nil
}

// canonical returns a parser that maps a case-insensitive match of one of
// names to its canonical spelling and keeps anything else as given, for
// Validate to report.
func canonical(names ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		v = strings.TrimSpace(v)
		for _, n := range names {
			if strings.EqualFold(v, n) {
				return n, nil
			}
		}
		return v, nil
	}
}
