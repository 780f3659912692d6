package seal

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// legacyStored builds, independently of legacy.go, what the Guide's Python
// stores: key = PBKDF2-HMAC-SHA256(password, "samo_brain_salt", 100000, 32);
// value = urlsafe_b64encode(Fernet token).
func legacyStored(t *testing.T, password string, plaintext []byte) string {
	t.Helper()
	key, err := pbkdf2.Key(sha256.New, password, []byte("samo_brain_salt"), 100000, 32)
	if err != nil {
		t.Fatal(err)
	}
	token := handEncrypt(t, key, 1_700_000_000, specIV(), plaintext)
	return base64.URLEncoding.EncodeToString([]byte(token))
}

func TestLegacyDecrypt(t *testing.T) {
	t.Parallel()
	const password = "guide-secret"
	key, err := LegacyKey([]byte(password))
	if err != nil {
		t.Fatal(err)
	}
	good := legacyStored(t, password, []byte("today was a good day"))
	notUTF8 := legacyStored(t, password, []byte{0xff, 0xfe})
	token, _ := base64.URLEncoding.DecodeString(good)
	cases := []struct {
		name   string
		stored string
		want   string
		err    error
	}{
		{"valid", good, "today was a good day", nil},
		{"empty plaintext", legacyStored(t, password, nil), "", nil},
		{"other password", legacyStored(t, "other", []byte("x")), "", ErrTokenSignature},
		{"single base64 (token itself)", string(token), "", ErrTokenMalformed},
		{"outer padding dropped", strings.TrimRight(legacyStored(t, password, []byte("short")), "="), "", ErrLegacyMalformed},
		{"trailing newline", good + "\n", "", ErrLegacyMalformed},
		{"std alphabet", good[:8] + "+" + good[9:], "", ErrLegacyMalformed},
		{"not UTF-8", notUTF8, "", ErrLegacyText},
		{"empty", "", "", ErrLegacyMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LegacyOpen(key, tc.stored)
			if !errors.Is(err, tc.err) || string(got) != tc.want {
				t.Errorf("LegacyOpen = %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
		})
	}
	// LegacyDecrypt is LegacyKey then LegacyOpen.
	if got, err := LegacyDecrypt([]byte(password), good); err != nil || string(got) != "today was a good day" {
		t.Errorf("LegacyDecrypt = %q, %v", got, err)
	}
	if _, err := LegacyDecrypt(nil, good); err == nil {
		t.Error("LegacyDecrypt accepted an empty password")
	}
}

// TestLegacyImport moves a legacy value into the keyring: decrypt, re-seal,
// open.
func TestLegacyImport(t *testing.T) {
	t.Parallel()
	stored := legacyStored(t, "pw", []byte("moved in"))
	pt, err := LegacyDecrypt([]byte("pw"), stored)
	if err != nil {
		t.Fatal(err)
	}
	kr := mustKeyring(t, AES256GCM)
	aad := AAD("predictions", "text", "42")
	sealed, err := kr.Seal(pt, aad)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := kr.Open(sealed, aad); err != nil || string(got) != "moved in" {
		t.Errorf("Open = %q, %v", got, err)
	}
}
