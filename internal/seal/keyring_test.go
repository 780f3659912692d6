package seal

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"
)

func TestParseAlgorithm(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want Algorithm
		ok   bool
	}{
		{"", AES256GCM, true},
		{"AES-256-GCM", AES256GCM, true},
		{"aes-256-gcm", AES256GCM, true},
		{"Fernet", Fernet, true},
		{"FERNET", Fernet, true},
		{"AES256GCM", "", false},
		{"aes-128-gcm", "", false},
		{" fernet", "", false},
	}
	for _, tc := range cases {
		got, err := ParseAlgorithm(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseAlgorithm(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrAlgorithm) {
			t.Errorf("ParseAlgorithm(%q) error %v does not wrap ErrAlgorithm", tc.in, err)
		}
	}
}

func TestNewKeyring(t *testing.T) {
	t.Parallel()
	for _, alg := range []Algorithm{AES256GCM, Fernet} {
		kr := mustKeyring(t, alg)
		a := kr.Active()
		if !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(a.ID) || a.Algorithm != alg || !a.Active || !a.Created.Equal(testEpoch()) {
			t.Errorf("New(%s).Active() = %+v", alg, a)
		}
		if keys := kr.Keys(); len(keys) != 1 || keys[0] != a {
			t.Errorf("Keys() = %+v, want [%+v]", keys, a)
		}
	}
	if _, err := New(AES256GCM, nil); err == nil {
		t.Error("New accepted a nil clock")
	}
	if _, err := New("ROT13", fixedClock(testEpoch())); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("New(ROT13) error = %v, want %v", err, ErrAlgorithm)
	}
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	for _, alg := range []Algorithm{AES256GCM, Fernet} {
		t.Run(string(alg), func(t *testing.T) {
			kr := mustKeyring(t, alg)
			aad := AAD("predictions", "text", "row-1")
			for _, n := range []int{0, 1, 16, 1024, 100_000} {
				msg := bytes.Repeat([]byte{byte(n)}, n)
				sealed, err := kr.Seal(msg, aad)
				if err != nil {
					t.Fatal(err)
				}
				if id, err := KeyID(sealed); err != nil || id != kr.Active().ID {
					t.Errorf("KeyID = %q, %v; want %q", id, err, kr.Active().ID)
				}
				got, err := kr.Open(sealed, aad)
				if err != nil || !bytes.Equal(got, msg) {
					t.Errorf("Open(%d bytes) = %d bytes, %v", n, len(got), err)
				}
			}
			a, _ := kr.Seal([]byte("same"), aad)
			b, _ := kr.Seal([]byte("same"), aad)
			if bytes.Equal(a, b) {
				t.Error("two seals of the same value are equal: nonce not random")
			}
		})
	}
}

// TestAADBinding moves a sealed value to another row, column or table: it
// must not open there.
func TestAADBinding(t *testing.T) {
	t.Parallel()
	for _, alg := range []Algorithm{AES256GCM, Fernet} {
		t.Run(string(alg), func(t *testing.T) {
			kr := mustKeyring(t, alg)
			sealed, err := kr.Seal([]byte("secret"), AAD("predictions", "text", "1"))
			if err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				name string
				aad  []byte
			}{
				{"other row", AAD("predictions", "text", "2")},
				{"other column", AAD("predictions", "masked", "1")},
				{"other table", AAD("feedback", "text", "1")},
				{"shifted boundary", AAD("predictionstext", "", "1")},
				{"no aad", nil},
			}
			for _, tc := range cases {
				if got, err := kr.Open(sealed, tc.aad); !errors.Is(err, ErrAuth) {
					t.Errorf("%s: Open = %q, %v; want %v", tc.name, got, err, ErrAuth)
				}
			}
		})
	}
}

func TestAADEncoding(t *testing.T) {
	t.Parallel()
	triples := [][3]string{
		{"a", "bc", "d"}, {"ab", "c", "d"}, {"a", "b", "cd"}, {"", "abc", "d"},
		{"a\x00", "b", "c"}, {"a", "\x00b", "c"}, {"", "", ""}, {"t", "c", "1"},
	}
	seen := map[string][3]string{}
	for _, tr := range triples {
		enc := string(AAD(tr[0], tr[1], tr[2]))
		if prev, dup := seen[enc]; dup {
			t.Errorf("AAD%q and AAD%q encode alike", prev, tr)
		}
		seen[enc] = tr
	}
}

// TestOpenRejectsDamage changes and truncates every byte of sealed values.
func TestOpenRejectsDamage(t *testing.T) {
	t.Parallel()
	for _, alg := range []Algorithm{AES256GCM, Fernet} {
		t.Run(string(alg), func(t *testing.T) {
			kr := mustKeyring(t, alg)
			aad := AAD("t", "c", "1")
			sealed, _ := kr.Seal([]byte("a value worth protecting"), aad)
			for i := range sealed {
				bad := append([]byte(nil), sealed...)
				bad[i] ^= 0x20
				if got, err := kr.Open(bad, aad); err == nil {
					t.Errorf("byte %d changed: Open = %q, want an error", i, got)
				}
			}
			for n := range len(sealed) {
				if got, err := kr.Open(sealed[:n], aad); err == nil {
					t.Errorf("truncated to %d: Open = %q, want an error", n, got)
				}
			}
			if _, err := kr.Open(append(sealed[:len(sealed):len(sealed)], 0), aad); err == nil {
				t.Error("extended by one byte: Open succeeded")
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	kr := mustKeyring(t, AES256GCM)
	fk := mustKeyring(t, Fernet)
	aad := AAD("t", "c", "1")
	sealed, _ := kr.Seal([]byte("x"), aad)
	wrongAlg := append([]byte(nil), sealed...)
	wrongAlg[1] = algCodeFernet
	otherRing, _ := fk.Seal([]byte("x"), aad)
	cases := []struct {
		name  string
		input []byte
		want  error
	}{
		{"empty", nil, ErrMalformed},
		{"version 2", append([]byte{2}, sealed[1:]...), ErrMalformed},
		{"algorithm mismatch", wrongAlg, ErrMalformed},
		{"key id with a space", []byte{1, 1, 3, 'a', ' ', 'b', 0, 0}, ErrMalformed},
		{"key id longer than input", []byte{1, 1, 200, 'a'}, ErrMalformed},
		{"key from another keyring", otherRing, ErrUnknownKey},
		{"no body", sealed[:3+8], ErrMalformed},
	}
	for _, tc := range cases {
		if got, err := kr.Open(tc.input, aad); !errors.Is(err, tc.want) {
			t.Errorf("%s: Open = %q, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if _, err := KeyID([]byte{1, 1}); !errors.Is(err, ErrMalformed) {
		t.Errorf("KeyID(short) error = %v, want %v", err, ErrMalformed)
	}
}

// TestRotation walks a key rotation: add, activate, reseal, remove.
func TestRotation(t *testing.T) {
	t.Parallel()
	kr := mustKeyring(t, AES256GCM)
	aad := AAD("predictions", "text", "7")
	k1 := kr.Active().ID
	v1, _ := kr.Seal([]byte("before rotation"), aad)
	rev := kr.Revision()

	k2, err := kr.AddKey(Fernet)
	if err != nil {
		t.Fatal(err)
	}
	if kr.Active().ID != k1 {
		t.Fatalf("AddKey activated the new key")
	}
	if v, _ := kr.Seal([]byte("x"), aad); mustKeyID(t, v) != k1 {
		t.Errorf("after AddKey, Seal used %s, want %s", mustKeyID(t, v), k1)
	}
	if err := kr.SetActive(k2); err != nil {
		t.Fatal(err)
	}
	if kr.Revision() != rev+2 {
		t.Errorf("Revision = %d, want %d after two changes", kr.Revision(), rev+2)
	}
	v2, _ := kr.Seal([]byte("after rotation"), aad)
	if mustKeyID(t, v2) != k2 {
		t.Errorf("new value under %s, want %s", mustKeyID(t, v2), k2)
	}
	if got, err := kr.Open(v1, aad); err != nil || string(got) != "before rotation" {
		t.Errorf("old value after rotation: %q, %v", got, err)
	}
	keys := kr.Keys()
	if len(keys) != 2 || keys[0].ID != k1 || keys[0].Active || keys[1].ID != k2 || !keys[1].Active || keys[1].Algorithm != Fernet {
		t.Errorf("Keys() = %+v", keys)
	}

	r1, changed, err := kr.Reseal(v1, aad)
	if err != nil || !changed || mustKeyID(t, r1) != k2 {
		t.Fatalf("Reseal(old) = key %s, changed=%v, %v; want %s, true", mustKeyID(t, r1), changed, err, k2)
	}
	if got, _ := kr.Open(r1, aad); string(got) != "before rotation" {
		t.Errorf("resealed value opens to %q", got)
	}
	if same, changed, err := kr.Reseal(v2, aad); err != nil || changed || !bytes.Equal(same, v2) {
		t.Errorf("Reseal(current) changed=%v err=%v, want the value unchanged", changed, err)
	}
	if _, _, err := kr.Reseal(v1, AAD("predictions", "text", "8")); !errors.Is(err, ErrAuth) {
		t.Errorf("Reseal with the wrong AAD error = %v, want %v", err, ErrAuth)
	}

	if err := kr.RemoveKey(k2); !errors.Is(err, ErrActiveKey) {
		t.Errorf("RemoveKey(active) error = %v, want %v", err, ErrActiveKey)
	}
	if err := kr.RemoveKey(k1); err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Open(v1, aad); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Open under removed key error = %v, want %v", err, ErrUnknownKey)
	}
	for _, op := range []func(string) error{kr.SetActive, kr.RemoveKey} {
		if err := op("nope"); !errors.Is(err, ErrUnknownKey) {
			t.Errorf("unknown id error = %v, want %v", err, ErrUnknownKey)
		}
	}
	if _, err := kr.AddKey("ROT13"); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("AddKey(ROT13) error = %v, want %v", err, ErrAlgorithm)
	}
}

func mustKeyID(t *testing.T, sealed []byte) string {
	t.Helper()
	id, err := KeyID(sealed)
	if err != nil {
		t.Fatalf("KeyID: %v", err)
	}
	return id
}

// TestRotationConcurrent seals and opens from several goroutines while the
// keyring rotates twice; every value must stay readable and, after a final
// reseal pass, none may remain under a retired key.
func TestRotationConcurrent(t *testing.T) {
	t.Parallel()
	kr := mustKeyring(t, AES256GCM)
	const writers, perWriter = 4, 200
	type row struct {
		aad, want, sealed []byte
	}
	rows := make([][]row, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				aad := AAD("t", "c", fmt.Sprintf("%d-%d", w, i))
				want := fmt.Appendf(nil, "value %d/%d", w, i)
				sealed, err := kr.Seal(want, aad)
				if err != nil {
					t.Error(err)
					return
				}
				if got, err := kr.Open(sealed, aad); err != nil || !bytes.Equal(got, want) {
					t.Errorf("concurrent Open = %q, %v", got, err)
				}
				rows[w] = append(rows[w], row{aad, want, sealed})
			}
		})
	}
	var retired []string
	for range 2 {
		retired = append(retired, kr.Active().ID)
		id, err := kr.AddKey(AES256GCM)
		if err != nil {
			t.Fatal(err)
		}
		if err := kr.SetActive(id); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	for _, rs := range rows {
		for _, r := range rs {
			out, _, err := kr.Reseal(r.sealed, r.aad)
			if err != nil {
				t.Fatalf("Reseal: %v", err)
			}
			got, err := kr.Open(out, r.aad)
			if err != nil || !bytes.Equal(got, r.want) || mustKeyID(t, out) != kr.Active().ID {
				t.Errorf("after reseal: %q, %v, key %s", got, err, mustKeyID(t, out))
			}
		}
	}
	for _, id := range retired {
		if err := kr.RemoveKey(id); err != nil {
			t.Errorf("RemoveKey(%s): %v", id, err)
		}
	}
}

func TestDeriveKey(t *testing.T) {
	t.Parallel()
	kr := mustKeyring(t, AES256GCM)
	blind := kr.DeriveKey("blind-index")
	if len(blind) != 32 {
		t.Fatalf("DeriveKey length %d, want 32", len(blind))
	}
	want, err := hkdf.Expand(sha256.New, kr.state.Load().root, "samo keyring derive v1: blind-index", 32)
	if err != nil || !bytes.Equal(blind, want) {
		t.Errorf("DeriveKey is not HKDF-Expand of the root: %x vs %x (%v)", blind, want, err)
	}
	if bytes.Equal(blind, kr.DeriveKey("pseudonym")) {
		t.Error("different purposes gave the same key")
	}
	if bytes.Equal(blind, mustKeyring(t, AES256GCM).DeriveKey("blind-index")) {
		t.Error("two keyrings gave the same key")
	}
	id, _ := kr.AddKey(Fernet)
	_ = kr.SetActive(id)
	_ = kr.RemoveKey(kr.Keys()[0].ID)
	if !bytes.Equal(blind, kr.DeriveKey("blind-index")) {
		t.Error("DeriveKey changed with data-key rotation")
	}
	mk1, mk2 := mustRawMaster(t, 1), mustRawMaster(t, 2)
	blob, _ := kr.Wrap(mk1)
	blob, err = Rewrap(blob, mk1, mk2)
	if err != nil {
		t.Fatal(err)
	}
	kr2, err := Unwrap(blob, mk2, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(blind, kr2.DeriveKey("blind-index")) {
		t.Error("DeriveKey changed with master-key rotation")
	}
}

// TestFernetBindBoundary checks that the Fernet AAD tag encodes where the
// token ends, so bytes cannot move between the token and the AAD.
func TestFernetBindBoundary(t *testing.T) {
	t.Parallel()
	kr := mustKeyring(t, Fernet)
	d := kr.state.Load().active
	header := appendSealHeader(nil, d)
	token, aad := []byte("token-bytes"), []byte("aad")
	a := fernetBind(nil, d, header, token, aad)
	b := fernetBind(nil, d, header, token[:len(token)-1], append([]byte{token[len(token)-1]}, aad...))
	if bytes.Equal(a, b) {
		t.Error("moving a byte from the token to the AAD kept the tag")
	}
}
