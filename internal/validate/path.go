package validate

import "strings"

// Files an attacker reads through traversal or inclusion.
var sensitivePaths = [...]string{
	"/etc/passwd", "/etc/shadow", "/etc/hosts", "/etc/group", "/etc/issue", "/etc/sudoers", "/etc/crontab",
	"/proc/self/", "/proc/version", "/var/log/", "/root/", "/.ssh/", "/id_rsa", "/.bash_history", "/.aws/credentials",
	"/.env", "/.git/", "/.htpasswd", "/.htaccess", "/web-inf/web.xml", "/wp-config.php", "/boot.ini", "/win.ini",
	"/windows/system32", "/windows/win.ini", "/inetpub/", "/system.ini", "/config/sam",
}

// detectPath finds directory traversal: two or more "../" (or "..\",
// "..;/") segments, one segment reaching a sensitive file, the "....//"
// filter bypass, and absolute paths to well-known sensitive files or file://
// URLs. Encoded forms (%2e%2e%2f, %252e, %c0%ae, %u2216, fullwidth) are
// decoded first. An ellipsis ("wait.../what") is not a segment.
func detectPath(f *findings, in *input) {
	for _, l := range in.lowerViews() {
		scanTraversal(f, l)
	}
}

func scanTraversal(f *findings, l string) {
	if strings.Contains(l, "..") {
		run, best, prevSep := 0, 0, -10
		for i := 0; i+2 < len(l); i++ {
			if l[i] != '.' || l[i+1] != '.' {
				continue
			}
			// "....//" and "..../" bypasses for filters that delete "../" once.
			if i+4 < len(l) && l[i+2] == '.' && l[i+3] == '.' && isSep(l[i+4]) && (i == 0 || l[i-1] != '.') {
				f.add(PathTraversal, 0.85, "filter-bypass traversal sequence")
			}
			if i > 0 && (l[i-1] == '.' || isIdent(l[i-1])) {
				continue
			}
			j := i + 2
			if j < len(l) && l[j] == ';' {
				j++
			}
			if j >= len(l) || !isSep(l[j]) {
				continue
			}
			if i == prevSep+1 || (i == prevSep+2 && isSep(l[prevSep+1])) {
				run++
			} else {
				run = 1
			}
			if run > best {
				best = run
			}
			prevSep = j
			// What the traversal reaches: checked once per run, after its
			// last segment, so "../../../..." costs linear time.
			if j+1 < len(l) && l[j+1] != '.' && !isSep(l[j+1]) {
				rest := strings.ReplaceAll(l[j:min(len(l), j+48)], "\\", "/")
				for _, p := range sensitivePaths {
					if strings.HasPrefix(rest, p) {
						f.add(PathTraversal, 0.95, "traversal to a sensitive file")
						break
					}
				}
			}
			i = j
		}
		switch {
		case best >= 3:
			f.add(PathTraversal, 0.95, "directory traversal sequence")
		case best == 2:
			f.add(PathTraversal, 0.85, "directory traversal sequence")
		}
	}
	if strings.Contains(l, "file://") {
		f.add(PathTraversal, 0.8, "file URL")
	}
	if strings.ContainsAny(l, "/\\") {
		n := l
		if strings.IndexByte(l, '\\') >= 0 {
			n = strings.ReplaceAll(l, "\\", "/")
		}
		for _, p := range sensitivePaths {
			if strings.Contains(n, p) {
				f.add(PathTraversal, 0.7, "path to a sensitive file")
				break
			}
		}
	}
}

func isSep(c byte) bool { return c == '/' || c == '\\' }
