package seal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"
)

// smallChunk is the chunk size (2^6 = 64 bytes) used by tests that need
// many chunks.
const smallChunk = 64

// encryptStream encrypts pt with chunk size 2^log2, writing it in pieces of
// piece bytes.
func encryptStream(t testing.TB, mk *MasterKey, log2 byte, pt []byte, piece int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := newWriter(&buf, mk, log2)
	if err != nil {
		t.Fatal(err)
	}
	for rest := pt; len(rest) > 0; {
		n := min(piece, len(rest))
		if m, err := w.Write(rest[:n]); err != nil || m != n {
			t.Fatalf("Write = %d, %v; want %d", m, err, n)
		}
		rest = rest[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decryptStream returns what a Reader yields for ct before its first error.
func decryptStream(mk *MasterKey, ct []byte) ([]byte, error) {
	r, err := NewReader(bytes.NewReader(ct), mk)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	_, err = io.Copy(&out, r)
	return out.Bytes(), err
}

func patterned(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestStreamRoundTrip(t *testing.T) {
	t.Parallel()
	mk := mustRawMaster(t, 1)
	for _, log2 := range []byte{minChunkLog2, DefaultChunkLog2} {
		size := 1 << log2
		for _, n := range []int{0, 1, size - 1, size, size + 1, 3 * size, 3*size + 5} {
			for _, piece := range []int{1, 7, size, 1 << 20} {
				if log2 == DefaultChunkLog2 && piece == 1 && n > 2*size {
					continue // byte-at-a-time over 200 KiB adds time, not coverage
				}
				t.Run(fmt.Sprintf("chunk%d/n%d/piece%d", size, n, piece), func(t *testing.T) {
					pt := patterned(n)
					ct := encryptStream(t, mk, log2, pt, piece)
					chunks := max(1, (n+size-1)/size)
					if want := streamHeaderSize + n + chunks*gcmTagSize; len(ct) != want {
						t.Errorf("ciphertext %d bytes, want %d", len(ct), want)
					}
					got, err := decryptStream(mk, ct)
					if err != nil || !bytes.Equal(got, pt) {
						t.Errorf("decrypt = %d bytes, %v; want %d bytes", len(got), err, n)
					}
				})
			}
		}
	}
}

// streamFixture is a 4-chunk stream (3 full chunks of 64 bytes and one of
// 10) and its plaintext.
func streamFixture(t *testing.T, mk *MasterKey) (ct, pt []byte) {
	pt = patterned(3*smallChunk + 10)
	return encryptStream(t, mk, minChunkLog2, pt, 100), pt
}

// chunkBounds returns the [start, end) offsets of each sealed chunk.
func chunkBounds(ct []byte) [][2]int {
	var out [][2]int
	for off := streamHeaderSize; off < len(ct); off += smallChunk + gcmTagSize {
		out = append(out, [2]int{off, min(off+smallChunk+gcmTagSize, len(ct))})
	}
	return out
}

// TestStreamTamper flips every byte: the header fails as a wrong key, a
// chunk fails authentication, and nothing of a bad chunk (or after it) is
// ever returned.
func TestStreamTamper(t *testing.T) {
	t.Parallel()
	mk := mustRawMaster(t, 2)
	ct, pt := streamFixture(t, mk)
	for i := range ct {
		bad := append([]byte(nil), ct...)
		bad[i] ^= 0x04
		got, err := decryptStream(mk, bad)
		if i < streamHeaderSize {
			if err == nil || len(got) != 0 {
				t.Errorf("header byte %d: got %d bytes, %v; want nothing and an error", i, len(got), err)
			}
			continue
		}
		chunk := (i - streamHeaderSize) / (smallChunk + gcmTagSize)
		if !errors.Is(err, ErrStreamAuth) || !bytes.Equal(got, pt[:chunk*smallChunk]) {
			t.Errorf("byte %d (chunk %d): got %d bytes, %v; want the %d bytes before the chunk and %v",
				i, chunk, len(got), err, chunk*smallChunk, ErrStreamAuth)
		}
	}
}

// TestStreamTruncate cuts the stream at every length.
func TestStreamTruncate(t *testing.T) {
	t.Parallel()
	mk := mustRawMaster(t, 3)
	ct, pt := streamFixture(t, mk)
	for n := range len(ct) {
		got, err := decryptStream(mk, ct[:n])
		switch {
		case n < streamHeaderSize:
			if !errors.Is(err, ErrStreamHeader) {
				t.Errorf("cut at %d: error = %v, want %v", n, err, ErrStreamHeader)
			}
		case !errors.Is(err, ErrStreamAuth):
			t.Errorf("cut at %d: error = %v, want %v", n, err, ErrStreamAuth)
		}
		if full := (n - streamHeaderSize) / (smallChunk + gcmTagSize); n >= streamHeaderSize && !bytes.Equal(got, pt[:min(len(got), full*smallChunk)]) {
			t.Errorf("cut at %d: returned bytes that are not an authenticated prefix", n)
		}
	}
}

// TestStreamRearrange reorders, duplicates, drops, appends and splices chunks.
func TestStreamRearrange(t *testing.T) {
	t.Parallel()
	mk := mustRawMaster(t, 4)
	ct, _ := streamFixture(t, mk)
	other, _ := streamFixture(t, mk)
	b := chunkBounds(ct)
	header := ct[:streamHeaderSize]
	chunk := func(s []byte, i int) []byte { return s[b[i][0]:b[i][1]] }
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	cases := []struct {
		name string
		ct   []byte
	}{
		{"swap first two", join(header, chunk(ct, 1), chunk(ct, 0), chunk(ct, 2), chunk(ct, 3))},
		{"duplicate a chunk", join(header, chunk(ct, 0), chunk(ct, 0), chunk(ct, 1), chunk(ct, 2), chunk(ct, 3))},
		{"drop a middle chunk", join(header, chunk(ct, 0), chunk(ct, 2), chunk(ct, 3))},
		{"drop the final chunk", join(header, chunk(ct, 0), chunk(ct, 1), chunk(ct, 2))},
		{"final chunk moved first", join(header, chunk(ct, 3))},
		{"garbage after final", join(ct, []byte{0})},
		{"final chunk repeated", join(ct, chunk(ct, 3))},
		{"two streams concatenated", join(ct, other)},
		{"chunk from another stream", join(header, chunk(other, 0), chunk(ct, 1), chunk(ct, 2), chunk(ct, 3))},
		{"header only", header},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := decryptStream(mk, tc.ct); !errors.Is(err, ErrStreamAuth) {
				t.Errorf("error = %v, want %v", err, ErrStreamAuth)
			}
		})
	}
}

func TestStreamKeys(t *testing.T) {
	t.Parallel()
	mk := mustRawMaster(t, 5)
	ct, _ := streamFixture(t, mk)
	if _, err := decryptStream(mustRawMaster(t, 6), ct); !errors.Is(err, ErrWrongKey) {
		t.Errorf("wrong raw key error = %v, want %v", err, ErrWrongKey)
	}
	pass, _ := NewPassphraseKey([]byte("file passphrase"))
	if _, err := decryptStream(pass, ct); !errors.Is(err, ErrWrongKey) {
		t.Errorf("passphrase on a raw-key stream error = %v, want %v", err, ErrWrongKey)
	}
	pct := encryptStream(t, pass, minChunkLog2, []byte("passphrase protected"), 5)
	if got, err := decryptStream(pass, pct); err != nil || string(got) != "passphrase protected" {
		t.Errorf("passphrase round trip = %q, %v", got, err)
	}
	if _, err := decryptStream(mk, pct); !errors.Is(err, ErrWrongKey) {
		t.Errorf("raw key on a passphrase stream error = %v, want %v", err, ErrWrongKey)
	}
	for _, junk := range [][]byte{nil, []byte("SAMOFS"), bytes.Repeat([]byte{'x'}, 200), append([]byte("SAMOFS\x02"), ct[7:]...)} {
		if _, err := decryptStream(mk, junk); !errors.Is(err, ErrStreamHeader) {
			t.Errorf("junk %q: error = %v, want %v", junk[:min(len(junk), 8)], err, ErrStreamHeader)
		}
	}
	if _, err := NewReader(bytes.NewReader(ct), nil); err == nil {
		t.Error("NewReader accepted a nil key")
	}
}

func TestStreamWriterLifecycle(t *testing.T) {
	t.Parallel()
	mk := mustRawMaster(t, 7)
	var buf bytes.Buffer
	w, err := newWriter(&buf, mk, minChunkLog2)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(patterned(200))
	if _, err := decryptStream(mk, buf.Bytes()); !errors.Is(err, ErrStreamAuth) {
		t.Errorf("unclosed stream: error = %v, want %v", err, ErrStreamAuth)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if _, err := w.Write([]byte("late")); !errors.Is(err, ErrWriterClosed) {
		t.Errorf("Write after Close error = %v, want %v", err, ErrWriterClosed)
	}
	if _, err := newWriter(&buf, mk, maxChunkLog2+1); err == nil {
		t.Error("chunk size above the maximum accepted")
	}
	if _, err := NewWriter(failingWriter{}, mk); err == nil {
		t.Error("NewWriter ignored a failing destination")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestStreamMemory decrypts 32 MiB through a pipe and checks that the
// allocations stay near one chunk, whatever the stream's length.
func TestStreamMemory(t *testing.T) {
	// Not parallel: TotalAlloc counts every goroutine of the process, and
	// the package's parallel tests allocated 11 MB beside it in a CI run.
	// Sequential tests run alone, before the parallel ones start.
	if testing.Short() {
		t.Skip("streams 32 MiB")
	}
	mk := mustRawMaster(t, 8)
	const total = 32 << 20
	pr, pw := io.Pipe()
	go func() {
		w, err := NewWriter(pw, mk)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		if _, err := io.CopyN(w, zeroReader{}, total); err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.CloseWithError(w.Close())
	}()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r, err := NewReader(pr, mk)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, r)
	runtime.ReadMemStats(&after)
	if err != nil || n != total {
		t.Fatalf("decrypted %d bytes, %v; want %d", n, err, total)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("allocated %d bytes to stream %d bytes; want memory independent of size", alloc, total)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
