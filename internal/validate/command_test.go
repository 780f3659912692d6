package validate

import (
	"strings"
	"testing"
)

// TestEvalCommand pins how each group of the command table judges its
// arguments: a harmless use, a match and, where the group has one, a
// certain (strong) use.
func TestEvalCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line          string
		match, strong bool
		known         bool
	}{
		{"cat notes", false, false, true},
		{"cat ./notes.txt", true, false, true},
		{"cat /etc/passwd", true, true, true},
		{"whoami", true, false, true},
		{"ls my friends", false, false, true},
		{"env", true, false, true},
		{"env FOO=1", false, false, true},
		{"ping", false, false, true},
		{"ping example.com", true, false, true},
		{"ping -c 1 example.com", true, true, true},
		{"curl http://x.example/a", true, true, true},
		{"nc -e 10.0.0.1", true, true, true},
		{"bash is great", false, false, true},
		{"bash -c", true, true, true},
		{"bash -x", true, false, true},
		{"python rocks", false, false, true},
		{"python -c", true, true, true},
		{"rm notes", false, false, true},
		{"rm -rf /", true, true, true},
		{"rm ./notes.txt", true, false, true},
		{"sleep 10", true, false, true},
		{"sleep well", false, false, true},
		{"sleep 1 2", false, false, true},
		{"chmod 777 x", true, true, true},
		{"chmod u+s x", true, true, true},
		{"chmod it", false, false, true},
		{"echo hello", false, false, true},
		{"echo x > /etc/cron.d/x", true, true, true},
		{"certutil -urlcache", true, true, true},
		{"certutil", false, false, true},
		{"net user", true, false, true},
		{"net gain", false, false, true},
		{"reg query", true, false, true},
		{"reg istration", false, false, true},
		{"shutdown", true, false, true},
		{"shutdown now", true, false, true},
		{"kill time", false, false, true},
		{"eval $x", true, false, true},
		{"eval it", false, false, true},
		{"sudo cat /etc/shadow", true, true, true},
		{"sudo", false, false, true},
		{"su", true, false, true},
		{"nohup whoami", true, false, true},
		{"banana split", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			f := strings.Fields(tt.line)
			match, strong, known := evalCommand(f[0], f[1:])
			if match != tt.match || strong != tt.strong || known != tt.known {
				t.Errorf("evalCommand(%q) = match %v, strong %v, known %v; want %v, %v, %v",
					tt.line, match, strong, known, tt.match, tt.strong, tt.known)
			}
		})
	}
}

// TestCommandTableWordsOnce: a command belongs to one group, so the table
// cannot silently override an earlier entry.
func TestCommandTableWordsOnce(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, g := range commandTable {
		for _, w := range strings.Fields(g.words) {
			if seen[w] {
				t.Errorf("%q is in two groups of commandTable", w)
			}
			seen[w] = true
		}
	}
	if len(seen) != len(commandRules) {
		t.Errorf("commandRules has %d commands, the table %d", len(commandRules), len(seen))
	}
}
