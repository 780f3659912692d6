package seal

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"
	"time"
)

// The fuzz targets feed untrusted bytes to every parser. Besides "no
// panic", each checks that nothing but a genuine, unmodified input
// authenticates: forging one would need the key.

// FuzzFernetDecrypt decrypts arbitrary tokens under the spec key.
func FuzzFernetDecrypt(f *testing.F) {
	k := mustFernetKey(f, specKey)
	f.Add(specToken, int64(60), int64(499162801))
	f.Add(specToken[:40], int64(0), int64(0))
	f.Add(specToken+"\n", int64(60), int64(499162801))
	f.Add("gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0ODz4LEpdELGQAad7aNEHbf-JkLPIpuiYRLQ3RtXatOYREu2FWke6CnJNYIbkuKNqOhw==", int64(60), int64(499162801))
	f.Add("%%%%", int64(-1), int64(-1))
	f.Fuzz(func(t *testing.T, token string, ttl, now int64) {
		pt, err := k.Decrypt(token)
		if err != nil {
			if pt != nil {
				t.Fatalf("Decrypt returned plaintext with error %v", err)
			}
		} else if token != specToken || string(pt) != "hello" {
			t.Fatalf("Decrypt(%q) = %q: a token other than the genuine one authenticated", token, pt)
		}
		ptAt, errAt := k.DecryptAt(token, time.Duration(ttl), time.Unix(now, 0))
		if errAt == nil && (err != nil || !bytes.Equal(ptAt, pt)) {
			t.Fatalf("DecryptAt accepted what Decrypt refused (%v)", err)
		}
	})
}

// fixedKeyring returns a keyring with fixed material (an AES-256-GCM key
// "gcm" and a Fernet key "fer"), so that fuzz workers, which rebuild it in
// their own processes, agree with the seeds.
func fixedKeyring(tb testing.TB) *Keyring {
	tb.Helper()
	doc := `{"format":1,"revision":1,"active":"gcm","root":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=","keys":[` +
		`{"id":"gcm","alg":"AES-256-GCM","created":"2026-01-01T00:00:00Z","key":"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="},` +
		`{"id":"fer","alg":"Fernet","created":"2026-01-01T00:00:00Z","key":"AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM="}]}`
	s, err := decodeKeyring([]byte(doc))
	if err != nil {
		tb.Fatal(err)
	}
	kr := &Keyring{now: fixedClock(testEpoch())}
	kr.state.Store(s)
	return kr
}

// FuzzOpen opens arbitrary bytes with a keyring holding one key of each
// algorithm.
func FuzzOpen(f *testing.F) {
	kr := fixedKeyring(f)
	aad := AAD("t", "c", "1")
	messages := []string{"", "fuzz me", "a longer value of more than one block"}
	for _, id := range []string{"gcm", "fer"} {
		if err := kr.SetActive(id); err != nil {
			f.Fatal(err)
		}
		for _, msg := range messages {
			sealed, err := kr.Seal([]byte(msg), aad)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(sealed, aad)
		}
	}
	f.Add([]byte{1, 1, 1, 'k'}, []byte(nil))
	f.Fuzz(func(t *testing.T, sealed, aad2 []byte) {
		pt, err := kr.Open(sealed, aad2)
		if err != nil {
			if pt != nil {
				t.Fatalf("Open returned plaintext with error %v", err)
			}
			return
		}
		if !bytes.Equal(aad2, aad) || !slices.Contains(messages, string(pt)) {
			t.Fatalf("Open(%x, %x) = %q: a forged value authenticated", sealed, aad2, pt)
		}
		if _, err := KeyID(sealed); err != nil {
			t.Fatalf("KeyID refused a value Open accepted: %v", err)
		}
	})
}

// FuzzStreamReader decrypts arbitrary streams (64-byte chunks in the
// seeds). Every genuine plaintext is patterned(n) for a seed length n, so
// anything else that decrypts, or any returned bytes that are not a prefix
// of patterned data, would be a forgery.
func FuzzStreamReader(f *testing.F) {
	mk := mustRawMaster(f, 42)
	lengths := []int{0, 1, 64, 65, 200}
	for _, n := range lengths {
		f.Add(encryptStream(f, mk, minChunkLog2, patterned(n), 50))
	}
	f.Add([]byte("SAMOFS"))
	f.Fuzz(func(t *testing.T, ct []byte) {
		got, err := decryptStream(mk, ct)
		if !bytes.Equal(got, patterned(len(got))) || len(got) > 200 {
			t.Fatalf("returned %d bytes that no genuine stream holds (error %v)", len(got), err)
		}
		if err == nil && !slices.Contains(lengths, len(got)) {
			t.Fatalf("a forged stream of %d bytes decrypted", len(ct))
		}
	})
}

// FuzzUnwrap unwraps arbitrary keyring blobs (raw master key, so no
// PBKDF2). The seed wraps fixedKeyring, so anything that unwraps must be it.
func FuzzUnwrap(f *testing.F) {
	mk := mustRawMaster(f, 43)
	want := fixedKeyring(f)
	blob, err := want.Wrap(mk)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(blob)
	f.Add([]byte(wrapMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		kr, err := Unwrap(b, mk, time.Now)
		if err != nil {
			return
		}
		if fmt.Sprint(kr.Keys()) != fmt.Sprint(want.Keys()) || !bytes.Equal(kr.DeriveKey("x"), want.DeriveKey("x")) {
			t.Fatalf("a forged keyring unwrapped: %+v", kr.Keys())
		}
	})
}

// FuzzLegacyOpen decrypts arbitrary legacy values.
func FuzzLegacyOpen(f *testing.F) {
	k := mustFernetKey(f, specKey)
	genuine := base64.URLEncoding.EncodeToString([]byte(specToken))
	f.Add(genuine)
	f.Add(specToken)
	f.Add("Z0FBQUFB")
	f.Fuzz(func(t *testing.T, stored string) {
		if pt, err := LegacyOpen(k, stored); err == nil && (stored != genuine || string(pt) != "hello") {
			t.Fatalf("LegacyOpen(%q) = %q: a forged value decrypted", stored, pt)
		}
	})
}

// FuzzParseMasterKey checks that any accepted value is exactly one kind.
func FuzzParseMasterKey(f *testing.F) {
	f.Add(GenerateMasterKey())
	f.Add("passphrase")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		mk, err := ParseMasterKey(s)
		if err != nil {
			if s != "" {
				t.Fatalf("ParseMasterKey(%q) refused a non-empty value: %v", s, err)
			}
			return
		}
		if (mk.raw == nil) == (mk.passphrase == nil) || (mk.raw != nil && len(mk.raw) != MasterKeySize) {
			t.Fatalf("ParseMasterKey(%q) gave raw=%d passphrase=%d bytes", s, len(mk.raw), len(mk.passphrase))
		}
	})
}
