package mask

import (
	"slices"
	"strings"
	"testing"
)

// TestPhoneRegionLongestNumbers: the possible lengths run up to
// maxPhoneDigits inclusive, and a candidate of exactly that many digits is
// plausible where libphonenumber allows it (Japan has 17-digit national
// numbers), so the longest numbers are still masked.
func TestPhoneRegionLongestNumbers(t *testing.T) {
	r := newPhoneRegion("JP")
	if !r.possible[maxPhoneDigits] {
		t.Fatalf("JP: %d digits not possible; libphonenumber allows them", maxPhoneDigits)
	}
	if !r.plausible(strings.Repeat("5", maxPhoneDigits)) {
		t.Errorf("JP: a %d-digit candidate is not plausible", maxPhoneDigits)
	}
	if r.plausible(strings.Repeat("5", maxPhoneDigits+1)) {
		t.Errorf("JP: a %d-digit candidate is plausible", maxPhoneDigits+1)
	}
}

// TestFindPhonesSkipsCovered: a phone candidate lying inside one of the
// winning spans of the other detectors is not confirmed (that is the
// saving), including one of exactly the same extent; one reaching past
// them by a byte, or starting before them, is.
func TestFindPhonesSkipsCovered(t *testing.T) {
	t.Parallel()
	regions := []phoneRegion{newPhoneRegion("US")}
	const text = "call 212-555-0123 now" // the number is bytes 5 to 17
	phone := []span{{PhoneNumber, 5, 17}}
	cases := []struct {
		others []span
		want   []span
	}{
		{nil, phone},
		{[]span{{CreditCard, 5, 17}}, nil}, // same extent
		{[]span{{URL, 0, 17}}, nil},
		{[]span{{URL, 0, 21}}, nil},
		{[]span{{URL, 0, 3}, {CreditCard, 5, 17}}, nil},
		{[]span{{CreditCard, 5, 16}}, phone}, // ends a byte early
		{[]span{{CreditCard, 6, 17}}, phone}, // starts a byte late
		{[]span{{URL, 0, 3}, {CreditCard, 18, 21}}, phone},
	}
	for _, tc := range cases {
		got := findPhones(text, regions, tc.others, nil)
		if !slices.Equal(got, tc.want) {
			t.Errorf("others %v: findPhones = %v, want %v", tc.others, got, tc.want)
		}
	}
}
