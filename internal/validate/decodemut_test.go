package validate

import (
	"reflect"
	"strings"
	"testing"
)

// decodeMutUTF7Long is a 64-character UTF-7 run (the longest accepted)
// spelling 24 'A's.
var decodeMutUTF7Long = strings.Repeat("AEEAQQBB", 8)

// TestDecodeMutOnce pins decodeOnce, isASCII and percentDecode on the
// boundaries of their byte tests: markers at index 0, 0x80, and %-escapes
// cut short at the end of the text.
func TestDecodeMutOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func(string) string
		in   string
		want string
	}{
		{"utf7 with '-' first", decodeOnce, "-+ADw", "-<"},
		{"NUL first", decodeOnce, "\x00a", "a"},
		{"NUL inside", decodeOnce, "a\x00b", "ab"},
		{"percent short hex", percentDecode, "%4", "%4"},
		{"percent hex", percentDecode, "%41", "A"},
		{"percent short u", percentDecode, "%u004", "%u004"},
		{"percent u", percentDecode, "%u0041", "A"},
		{"percent U", percentDecode, "%U0041", "A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fn(tt.in); got != tt.want {
				t.Errorf("%s(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		in   string
		want bool
	}{{"\x80", false}, {"\x7f", true}, {"a\xff", false}, {"", true}} {
		if got := isASCII(tt.in); got != tt.want {
			t.Errorf("isASCII(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestDecodeMutOverlong pins fixOverlong on two- and three-byte overlong
// forms, their lead bytes alone or cut short at the end, and bytes that
// only look like continuations.
func TestDecodeMutOverlong(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"\xc1\x81", "A"},
		{"\xc0\xae", "."},
		{"a\x80", "a\x80"},
		{"\xc0", "\xc0"},
		{"x\xc1", "x\xc1"},
		{"\xe0\x81\x81", "A"},
		{"\xe0\x80\xaf", "/"},
		{"a\x80\x80", "a\x80\x80"},
		{"\xe0\x80", "\xe0\x80"},
		{"\xe0\xa0\x80", "\xe0\xa0\x80"},
		{"\xe0\x81\x01", "\xe0\x81\x01"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := fixOverlong(tt.in); got != tt.want {
				t.Errorf("fixOverlong(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestDecodeMutBackslash pins unescapeBackslash on \u{...} with no
// digits, six and seven digits, an unclosed brace at the end, and octal.
func TestDecodeMutBackslash(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`\u{41`, `\u{41`},
		{`\u{41}`, "A"},
		{`\u{000041}`, "A"},
		{`\u{0000041}`, `\u{0000041}`},
		{`\u{}`, `\u{}`},
		{`\u{}x`, `\u{}x`},
		{`\101`, "A"},
		{`\377`, "\xff"},
		{`\400`, `\400`},
		{`\x41\/`, "A/"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := unescapeBackslash(tt.in); got != tt.want {
				t.Errorf("unescapeBackslash(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestDecodeMutUTF7 pins decodeUTF7 and utf7Run: runs that follow a
// rejected run or a decoded one, a run ending the text, the 64-character
// limit, a run filling exactly three UTF-16 units, the printable range
// ends (space, '~') and the check that leftover bits are zero.
func TestDecodeMutUTF7(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"+A-+ADw-", "+A-<"},
		{"+ADw", "<"},
		{"x+ADw-y", "x<y"},
		{"+ADw-+ADw-", "<<"},
		{"+ADw--", "<-"},
		{"+AEE-", "A"},
		{"a+bc", "a+bc"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := decodeUTF7(tt.in); got != tt.want {
				t.Errorf("decodeUTF7(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	runs := []struct {
		run  string
		want string
		ok   bool
	}{
		{decodeMutUTF7Long, strings.Repeat("A", 24), true},
		{decodeMutUTF7Long + "A", "", false},
		{"AD", "", false},
		{"ADwAPAA8", "<<<", true},
		{"ADwAPAA+", "<<>", true},
		{"ACA", " ", true},
		{"AH4", "~", true},
		{"AH8", "", false},
		{"AB8", "", false},
		{"AEE", "A", true},
		{"AEF", "", false},
		{"AAA", "", false},
	}
	for _, tt := range runs {
		t.Run("run "+tt.run, func(t *testing.T) {
			out, ok := utf7Run(tt.run)
			if string(out) != tt.want || ok != tt.ok {
				t.Errorf("utf7Run(%q) = %q, %v, want %q, %v", tt.run, out, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestDecodeMutStripTags pins stripTags on the first character after '<'
// and on '<' directly followed by '<' or '>'.
func TestDecodeMutStripTags(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"<1>", "<1>"},
		{"<!x>", ""},
		{"<?x>", ""},
		{"</x>y", "y"},
		{"<<a>b", "<b"},
		{"<>", "<>"},
		{"a<b>c", "ac"},
		{"<scr<script>ipt>", "<script>"},
		{"a<b", "a<b"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := stripTags(tt.in); got != tt.want {
				t.Errorf("stripTags(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestDecodeMutInput pins newInput's escaped-break flag (a backslash at
// index 0), views on decoded and unchanged text, and the order of
// findings.list for equal confidences (class order kept).
func TestDecodeMutInput(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want bool
	}{{`\n`, true}, {`a\r`, true}, {`\t`, false}, {"a\nb", false}} {
		if got := newInput(tt.in).escBreak; got != tt.want {
			t.Errorf("newInput(%q).escBreak = %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct {
		in          string
		views, lows []string
	}{
		{"abc", []string{"abc"}, []string{"abc"}},
		{"%41b", []string{"Ab", "%41b"}, []string{"ab", "%41b"}},
	} {
		in := newInput(tt.in)
		if got := in.views(); !reflect.DeepEqual(got, tt.views) {
			t.Errorf("newInput(%q).views() = %q, want %q", tt.in, got, tt.views)
		}
		if got := in.lowerViews(); !reflect.DeepEqual(got, tt.lows) {
			t.Errorf("newInput(%q).lowerViews() = %q, want %q", tt.in, got, tt.lows)
		}
	}
	var f findings
	f.add(Markup, 0.5, "m")
	f.add(Shell, 0.7, "s")
	f.add(SQL, 0.5, "q")
	var got []Class
	for _, d := range f.list() {
		got = append(got, d.Class)
	}
	if want := []Class{Shell, Markup, SQL}; !reflect.DeepEqual(got, want) {
		t.Errorf("findings.list() classes = %v, want %v", got, want)
	}
}
