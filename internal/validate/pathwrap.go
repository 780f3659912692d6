package validate

import "strings"

// streamWrappers lists URL schemes and PHP stream wrappers that read local
// files, run commands or reach internal services when a field ends up in an
// include, fopen or URL fetch: php://filter, expect://id, phar://,
// gopher://127.0.0.1:6379/... Each is matched followed by "://" (or ':' for
// jar:) at a word boundary.
var streamWrappers = []string{
	"php", "phar", "zip", "rar", "ogg", "expect", "glob", "data", "compress.zlib", "compress.bzip2", "zlib", "bzip2",
	"ssh2.shell", "ssh2.exec", "ssh2.tunnel", "ssh2.sftp", "ssh2.scp", "netdoc", "gopher", "dict", "tftp", "jar",
}

// pathLookalikes maps characters that render like '/' or '\' to them, for
// traversal written with DIVISION SLASH, FRACTION SLASH, SET MINUS and
// friends (NFKC leaves these alone; fullwidth forms and dot leaders are
// already folded by decode).
var pathLookalikes = map[rune]rune{
	'\u2215': '/', '\u2044': '/', '\u29f8': '/', '\u2571': '/', '\u27cb': '/', '\u1735': '/', '\u141f': '/', '\u3033': '/',
	'\u2216': '\\', '\u29f5': '\\', '\u29f9': '\\', '\u2572': '\\', '\u27cd': '\\',
}

// detectPathWrappers finds stream wrappers, UNC and NT device paths, and
// traversal spelled with look-alike slashes.
func detectPathWrappers(f *findings, in *input) {
	for _, l := range in.lowerViews() {
		if strings.Contains(l, ":/") || strings.Contains(l, "jar:") {
			scanWrappers(f, l)
		}
		if strings.Contains(l, `\\`) || strings.Contains(l, `\??\`) {
			scanUNC(f, l)
		}
		if !isASCII(l) {
			if m, ok := mapPathLookalikes(l); ok {
				if strings.Contains(m, "../") || strings.Contains(m, `..\`) || strings.Contains(m, "/etc/") || strings.Contains(m, `\windows\`) {
					f.add(PathTraversal, 0.85, "traversal with look-alike slashes")
				}
				scanTraversal(f, m)
			}
		}
	}
}

func scanWrappers(f *findings, l string) {
	for _, w := range streamWrappers {
		sep := "://"
		if w == "jar" {
			sep = ":"
		}
		forEach(l, w+sep, func(i int) {
			if i > 0 && (isAlnum(l[i-1]) || l[i-1] == '.' || l[i-1] == '_') {
				return
			}
			rest := l[i+len(w)+len(sep):]
			switch {
			case w == "jar" && !strings.HasPrefix(rest, "file:") && !strings.HasPrefix(rest, "http"):
			case w == "data" && rest == "":
			case w == "php", w == "expect", w == "phar", w == "compress.zlib", w == "compress.bzip2":
				f.add(PathTraversal, 0.95, "PHP stream wrapper")
			default:
				f.add(PathTraversal, 0.85, "stream wrapper or internal-service URL")
			}
		})
	}
}

// scanUNC finds UNC paths (\\host\share, \\?\C:\..., \\.\pipe\x, and their
// JSON-escaped doubling) and NT object paths (\??\UNC\...) at a word
// boundary. A single backslash, "\\n" in code talk and "C:\\dir" are not.
func scanUNC(f *findings, l string) {
	if strings.Contains(l, `\??\`) {
		f.add(PathTraversal, 0.9, "NT object path")
	}
	for i := 0; i+2 < len(l); i++ {
		if l[i] != '\\' || l[i+1] != '\\' {
			continue
		}
		if i > 0 && (isAlnum(l[i-1]) || l[i-1] == '\\' || l[i-1] == ':' || l[i-1] == '.') {
			continue
		}
		j := i + 2
		for j < len(l) && l[j] == '\\' {
			j++
		}
		h := j
		for j < len(l) && j-h < 253 && (isAlnum(l[j]) || strings.IndexByte(".-_@?$[]:", l[j]) >= 0) {
			j++
		}
		host := l[h:j]
		if host == "" || j >= len(l) || !isSep(l[j]) {
			i = j
			continue
		}
		for j < len(l) && isSep(l[j]) {
			j++
		}
		if j < len(l) && (isAlnum(l[j]) || l[j] == '$' || l[j] == '_' || l[j] == '%') && (host == "?" || host == "." || len(host) >= 2 || isLetter(host[0])) {
			f.add(PathTraversal, 0.85, "UNC path")
		}
		i = j
	}
}

// mapPathLookalikes replaces look-alike slashes with '/' and '\'; ok is
// false when s has none.
func mapPathLookalikes(s string) (string, bool) {
	found := false
	for _, r := range s {
		if _, hit := pathLookalikes[r]; hit {
			found = true
			break
		}
	}
	if !found {
		return s, false
	}
	return strings.Map(func(r rune) rune {
		if m, hit := pathLookalikes[r]; hit {
			return m
		}
		return r
	}, s), true
}
