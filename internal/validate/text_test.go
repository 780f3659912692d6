package validate

import (
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestTextErrors(t *testing.T) {
	t.Parallel()
	lim := Limits{MinLength: 2, MaxLength: 10}
	tests := []struct {
		name, in string
		lim      Limits
		code     string
	}{
		{"too short", "a", lim, CodeTooShort},
		{"empty", "", lim, CodeTooShort},
		{"too long", "abcdefghijk", lim, CodeTooLong},
		{"too long far beyond 4x", strings.Repeat("a", 100), lim, CodeTooLong},
		{"too long in code points not bytes", strings.Repeat("é", 11), lim, CodeTooLong},
		{"blank", "   \t\n ", lim, CodeBlank},
		{"invalid utf8", "ab\xffcd", lim, CodeInvalidUTF8},
		{"truncated utf8", "ab\xe2\x82", lim, CodeInvalidUTF8},
		{"surrogate encoded", "ab\xed\xa0\x80", lim, CodeInvalidUTF8},
		{"NUL", "ab\x00cd", lim, CodeControl},
		{"ESC", "ab\x1b[31m", lim, CodeControl},
		{"bell", "ab\x07", lim, CodeControl},
		{"DEL", "ab\x7f", lim, CodeControl},
		{"C1 CSI", "ab\u009b", lim, CodeControl},
		{"NEL", "ab\u0085cd", lim, CodeControl},
		{"RLO", "ab\u202ecd", lim, CodeBidi},
		{"LRO", "ab\u202dcd", lim, CodeBidi},
		{"RLE", "ab\u202bcd", lim, CodeBidi},
		{"LRI", "ab\u2066cd", lim, CodeBidi},
		{"RLI", "ab\u2067cd", lim, CodeBidi},
		{"FSI", "ab\u2068cd", lim, CodeBidi},
		{"PDI", "ab\u2069cd", lim, CodeBidi},
		{"two ZWSP", "ab\u200b\u200bcd", lim, CodeZeroWidth},
		{"ZWJ run", "ab\u200d\u200d", lim, CodeZeroWidth},
		{"word joiner and BOM", "a\u2060\ufeffb", lim, CodeZeroWidth},
		{"tag characters", "ab\U000E0041\U000E0042", lim, CodeZeroWidth},
		{"combining flood", "a" + strings.Repeat("\u0301", MaxCombiningRun+1), Limits{1, 100}, CodeCombining},
		{"noncharacter FDD0", "ab\ufdd0", lim, CodeNoncharacter},
		{"noncharacter FFFE", "ab\ufffe", lim, CodeNoncharacter},
		{"noncharacter plane 16", "ab\U0010FFFF", lim, CodeNoncharacter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Text(tt.in, tt.lim)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Text(%q) = %q, %v; want *FieldError with code %s", tt.in, got, err, tt.code)
			}
			if fe.Code != tt.code {
				t.Errorf("code = %q, want %q", fe.Code, tt.code)
			}
			if fe.Field != "text" {
				t.Errorf("field = %q, want text", fe.Field)
			}
			if fe.Message == "" || len(tt.in) >= 4 && strings.Contains(fe.Message, tt.in) {
				t.Errorf("message %q is empty or echoes the input", fe.Message)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = false")
			}
			if got != "" {
				t.Errorf("rejected text returned %q, want empty", got)
			}
		})
	}
}

func TestTextAccepts(t *testing.T) {
	t.Parallel()
	lim := Limits{MinLength: 1, MaxLength: 10}
	tests := []struct {
		name, in, want string
	}{
		{"plain", "hello", "hello"},
		{"NFC composes", "cafe\u0301", "caf\u00e9"},
		{"length counted after NFC", "e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301", strings.Repeat("\u00e9", 10)},
		{"tab LF CR kept", "a\tb\r\nc", "a\tb\r\nc"},
		{"single ZWJ emoji", "👨\u200d👩", "👨\u200d👩"},
		{"single ZWNJ", "\u0645\u06cc\u200c\u062e", "\u0645\u06cc\u200c\u062e"},
		{"England flag tags", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F"},
		{"LRE and PDF pass", "\u202aab\u202c", "\u202aab\u202c"},
		{"direction marks pass", "a\u200eb\u200f", "a\u200eb\u200f"},
		{"playful zalgo within limit", "x" + strings.Repeat("\u0301", 19), "x" + strings.Repeat("\u0301", 19)},
		{"markup is not Text's business", "<b>hi</b>", "<b>hi</b>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := lim
			if utf8.RuneCountInString(tt.want) > l.MaxLength {
				l.MaxLength = 100
			}
			got, err := Text(tt.in, l)
			if err != nil {
				t.Fatalf("Text(%q) error %v, want nil", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTextNoMaximum(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("a", 20000)
	if _, err := Text(s, Limits{}); err != nil {
		t.Errorf("Text with zero MaxLength: %v, want no limit", err)
	}
}

func TestTextFieldName(t *testing.T) {
	t.Parallel()
	_, err := TextField("texts[3]", "", Limits{MinLength: 1})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "texts[3]" {
		t.Fatalf("TextField error = %v, want FieldError for texts[3]", err)
	}
	if got, want := fe.Error(), "validate: texts[3]: too_short"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestTextOutputIsNFC(t *testing.T) {
	t.Parallel()
	in := "A\u030a and \u212b and \u00c5"
	got, err := Text(in, Limits{MaxLength: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !norm.NFC.IsNormalString(got) {
		t.Errorf("Text(%q) = %q, not NFC", in, got)
	}
}

func TestThreshold(t *testing.T) {
	t.Parallel()
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name string
		in   *float64
		code string // "" for valid
	}{
		{"absent", nil, ""},
		{"zero", f(0), ""},
		{"negative zero", f(math.Copysign(0, -1)), ""},
		{"one", f(1), ""},
		{"half", f(0.5), ""},
		{"NaN", f(math.NaN()), CodeNotFinite},
		{"+Inf", f(math.Inf(1)), CodeNotFinite},
		{"-Inf", f(math.Inf(-1)), CodeNotFinite},
		{"-0.1", f(-0.1), CodeOutOfRange},
		{"1.1", f(1.1), CodeOutOfRange},
		{"just above one", f(math.Nextafter(1, 2)), CodeOutOfRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Threshold(tt.in)
			if tt.code == "" {
				if err != nil {
					t.Errorf("Threshold = %v, want nil", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Threshold = %v, want *FieldError %s", err, tt.code)
			}
			if fe.Code != tt.code || fe.Field != "threshold" {
				t.Errorf("got field %q code %q, want threshold %s", fe.Field, fe.Code, tt.code)
			}
		})
	}
}
