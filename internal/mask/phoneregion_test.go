package mask

import (
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
