package mask

import "testing"

func TestMaskEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"typical", "jane.doe@example.com", "j******e@example.com"},
		{"three chars", "abc@x.io", "a*c@x.io"},
		{"two chars", "ab@x.io", "a*@x.io"},
		{"one char", "a@b.c", "*@b.c"},
		{"only at", "@", "@"},
		{"empty local", "@example.com", "@example.com"},
		{"no at sign", "no-at-sign", "n********n"},
		{"non-ascii", "ü@ß.de", "*@ß.de"},
		{"non-ascii long", "jürgen@müller.de", "j****n@müller.de"},
		{"emoji", "😀ab😀@x.de", "😀**😀@x.de"},
		{"several at", "a@b@c.de", "a*b@c.de"},
		{"trailing at", "abc@", "a*c@"},
		{"invalid utf-8", "\xffab\xff@x.de", "\ufffd**\ufffd@x.de"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaskEmail(tt.in); got != tt.want {
				t.Errorf("MaskEmail(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMaskPhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"us", "+1 (212) 555-0123", "+* (***) ***-0123"},
		{"digits only", "4155550171", "******0171"},
		{"uk", "020 7946 0958", "*** **** 0958"},
		{"three digits", "911", "***"},
		{"four digits", "1234", "****"},
		{"six digits", "123456", "******"},
		{"seven digits", "5550123", "***0123"},
		{"letters", "abc", "***"},
		{"vanity", "1-800-FLOWERS", "*-***-*******"},
		{"extension", "212-555-0123 ext 45", "***-***-**23 *** 45"},
		{"arabic-indic digits", "٠١٢٣٤٥٦٧٨٩", "******٦٧٨٩"},
		{"punctuation only", "()-+", "()-+"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaskPhone(tt.in); got != tt.want {
				t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
