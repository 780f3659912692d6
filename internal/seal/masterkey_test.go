package seal

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func TestParseMasterKey(t *testing.T) {
	t.Parallel()
	raw := bytes.Repeat([]byte{0xfb, 0xef, 0xbe}, 11)[:32] // uses +/ and -_ in encodings
	cases := []struct {
		name       string
		in         string
		passphrase bool
		ok         bool
	}{
		{"std padded", base64.StdEncoding.EncodeToString(raw), false, true},
		{"std unpadded", base64.RawStdEncoding.EncodeToString(raw), false, true},
		{"url padded", base64.URLEncoding.EncodeToString(raw), false, true},
		{"url unpadded", base64.RawURLEncoding.EncodeToString(raw), false, true},
		{"generated", GenerateMasterKey(), false, true},
		{"31 bytes is a passphrase", base64.StdEncoding.EncodeToString(raw[:31]), true, true},
		{"33 bytes is a passphrase", base64.StdEncoding.EncodeToString(append(raw, 0)), true, true},
		{"with newline is a passphrase", base64.StdEncoding.EncodeToString(raw)[:40] + "\n" + base64.StdEncoding.EncodeToString(raw)[40:43], true, true},
		{"mixed alphabets is a passphrase", "+" + base64.RawURLEncoding.EncodeToString(raw)[1:42] + "-", true, true},
		{"words", "correct horse battery staple", true, true},
		{"empty", "", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mk, err := ParseMasterKey(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseMasterKey(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
			}
			if err != nil {
				if !errors.Is(err, ErrMasterKey) {
					t.Errorf("error %v does not wrap ErrMasterKey", err)
				}
				return
			}
			if mk.IsPassphrase() != tc.passphrase {
				t.Errorf("IsPassphrase = %v, want %v", mk.IsPassphrase(), tc.passphrase)
			}
			if !tc.passphrase && tc.name != "generated" && !bytes.Equal(mk.raw, raw) {
				t.Errorf("raw key = %x, want %x", mk.raw, raw)
			}
		})
	}
	if _, err := NewMasterKey(make([]byte, 31)); !errors.Is(err, ErrMasterKey) {
		t.Errorf("NewMasterKey(31 bytes) error = %v", err)
	}
	if _, err := NewPassphraseKey(nil); !errors.Is(err, ErrMasterKey) {
		t.Errorf("NewPassphraseKey(nil) error = %v", err)
	}
}

func TestParseKDFParams(t *testing.T) {
	t.Parallel()
	enc := func(kdf byte, iter uint32) []byte {
		b := []byte{kdf}
		b = binary.BigEndian.AppendUint32(b, iter)
		return append(b, make([]byte, saltSize)...)
	}
	cases := []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"hkdf", enc(kdfHKDF, 0), true},
		{"hkdf with iterations", enc(kdfHKDF, 1), false},
		{"pbkdf2 minimum", enc(kdfPBKDF2, MinPBKDF2Iterations), true},
		{"pbkdf2 maximum", enc(kdfPBKDF2, MaxPBKDF2Iterations), true},
		{"pbkdf2 below minimum", enc(kdfPBKDF2, MinPBKDF2Iterations-1), false},
		{"pbkdf2 above maximum", enc(kdfPBKDF2, MaxPBKDF2Iterations+1), false},
		{"pbkdf2 legacy 100k", enc(kdfPBKDF2, 100_000), false},
		{"unknown kdf", enc(3, 0), false},
		{"short", enc(kdfHKDF, 0)[:kdfParamsSize-1], false},
	}
	for _, tc := range cases {
		if _, err := parseKDFParams(tc.in); (err == nil) != tc.ok {
			t.Errorf("%s: parseKDFParams error = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

// TestMasterKeyDomainSeparation checks that the same master key and salt
// give different keys for the keyring, stream chunks and stream headers.
func TestMasterKeyDomainSeparation(t *testing.T) {
	t.Parallel()
	mk := mustRawMaster(t, 7)
	p := mk.newParams()
	prk, err := mk.prk(p)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, info := range []string{wrapInfo, streamEncInfo, streamMACInfo} {
		k, err := expand(prk, info)
		if err != nil {
			t.Fatal(err)
		}
		if prev, dup := seen[string(k)]; dup {
			t.Errorf("%q and %q derive the same key", prev, info)
		}
		seen[string(k)] = info
	}
	q := mk.newParams()
	prk2, _ := mk.prk(q)
	if bytes.Equal(prk, prk2) {
		t.Error("two fresh salts gave the same pseudorandom key")
	}
	if p.kdf != kdfHKDF || p.iterations != 0 || strings.Count(string(p.salt[:]), "\x00") == saltSize {
		t.Errorf("raw-key params = %+v", p)
	}
}
