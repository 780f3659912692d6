package token

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json/jsontext"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The edges of IsPlaceholderSecret's weak-pattern rules: a pattern of up
// to 32 bytes repeated is weak, the bound included; fewer than 8 distinct
// bytes is weak, exactly 8 is not.
func TestPlaceholderSecretEdges(t *testing.T) {
	t.Parallel()
	unit32 := "kX9#vQ2!mL7@pR4$wT8%zN1^bH6&cJ3*" // 32 bytes, strong on its own
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{unit32, false},
		{unit32 + unit32, true},
		{unit32 + unit32[:20], true},
		{"fcgabbfadabggbdbgabdagadacegcbecbdfbbadh", false}, // 8 distinct bytes, no period
		{"fedgcdedccbgbfgbaecedcfdceaaedbgcbddafag", true},  // 7 distinct bytes
	} {
		if got := IsPlaceholderSecret([]byte(tc.s)); got != tc.want {
			t.Errorf("IsPlaceholderSecret(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

// A key file of exactly maxPEMBytes is read; one byte more is refused, even
// when the extra bytes are only white space after a valid block.
func TestPEMFileSizeBound(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub := publicPEM(t, key.Public())
	for _, c := range []struct {
		size int
		ok   bool
	}{{maxPEMBytes, true}, {maxPEMBytes + 1, false}} {
		p := filepath.Join(dir, "pub.pem")
		padded := append(bytes.Clone(pub), bytes.Repeat([]byte("\n"), c.size-len(pub))...)
		if err := os.WriteFile(p, padded, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadKeySetFiles(EdDSA, "", p)
		if (err == nil) != c.ok || err != nil && (!errors.Is(err, ErrKey) || !strings.Contains(err.Error(), "larger than")) {
			t.Errorf("a %d-byte key file: %v, want ok=%v", c.size, err, c.ok)
		}
	}
}

// The length bounds of claim strings and base64url ids include max.
func TestClaimStringBounds(t *testing.T) {
	t.Parallel()
	for _, max := range []int{1, 5, maxNameBytes} {
		if !validClaimString(strings.Repeat("u", max), max) || validClaimString(strings.Repeat("u", max+1), max) {
			t.Errorf("validClaimString: %d bytes must pass and %d fail (max %d)", max, max+1, max)
		}
		if !isBase64URLString(strings.Repeat("A", max), max) || isBase64URLString(strings.Repeat("A", max+1), max) {
			t.Errorf("isBase64URLString: %d bytes must pass and %d fail (max %d)", max, max+1, max)
		}
	}
}

// A NumericDate is a whole number of seconds in 1..maxNumericDate: 0 and
// one past the bound are refused.
func TestNumericDateBounds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in string
		ok bool
	}{{"0", false}, {"1", true}, {"253402300799", true}, {"253402300800", false}, {"-1", false}, {"1.5", false}} {
		_, err := readNumericDate(jsontext.NewDecoder(strings.NewReader(c.in)))
		if (err == nil) != c.ok {
			t.Errorf("readNumericDate(%s) = %v, want ok=%v", c.in, err, c.ok)
		}
	}
}
