package seal

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestWrapUnwrap(t *testing.T) {
	t.Parallel()
	kr := mustKeyring(t, AES256GCM)
	id2, _ := kr.AddKey(Fernet)
	aad := AAD("t", "c", "1")
	v1, _ := kr.Seal([]byte("under the first key"), aad)
	_ = kr.SetActive(id2)
	v2, _ := kr.Seal([]byte("under the second key"), aad)

	mk := mustRawMaster(t, 9)
	blob, err := kr.Wrap(mk)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range [][]byte{kr.state.Load().root, kr.state.Load().keys[0].material, []byte("AES-256-GCM")} {
		if bytes.Contains(blob, secret) {
			t.Errorf("wrapped keyring contains %q in clear", secret)
		}
	}
	got, err := Unwrap(blob, mk, fixedClock(testEpoch()))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got.Keys()) != fmt.Sprint(kr.Keys()) || got.Revision() != kr.Revision() {
		t.Errorf("unwrapped keys %v rev %d, want %v rev %d", got.Keys(), got.Revision(), kr.Keys(), kr.Revision())
	}
	for _, v := range []struct {
		sealed []byte
		want   string
	}{{v1, "under the first key"}, {v2, "under the second key"}} {
		if pt, err := got.Open(v.sealed, aad); err != nil || string(pt) != v.want {
			t.Errorf("Open after unwrap = %q, %v; want %q", pt, err, v.want)
		}
	}
	if again, _ := kr.Wrap(mk); bytes.Equal(again, blob) {
		t.Error("two wraps are identical: salt or nonce not random")
	}
	if _, err := Unwrap(blob, mustRawMaster(t, 10), time.Now); !errors.Is(err, ErrWrongKey) {
		t.Errorf("Unwrap with the wrong key error = %v, want %v", err, ErrWrongKey)
	}
	if _, err := Unwrap(blob, mk, nil); err == nil {
		t.Error("Unwrap accepted a nil clock")
	}
	if _, err := kr.Wrap(nil); err == nil {
		t.Error("Wrap accepted a nil master key")
	}
}

// TestUnwrapRejectsDamage changes and truncates every byte of a wrapped
// keyring.
func TestUnwrapRejectsDamage(t *testing.T) {
	t.Parallel()
	mk := mustRawMaster(t, 3)
	blob, err := mustKeyring(t, AES256GCM).Wrap(mk)
	if err != nil {
		t.Fatal(err)
	}
	for i := range blob {
		bad := append([]byte(nil), blob...)
		bad[i] ^= 0x01
		if _, err := Unwrap(bad, mk, time.Now); !errors.Is(err, ErrWrongKey) && !errors.Is(err, ErrKeyringFormat) {
			t.Errorf("byte %d changed: error = %v", i, err)
		}
	}
	for n := range len(blob) {
		if _, err := Unwrap(blob[:n], mk, time.Now); err == nil {
			t.Errorf("truncated to %d bytes: Unwrap succeeded", n)
		}
	}
}

// TestPassphraseWrap runs PBKDF2 with 600,000 iterations a few times.
func TestPassphraseWrap(t *testing.T) {
	t.Parallel()
	pass, err := ParseMasterKey("a long passphrase nobody guesses")
	if err != nil || !pass.IsPassphrase() {
		t.Fatalf("ParseMasterKey = %v, passphrase=%v", err, pass.IsPassphrase())
	}
	kr := mustKeyring(t, AES256GCM)
	blob, err := kr.Wrap(pass)
	if err != nil {
		t.Fatal(err)
	}
	p, err := parseKDFParams(blob[len(wrapMagic)+1:])
	if err != nil || p.kdf != kdfPBKDF2 || p.iterations != DefaultPBKDF2Iterations {
		t.Fatalf("header kdf %d iterations %d (%v), want PBKDF2 with %d", p.kdf, p.iterations, err, DefaultPBKDF2Iterations)
	}
	if got, err := Unwrap(blob, pass, time.Now); err != nil || got.Active() != kr.Active() {
		t.Errorf("Unwrap(passphrase) = %v", err)
	}
	wrong, _ := ParseMasterKey("a long passphrase nobody guesses!")
	if _, err := Unwrap(blob, wrong, time.Now); !errors.Is(err, ErrWrongKey) {
		t.Errorf("wrong passphrase error = %v, want %v", err, ErrWrongKey)
	}
	if _, err := Unwrap(blob, mustRawMaster(t, 1), time.Now); !errors.Is(err, ErrWrongKey) {
		t.Errorf("raw key on a passphrase blob error = %v, want %v", err, ErrWrongKey)
	}
	rawBlob, _ := kr.Wrap(mustRawMaster(t, 1))
	if _, err := Unwrap(rawBlob, pass, time.Now); !errors.Is(err, ErrWrongKey) {
		t.Errorf("passphrase on a raw-key blob error = %v, want %v", err, ErrWrongKey)
	}
	weak := append([]byte(nil), blob...)
	binary.BigEndian.PutUint32(weak[len(wrapMagic)+2:], MinPBKDF2Iterations-1)
	if _, err := Unwrap(weak, pass, time.Now); !errors.Is(err, ErrKeyringFormat) {
		t.Errorf("iterations below the minimum: error = %v, want %v", err, ErrKeyringFormat)
	}
}

// TestRewrap rotates the master key from raw to another raw key; data
// sealed before opens after, and the old master key no longer unwraps.
func TestRewrap(t *testing.T) {
	t.Parallel()
	oldMK, newMK := mustRawMaster(t, 1), mustRawMaster(t, 2)
	kr := mustKeyring(t, AES256GCM)
	aad := AAD("t", "c", "1")
	sealed, _ := kr.Seal([]byte("untouched data"), aad)
	blob, _ := kr.Wrap(oldMK)
	rewrapped, err := Rewrap(blob, oldMK, newMK)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Unwrap(rewrapped, oldMK, time.Now); !errors.Is(err, ErrWrongKey) {
		t.Errorf("old master key still unwraps: %v", err)
	}
	got, err := Unwrap(rewrapped, newMK, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := got.Open(sealed, aad); err != nil || string(pt) != "untouched data" {
		t.Errorf("Open after rewrap = %q, %v", pt, err)
	}
	if _, err := Rewrap(blob, newMK, oldMK); !errors.Is(err, ErrWrongKey) {
		t.Errorf("Rewrap with the wrong old key error = %v, want %v", err, ErrWrongKey)
	}
}

// TestDecodeKeyringStrict wraps hand-written documents: each must be refused.
func TestDecodeKeyringStrict(t *testing.T) {
	t.Parallel()
	mk := mustRawMaster(t, 5)
	k32 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	k16 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 16))
	key := func(id, alg, material string) string {
		return fmt.Sprintf(`{"id":%q,"alg":%q,"created":"2026-01-01T00:00:00Z","key":%q}`, id, alg, material)
	}
	doc := func(format int, active, root string, keys ...string) string {
		return fmt.Sprintf(`{"format":%d,"revision":1,"active":%q,"root":%q,"keys":[%s]}`, format, active, root, strings.Join(keys, ","))
	}
	valid := doc(1, "k1", k32, key("k1", "AES-256-GCM", k32))
	if _, err := decodeKeyring([]byte(valid)); err != nil {
		t.Fatalf("control document refused: %v", err)
	}
	cases := []struct{ name, json string }{
		{"unknown field", strings.Replace(valid, `"revision"`, `"extra":1,"revision"`, 1)},
		{"trailing data", valid + `{}`},
		{"format 2", doc(2, "k1", k32, key("k1", "AES-256-GCM", k32))},
		{"short root", doc(1, "k1", k16, key("k1", "AES-256-GCM", k32))},
		{"no keys", doc(1, "k1", k32)},
		{"missing active", doc(1, "k9", k32, key("k1", "AES-256-GCM", k32))},
		{"duplicate id", doc(1, "k1", k32, key("k1", "AES-256-GCM", k32), key("k1", "Fernet", k32))},
		{"bad algorithm", doc(1, "k1", k32, key("k1", "DES", k32))},
		{"short key", doc(1, "k1", k32, key("k1", "AES-256-GCM", k16))},
		{"bad id", doc(1, "k 1", k32, key("k 1", "AES-256-GCM", k32))},
		{"not json", "nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			blob, err := wrapPlain([]byte(tc.json), mk)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Unwrap(blob, mk, time.Now); !errors.Is(err, ErrKeyringFormat) {
				t.Errorf("Unwrap error = %v, want %v", err, ErrKeyringFormat)
			}
		})
	}
}

// Rewrap re-encrypts a wrapped keyring from oldKey to newKey, as
// Unwrap(blob, oldKey) then Keyring.Wrap(newKey) do: data keys, their ids
// and the derivation root are unchanged.
func Rewrap(blob []byte, oldKey, newKey *MasterKey) ([]byte, error) {
	s, err := unwrapState(blob, oldKey)
	if err != nil {
		return nil, err
	}
	return wrapState(s, newKey)
}
