package validate

import (
	"reflect"
	"testing"
)

// TestDisguiseMutSkeleton pins skeletonize on words mixing Latin letters,
// look-alikes and other letters, wholly look-alike non-keywords, and the
// three-rune minimum of the mixed-word finding.
func TestDisguiseMutSkeleton(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		skeleton string
		changed  bool
		conf     float64
	}{
		{"latin, look-alike and other letter", "xаб", "", false, 0},
		{"look-alike and other letter", "аб", "", false, 0},
		{"all look-alike non-keyword", "сор", "", false, 0},
		{"mixed three runes", "xаy", "xay", true, 0.6},
		{"mixed two runes", "xа", "xa", true, 0},
		{"mixed four runes", "xаyz q", "xayz q", true, 0.6},
		{"all look-alike keyword", "ѕсrірt", "script", true, 0.9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f findings
			d := skeletonize(&f, tt.in)
			if d.skeleton != tt.skeleton || d.changed != tt.changed {
				t.Errorf("skeletonize(%q) = %q, %v, want %q, %v", tt.in, d.skeleton, d.changed, tt.skeleton, tt.changed)
			}
			if got := f[classIndex(Unicode)].Confidence; got != tt.conf {
				t.Errorf("skeletonize(%q) Unicode confidence = %v, want %v", tt.in, got, tt.conf)
			}
		})
	}
}

// TestDisguiseMutWords pins forEachWord on the mathematical alphanumeric
// block: its non-letter symbols count as word characters, code points
// above the block do not.
func TestDisguiseMutWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"a😀b", []string{"a", "b"}},
		{"\U0001D6C1x", []string{"\U0001D6C1x"}},
		{"\U0001D400\U0001D7FF", []string{"\U0001D400\U0001D7FF"}},
		{"a_b c", []string{"a_b", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got []string
			forEachWord(tt.in, func(w string, start, end int) {
				if tt.in[start:end] != w {
					t.Errorf("word %q at [%d:%d]", w, start, end)
				}
				got = append(got, w)
			})
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("forEachWord(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
