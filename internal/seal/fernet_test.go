package seal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// TestFernetSpecGenerate checks the spec's generate.json vector three ways:
// the hand-built construction reproduces the published token (so the test
// helper follows the spec), and the package produces the same bytes.
func TestFernetSpecGenerate(t *testing.T) {
	t.Parallel()
	now := specTime(t, "1985-10-26T01:20:00-07:00")
	key := rawKeyBytes(t, specKey)
	hand := handEncrypt(t, key, uint64(now.Unix()), specIV(), []byte("hello"))
	if hand != specToken {
		t.Fatalf("hand-built token = %s, want published %s", hand, specToken)
	}
	k := mustFernetKey(t, specKey)
	got := base64.URLEncoding.EncodeToString(k.sealRaw(nil, []byte("hello"), uint64(now.Unix()), specIV()))
	if got != specToken {
		t.Errorf("sealRaw = %s, want %s", got, specToken)
	}
}

// TestFernetSpecVerify checks verify.json: the token opens with ttl 60 one
// second later.
func TestFernetSpecVerify(t *testing.T) {
	t.Parallel()
	k := mustFernetKey(t, specKey)
	got, err := k.DecryptAt(specToken, 60*time.Second, specTime(t, "1985-10-26T01:20:01-07:00"))
	if err != nil || string(got) != "hello" {
		t.Fatalf("DecryptAt = %q, %v; want \"hello\"", got, err)
	}
}

// TestFernetSpecInvalid runs the spec's invalid.json vectors (all with ttl 60).
func TestFernetSpecInvalid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		desc, token, now string
		want             error
	}{
		{"incorrect mac", "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykQUFBQUFBQUFBQQ==", "1985-10-26T01:20:01-07:00", ErrTokenSignature},
		{"too short", "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPA==", "1985-10-26T01:20:01-07:00", ErrTokenMalformed},
		{"invalid base64", "%%%%%%%%%%%%%AECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==", "1985-10-26T01:20:01-07:00", ErrTokenMalformed},
		{"payload size not multiple of block size", "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPOm73QeoCk9uGib28Xe5vz6oxq5nmxbx_v7mrfyudzUm", "1985-10-26T01:20:01-07:00", ErrTokenMalformed},
		{"payload padding error", "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0ODz4LEpdELGQAad7aNEHbf-JkLPIpuiYRLQ3RtXatOYREu2FWke6CnJNYIbkuKNqOhw==", "1985-10-26T01:20:01-07:00", ErrTokenPadding},
		{"far-future TS", "gAAAAAAdwStRAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAnja1xKYyhd-Y6mSkTOyTGJmw2Xc2a6kBd-iX9b_qXQcw==", "1985-10-26T01:20:01-07:00", ErrTokenFuture},
		{"expired TTL", "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==", "1985-10-26T01:21:31-07:00", ErrTokenExpired},
		{"incorrect IV", "gAAAAAAdwJ6xBQECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAkLhFLHpGtDBRLRTZeUfWgHSv49TF2AUEZ1TIvcZjK1zQ==", "1985-10-26T01:20:01-07:00", ErrTokenPadding},
		{"trailing characters after padding", specToken + "trailingdata", "1985-10-26T01:20:01-07:00", ErrTokenMalformed},
		{"invalid characters", "*gAAAAAAdwJ6wAAECAwQFBgcI!CQoLDA0ODy021?cpGVWKZ_eEwC@GM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==", "1985-10-26T01:20:01-07:00", ErrTokenMalformed},
		{"non-urlsafe characters", "gAAAAAAdwJ6wAAEC/AwQFBgcICQoLDA0ODy+021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==", "1985-10-26T01:20:01-07:00", ErrTokenMalformed},
	}
	k := mustFernetKey(t, specKey)
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := k.DecryptAt(tc.token, 60*time.Second, specTime(t, tc.now))
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrInvalidToken) {
				t.Errorf("DecryptAt = %q, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// TestFernetDerivedInvalid builds invalid tokens from the spec's fields, each
// correctly signed unless the point is the signature, so that every check
// is reached on its own.
func TestFernetDerivedInvalid(t *testing.T) {
	t.Parallel()
	key := rawKeyBytes(t, specKey)
	sign, enc := key[:16], key[16:]
	const ts = 1_700_000_000
	iv := specIV()
	block := func(b byte) []byte { return bytes.Repeat([]byte{b}, 16) }
	valid := handEncrypt(t, key, ts, iv, []byte("journal entry, two blocks"))
	raw, _ := base64.URLEncoding.DecodeString(valid)
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x01
		return base64.URLEncoding.EncodeToString(b)
	}
	cases := []struct {
		name  string
		token string
		want  error
	}{
		{"empty", "", ErrTokenMalformed},
		{"version 0x81 signed", handToken(sign, 0x81, ts, iv, handCBC(t, enc, iv, handPad([]byte("x")))), ErrTokenVersion},
		{"version 0x00 signed", handToken(sign, 0x00, ts, iv, handCBC(t, enc, iv, handPad([]byte("x")))), ErrTokenVersion},
		{"no ciphertext signed", handToken(sign, 0x80, ts, iv, nil), ErrTokenMalformed},
		{"ciphertext 15 bytes signed", handToken(sign, 0x80, ts, iv, make([]byte, 15)), ErrTokenMalformed},
		{"ciphertext 17 bytes signed", handToken(sign, 0x80, ts, iv, make([]byte, 17)), ErrTokenMalformed},
		{"padding byte 0 signed", handToken(sign, 0x80, ts, iv, handCBC(t, enc, iv, block(0))), ErrTokenPadding},
		{"padding byte 17 signed", handToken(sign, 0x80, ts, iv, handCBC(t, enc, iv, block(17))), ErrTokenPadding},
		{"padding byte 255 signed", handToken(sign, 0x80, ts, iv, handCBC(t, enc, iv, block(255))), ErrTokenPadding},
		{"padding inconsistent signed", handToken(sign, 0x80, ts, iv, handCBC(t, enc, iv, append(bytes.Repeat([]byte{3}, 14), 2, 3))), ErrTokenPadding},
		{"flip version byte", flip(0), ErrTokenVersion},
		{"flip timestamp", flip(5), ErrTokenSignature},
		{"flip iv", flip(12), ErrTokenSignature},
		{"flip ciphertext", flip(30), ErrTokenSignature},
		{"flip hmac", flip(len(raw) - 1), ErrTokenSignature},
		{"other key", handEncrypt(t, bytes.Repeat([]byte{7}, 32), ts, iv, []byte("journal entry, two blocks")), ErrTokenSignature},
		{"one block dropped", base64.URLEncoding.EncodeToString(append(append([]byte(nil), raw[:25]...), raw[41:]...)), ErrTokenSignature},
		{"drop last char", valid[:len(valid)-1], ErrTokenMalformed},
		{"drop padding", strings.TrimRight(valid, "="), ErrTokenMalformed},
		{"extra padding", valid + "==", ErrTokenMalformed},
		{"trailing newline", valid + "\n", ErrTokenMalformed},
		{"leading space", " " + valid, ErrTokenMalformed},
		{"inner newline", valid[:20] + "\n" + valid[20:], ErrTokenMalformed},
		{"inner CRLF", valid[:20] + "\r\n" + valid[20:], ErrTokenMalformed},
		{"plus sign", valid[:10] + "+" + valid[11:], ErrTokenMalformed},
		{"slash", valid[:10] + "/" + valid[11:], ErrTokenMalformed},
		{"non-zero trailing bits", nonZeroTrailingBits(t, valid), ErrTokenMalformed},
		{"raw binary", string(raw), ErrTokenMalformed},
	}
	k := mustFernetKey(t, specKey)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, mode := range []string{"Decrypt", "DecryptAt"} {
				var got []byte
				var err error
				if mode == "Decrypt" {
					got, err = k.Decrypt(tc.token)
				} else {
					got, err = k.DecryptAt(tc.token, time.Hour, time.Unix(ts, 0))
				}
				if !errors.Is(err, tc.want) {
					t.Errorf("%s = %q, %v; want %v", mode, got, err, tc.want)
				}
			}
		})
	}
	if got, err := k.Decrypt(valid); err != nil || string(got) != "journal entry, two blocks" {
		t.Fatalf("control: Decrypt(valid) = %q, %v", got, err)
	}
}

// nonZeroTrailingBits returns token with its last data character changed so
// that only the unused low bits differ: lenient decoders accept it, strict
// ones must not.
func nonZeroTrailingBits(t *testing.T, token string) string {
	t.Helper()
	i := strings.IndexByte(token, '=') - 1
	if i < 0 {
		t.Fatalf("token %q has no padding", token)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	v := strings.IndexByte(alphabet, token[i])
	return token[:i] + string(alphabet[v|1]) + token[i+1:]
}

// TestFernetTime checks the TTL and clock-skew boundaries, which follow
// Python's cryptography: valid while ts+ttl ≥ now and now+60 ≥ ts.
func TestFernetTime(t *testing.T) {
	t.Parallel()
	const ts = 1_700_000_000
	key := rawKeyBytes(t, specKey)
	token := handEncrypt(t, key, ts, specIV(), []byte("hi"))
	k := mustFernetKey(t, specKey)
	cases := []struct {
		name string
		ttl  time.Duration
		now  int64
		want error
	}{
		{"same second", time.Minute, ts, nil},
		{"last valid second", time.Minute, ts + 60, nil},
		{"first expired second", time.Minute, ts + 61, ErrTokenExpired},
		{"sub-second at is truncated", time.Minute, ts + 60, nil},
		{"ttl zero same second", 0, ts, nil},
		{"ttl zero one second later", 0, ts + 1, ErrTokenExpired},
		{"ttl sub-second rounds down", 1500 * time.Millisecond, ts + 2, ErrTokenExpired},
		{"skew 60 s accepted", time.Minute, ts - 60, nil},
		{"skew 61 s refused", time.Minute, ts - 61, ErrTokenFuture},
		{"clock before 1970", time.Minute, -5, ErrTokenFuture},
		{"huge ttl", time.Duration(math.MaxInt64), ts + 1_000_000, nil},
		{"clock at the end of time", time.Hour, math.MaxInt64, ErrTokenExpired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			at := time.Unix(tc.now, 0)
			if tc.name == "sub-second at is truncated" {
				at = at.Add(999 * time.Millisecond)
			}
			_, err := k.DecryptAt(token, tc.ttl, at)
			if !errors.Is(err, tc.want) {
				t.Errorf("DecryptAt(ttl %v, now %d) error = %v, want %v", tc.ttl, tc.now, err, tc.want)
			}
		})
	}
	if _, err := k.DecryptAt(token, -time.Second, time.Unix(ts, 0)); err == nil {
		t.Error("negative ttl accepted")
	}
	// Without a TTL no time check applies, as in Python's decrypt(token).
	far := handEncrypt(t, key, math.MaxUint64, specIV(), []byte("hi"))
	if got, err := k.Decrypt(far); err != nil || string(got) != "hi" {
		t.Errorf("Decrypt(far-future token) = %q, %v; want \"hi\"", got, err)
	}
	if _, err := k.DecryptAt(far, time.Hour, time.Unix(ts, 0)); !errors.Is(err, ErrTokenFuture) {
		t.Errorf("DecryptAt(timestamp 2^64-1) error = %v, want %v", err, ErrTokenFuture)
	}
	if _, err := k.EncryptAt([]byte("x"), time.Unix(-1, 0)); err == nil {
		t.Error("EncryptAt before 1970 accepted")
	}
}

// TestFernetRoundTrip encrypts messages of many lengths and checks each
// token against the hand-built construction's structure and the key.
func TestFernetRoundTrip(t *testing.T) {
	t.Parallel()
	k := mustFernetKey(t, GenerateFernetKey())
	other := mustFernetKey(t, GenerateFernetKey())
	at := time.Unix(1_750_000_000, 0)
	for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 1000, 65536} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			msg := bytes.Repeat([]byte{'a' + byte(n%26)}, n)
			token, err := k.EncryptAt(msg, at)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := base64.URLEncoding.Strict().DecodeString(token)
			if err != nil {
				t.Fatalf("token is not padded base64url: %v", err)
			}
			if wantLen := 57 + (n/16+1)*16; len(raw) != wantLen || raw[0] != 0x80 {
				t.Fatalf("raw token length %d version %#x, want %d and 0x80", len(raw), raw[0], wantLen)
			}
			if got, err := k.DecryptAt(token, time.Second, at); err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("DecryptAt = %d bytes, %v; want the %d-byte message", len(got), err, n)
			}
			if _, err := other.Decrypt(token); !errors.Is(err, ErrTokenSignature) {
				t.Errorf("other key: error = %v, want %v", err, ErrTokenSignature)
			}
		})
	}
	a, _ := k.EncryptAt([]byte("same"), at)
	b, _ := k.EncryptAt([]byte("same"), at)
	if a == b {
		t.Error("two encryptions of the same message are equal: IV not random")
	}
}

func TestParseFernetKey(t *testing.T) {
	t.Parallel()
	raw := bytes.Repeat([]byte{0xfb}, 32) // encodes with '-' and '_'
	padded := base64.URLEncoding.EncodeToString(raw)
	cases := []struct {
		name string
		in   string
		ok   bool
	}{
		{"spec key", specKey, true},
		{"padded", padded, true},
		{"unpadded", strings.TrimRight(padded, "="), true},
		{"std alphabet", base64.StdEncoding.EncodeToString(raw), false},
		{"31 bytes", base64.URLEncoding.EncodeToString(raw[:31]), false},
		{"33 bytes", base64.URLEncoding.EncodeToString(append(raw, 1)), false},
		{"trailing newline", specKey + "\n", false},
		{"inner newline", specKey[:10] + "\n" + specKey[10:], false},
		{"empty", "", false},
		{"garbage", "not a key", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFernetKey(tc.in)
			if (err == nil) != tc.ok {
				t.Errorf("ParseFernetKey(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrFernetKey) {
				t.Errorf("error %v does not wrap ErrFernetKey", err)
			}
		})
	}
	if len(GenerateFernetKey()) != 44 {
		t.Errorf("GenerateFernetKey length = %d, want 44", len(GenerateFernetKey()))
	}
}

func TestMultiFernet(t *testing.T) {
	t.Parallel()
	oldK := mustFernetKey(t, GenerateFernetKey())
	newK := mustFernetKey(t, GenerateFernetKey())
	stranger := mustFernetKey(t, GenerateFernetKey())
	m, err := NewMultiFernet(newK, oldK)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1_600_000_000, 0)
	oldToken, _ := oldK.EncryptAt([]byte("old secret"), at)

	if got, err := m.Decrypt(oldToken); err != nil || string(got) != "old secret" {
		t.Fatalf("Decrypt(old token) = %q, %v", got, err)
	}
	if _, err := m.DecryptAt(oldToken, time.Minute, at.Add(2*time.Minute)); !errors.Is(err, ErrTokenExpired) {
		t.Errorf("DecryptAt(expired old token) error = %v, want %v", err, ErrTokenExpired)
	}
	newToken, _ := m.EncryptAt([]byte("new secret"), at)
	if got, err := newK.Decrypt(newToken); err != nil || string(got) != "new secret" {
		t.Errorf("first key cannot read MultiFernet's token: %q, %v", got, err)
	}

	rotated, err := m.Rotate(oldToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oldK.Decrypt(rotated); !errors.Is(err, ErrTokenSignature) {
		t.Errorf("old key still opens rotated token: %v", err)
	}
	if got, err := newK.Decrypt(rotated); err != nil || string(got) != "old secret" {
		t.Errorf("new key: %q, %v", got, err)
	}
	rawOld, _ := base64.URLEncoding.DecodeString(oldToken)
	rawNew, _ := base64.URLEncoding.DecodeString(rotated)
	if !bytes.Equal(rawOld[1:9], rawNew[1:9]) {
		t.Errorf("Rotate changed the timestamp: %x → %x", rawOld[1:9], rawNew[1:9])
	}
	if bytes.Equal(rawOld[9:25], rawNew[9:25]) {
		t.Error("Rotate reused the IV")
	}

	strangerToken, _ := stranger.EncryptAt([]byte("x"), at)
	if _, err := m.Rotate(strangerToken); !errors.Is(err, ErrTokenSignature) {
		t.Errorf("Rotate(unknown key) error = %v, want %v", err, ErrTokenSignature)
	}
	if _, err := m.Decrypt(strangerToken); !errors.Is(err, ErrTokenSignature) {
		t.Errorf("Decrypt(unknown key) error = %v, want %v", err, ErrTokenSignature)
	}
	if _, err := NewMultiFernet(); err == nil {
		t.Error("NewMultiFernet() accepted no keys")
	}
	if _, err := NewMultiFernet(newK, nil); err == nil {
		t.Error("NewMultiFernet accepted a nil key")
	}
}

func TestUnpadPKCS7(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   []byte
		want []byte
		ok   bool
	}{
		{"empty", nil, nil, false},
		{"not a block", make([]byte, 15), nil, false},
		{"full block of padding", bytes.Repeat([]byte{16}, 16), []byte{}, true},
		{"one byte", append([]byte("abcdefghijklmno"), 1), []byte("abcdefghijklmno"), true},
		{"zero", make([]byte, 16), nil, false},
		{"too large", bytes.Repeat([]byte{17}, 16), nil, false},
		{"mismatch", append(bytes.Repeat([]byte{4}, 13), 5, 4, 4), nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := unpadPKCS7(tc.in)
			if (err == nil) != tc.ok || !bytes.Equal(got, tc.want) {
				t.Errorf("unpadPKCS7 = %q, %v; want %q, ok=%v", got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestKeysAreRedacted(t *testing.T) {
	t.Parallel()
	fk := mustFernetKey(t, specKey)
	mk := mustRawMaster(t, 0x41)
	for _, v := range []any{fk, mk} {
		for _, verb := range []string{"%v", "%+v", "%s", "%#v"} {
			out := fmt.Sprintf(verb, v)
			if !strings.Contains(out, "redacted") || strings.Contains(out, "AAAA") || strings.Contains(out, "65 65") {
				t.Errorf("Sprintf(%q, %T) = %q, want a redacted placeholder", verb, v, out)
			}
		}
	}
}
