package seal

import (
	"bytes"
	"io"
	"testing"
	"time"
)

func benchSeal(b *testing.B, alg Algorithm) {
	kr := mustKeyring(b, alg)
	pt := patterned(1024)
	aad := AAD("predictions", "text", "123456")
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kr.Seal(pt, aad); err != nil {
			b.Fatal(err)
		}
	}
}

func benchOpen(b *testing.B, alg Algorithm) {
	kr := mustKeyring(b, alg)
	aad := AAD("predictions", "text", "123456")
	sealed, err := kr.Seal(patterned(1024), aad)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(1024)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kr.Open(sealed, aad); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSeal1KB seals a 1 KiB value with AES-256-GCM through the keyring.
func BenchmarkSeal1KB(b *testing.B) { benchSeal(b, AES256GCM) }

// BenchmarkOpen1KB opens a 1 KiB AES-256-GCM value through the keyring.
func BenchmarkOpen1KB(b *testing.B) { benchOpen(b, AES256GCM) }

// BenchmarkSealFernet1KB seals a 1 KiB value with the keyring's Fernet algorithm.
func BenchmarkSealFernet1KB(b *testing.B) { benchSeal(b, Fernet) }

// BenchmarkOpenFernet1KB opens a 1 KiB Fernet value through the keyring.
func BenchmarkOpenFernet1KB(b *testing.B) { benchOpen(b, Fernet) }

// BenchmarkFernetEncrypt1KB makes a base64 Fernet token of 1 KiB.
func BenchmarkFernetEncrypt1KB(b *testing.B) {
	k := mustFernetKey(b, specKey)
	pt := patterned(1024)
	at := time.Unix(1_700_000_000, 0)
	b.SetBytes(1024)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.EncryptAt(pt, at); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFernetDecrypt1KB verifies and decrypts a base64 Fernet token of 1 KiB with a TTL.
func BenchmarkFernetDecrypt1KB(b *testing.B) {
	k := mustFernetKey(b, specKey)
	at := time.Unix(1_700_000_000, 0)
	token, err := k.EncryptAt(patterned(1024), at)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(1024)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.DecryptAt(token, time.Minute, at); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStreamEncrypt encrypts 4 MiB in 64 KiB chunks.
func BenchmarkStreamEncrypt(b *testing.B) {
	mk := mustRawMaster(b, 1)
	pt := patterned(4 << 20)
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	for b.Loop() {
		w, err := NewWriter(io.Discard, mk)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.Write(pt); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStreamDecrypt decrypts 4 MiB in 64 KiB chunks.
func BenchmarkStreamDecrypt(b *testing.B) {
	mk := mustRawMaster(b, 1)
	ct := encryptStream(b, mk, DefaultChunkLog2, patterned(4<<20), 1<<20)
	b.SetBytes(4 << 20)
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(ct), mk)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPassphraseKDF measures PBKDF2-SHA256 at 600,000 iterations, the
// cost of unwrapping a keyring or opening a file under a passphrase.
func BenchmarkPassphraseKDF(b *testing.B) {
	mk, err := NewPassphraseKey([]byte("benchmark passphrase"))
	if err != nil {
		b.Fatal(err)
	}
	p := mk.newParams()
	for b.Loop() {
		if _, err := mk.prk(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLegacyKey measures the Guide's PBKDF2 at 100,000 iterations.
func BenchmarkLegacyKey(b *testing.B) {
	for b.Loop() {
		if _, err := LegacyKey([]byte("benchmark password")); err != nil {
			b.Fatal(err)
		}
	}
}
