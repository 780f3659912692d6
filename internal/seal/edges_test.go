package seal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"
)

// The tests of this file check the edges of bounds and character classes
// that the mutation run of docs/testing.md found untested: each fails when
// the comparison it checks moves by one (< to <=, > to >=) or is negated.

// TestFernetTimeBefore1970 checks the time rule for a verifier whose clock
// is before 1970, where the code takes its own branch: a token is valid
// while now+60 ≥ ts (Python's cryptography 48 gives the same answers for
// each case, and TestPythonAgreesOnTime asks it).
func TestFernetTimeBefore1970(t *testing.T) {
	t.Parallel()
	key := rawKeyBytes(t, specKey)
	k := mustFernetKey(t, specKey)
	cases := []struct {
		ts   uint64
		now  int64
		want error
	}{
		{0, -10, nil},
		{50, -10, nil}, // now+60 = ts, the last valid timestamp
		{51, -10, ErrTokenFuture},
		{0, -60, nil}, // now+60 = 0 = ts
		{0, -61, ErrTokenFuture},
		{0, -100, ErrTokenFuture},
		{1, -60, ErrTokenFuture},
		{60, 0, nil}, // a clock at exactly 0 takes the other branch, same rule
		{61, 0, ErrTokenFuture},
	}
	for _, tc := range cases {
		token := handEncrypt(t, key, tc.ts, specIV(), []byte("hi"))
		if _, err := k.DecryptAt(token, time.Hour, time.Unix(tc.now, 0)); !errors.Is(err, tc.want) {
			t.Errorf("token at %d, clock at %d: error = %v, want %v", tc.ts, tc.now, err, tc.want)
		}
	}
	// A clock at exactly 1970-01-01 00:00:00 UTC can still encrypt.
	token, err := k.EncryptAt([]byte("epoch"), time.Unix(0, 0))
	if err != nil {
		t.Fatalf("EncryptAt(Unix 0) error = %v", err)
	}
	if raw, _ := decodeToken(token); binary.BigEndian.Uint64(raw[fernetTimeOffset:]) != 0 {
		t.Errorf("EncryptAt(Unix 0) timestamp = %d, want 0", binary.BigEndian.Uint64(raw[fernetTimeOffset:]))
	}
}

// TestAADLongFields checks AAD's exact bytes when one field is longer
// than the others together (the capacity arithmetic must not go wrong).
func TestAADLongFields(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 40)
	for _, tr := range [][3]string{{"t", long, "1"}, {"t", "c", long}, {long, "c", "1"}} {
		want := []byte{1}
		for _, f := range tr {
			want = binary.BigEndian.AppendUint32(want, uint32(len(f)))
			want = append(want, f...)
		}
		if got := AAD(tr[0], tr[1], tr[2]); !bytes.Equal(got, want) {
			t.Errorf("AAD%q = %x, want %x", tr, got, want)
		}
	}
}

// TestSealHeaderBounds checks the length checks of the sealed-value header
// at their edges: three bytes are read as a header (and say why they are
// refused), a header with no body still names its key, and a Fernet body
// one byte too short for a token and its binding MAC is malformed, not an
// authentication failure.
func TestSealHeaderBounds(t *testing.T) {
	t.Parallel()
	if _, err := KeyID([]byte{2, 1, 0}); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "unknown version 2") {
		t.Errorf("KeyID(3 bytes of version 2) error = %v, want %v naming version 2", err, ErrMalformed)
	}
	if _, err := KeyID([]byte{1, 1, 0}); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "bad key id") {
		t.Errorf("KeyID(3 bytes, empty key id) error = %v, want %v with a bad key id", err, ErrMalformed)
	}
	kr := mustKeyring(t, Fernet)
	aad := AAD("t", "c", "1")
	// 40 bytes: three AES blocks, so that a prefix of the minimum length is
	// a cut value, not the whole of it.
	sealed, err := kr.Seal([]byte("a value of forty bytes, three AES blocks"), aad)
	if err != nil {
		t.Fatal(err)
	}
	id := kr.Active().ID
	h := sealHeaderMin + len(id)
	if got, err := KeyID(sealed[:h]); err != nil || got != id {
		t.Errorf("KeyID(header only) = %q, %v; want %q", got, err, id)
	}
	if _, err := KeyID(sealed[:h-1]); !errors.Is(err, ErrMalformed) {
		t.Errorf("KeyID(header cut by one byte) error = %v, want %v", err, ErrMalformed)
	}
	for _, n := range []int{fernetMinSize + sealMACSize - 1, fernetMinSize, fernetMinSize - sealMACSize, sealMACSize} {
		if _, err := kr.Open(sealed[:h+n], aad); !errors.Is(err, ErrMalformed) || errors.Is(err, ErrAuth) {
			t.Errorf("Fernet body of %d bytes: error = %v, want %v", n, err, ErrMalformed)
		}
	}
	// A body of the minimum length is well-formed; it fails authentication.
	if _, err := kr.Open(sealed[:h+fernetMinSize+sealMACSize], aad); !errors.Is(err, ErrAuth) {
		t.Errorf("Fernet body of the minimum length: error = %v, want %v", err, ErrAuth)
	}
}

// TestValidKeyIDEdges checks the key id rule (1 to 32 characters of
// [A-Za-z0-9_-]) at the edges of each range and just outside them.
func TestValidKeyIDEdges(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"a", "z", "A", "Z", "0", "9", "-", "_", strings.Repeat("k", maxKeyIDLen), "aZ09-_"} {
		if !validKeyID(id) {
			t.Errorf("validKeyID(%q) = false, want true", id)
		}
	}
	// The neighbours of each range in ASCII: '/' ':' '@' '[' '`' '{', and
	// the characters between 'Z' and 'a'.
	for _, id := range []string{"", strings.Repeat("k", maxKeyIDLen+1), "/", ":", "@", "[", `\`, "]", "^", "`", "{", "a b", "a.b", "é"} {
		if validKeyID(id) {
			t.Errorf("validKeyID(%q) = true, want false", id)
		}
	}
}

// TestStreamChunkSizeBounds writes and reads a stream at the largest chunk
// size, and refuses headers one step outside the range.
func TestStreamChunkSizeBounds(t *testing.T) {
	t.Parallel()
	mk := mustRawMaster(t, 9)
	pt := patterned(100)
	ct := encryptStream(t, mk, maxChunkLog2, pt, 100)
	if got, err := decryptStream(mk, ct); err != nil || !bytes.Equal(got, pt) {
		t.Errorf("chunk size 2^%d: got %d bytes, %v; want the %d-byte text", maxChunkLog2, len(got), err, len(pt))
	}
	for _, l := range []byte{minChunkLog2 - 1, maxChunkLog2 + 1} {
		bad := append([]byte(nil), ct...)
		bad[len(streamMagic)+1] = l
		if _, err := decryptStream(mk, bad); !errors.Is(err, ErrStreamHeader) {
			t.Errorf("header with chunk size 2^%d: error = %v, want %v", l, err, ErrStreamHeader)
		}
	}
}

// failAfter accepts n writes, then fails every one.
type failAfter struct{ n int }

var errDiskFull = errors.New("disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errDiskFull
	}
	f.n--
	return len(p), nil
}

// TestStreamWriterReportsChunkWriteErrors: when the destination fails
// after the header, Write (a full chunk) and Close (the final chunk) return
// its error, which stays: a backup that could not be written must not look
// written.
func TestStreamWriterReportsChunkWriteErrors(t *testing.T) {
	t.Parallel()
	mk := mustRawMaster(t, 10)
	w, err := newWriter(&failAfter{n: 1}, mk, minChunkLog2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(patterned(smallChunk + 1)); !errors.Is(err, errDiskFull) {
		t.Errorf("Write of more than a chunk: error = %v, want %v", err, errDiskFull)
	}
	if err := w.Close(); !errors.Is(err, errDiskFull) {
		t.Errorf("Close after a failed chunk: error = %v, want %v", err, errDiskFull)
	}
	w, err = newWriter(&failAfter{n: 1}, mk, minChunkLog2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("short")); err != nil {
		t.Fatalf("Write of less than a chunk: %v (nothing is written yet)", err)
	}
	if err := w.Close(); !errors.Is(err, errDiskFull) {
		t.Errorf("Close with a failing destination: error = %v, want %v", err, errDiskFull)
	}
	if err := w.Close(); !errors.Is(err, errDiskFull) {
		t.Errorf("second Close: error = %v, want the first one's %v", err, errDiskFull)
	}
}

// TestUnwrapLengthBound: a wrapped keyring cut to exactly its header and a
// GCM tag is long enough to be authenticated (and fails it); one byte
// shorter is malformed.
func TestUnwrapLengthBound(t *testing.T) {
	t.Parallel()
	mk := mustRawMaster(t, 11)
	blob, err := mustKeyring(t, AES256GCM).Wrap(mk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Unwrap(blob[:wrapHeaderSize+gcmTagSize], mk, time.Now); !errors.Is(err, ErrWrongKey) {
		t.Errorf("header and tag only: error = %v, want %v", err, ErrWrongKey)
	}
	if _, err := Unwrap(blob[:wrapHeaderSize+gcmTagSize-1], mk, time.Now); !errors.Is(err, ErrKeyringFormat) {
		t.Errorf("one byte shorter: error = %v, want %v", err, ErrKeyringFormat)
	}
}

// TestWrongKeyKindMessage: when the master key is of the other kind than
// the one the data was protected with, the error says which kind is needed
// (before any PBKDF2 work).
func TestWrongKeyKindMessage(t *testing.T) {
	t.Parallel()
	raw := mustRawMaster(t, 12)
	pass, err := NewPassphraseKey([]byte("a long passphrase nobody guesses"))
	if err != nil {
		t.Fatal(err)
	}
	pbkdf2Params := kdfParams{kdf: kdfPBKDF2, iterations: DefaultPBKDF2Iterations}
	if _, err := raw.prk(pbkdf2Params); !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), "protected by a passphrase, not a raw key") {
		t.Errorf("raw key on passphrase data: error = %v", err)
	}
	if _, err := pass.prk(kdfParams{kdf: kdfHKDF}); !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), "protected by a raw key, not a passphrase") {
		t.Errorf("passphrase on raw-key data: error = %v", err)
	}
}
