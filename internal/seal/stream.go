package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Encrypted stream layout (version 1):
//
//	magic "SAMOFS" ‖ version(1) = 0x01 ‖ log2(chunk size)(1) ‖ kdf(1) ‖ iterations(4) ‖ salt(16) ‖ base nonce(12)
//	‖ header MAC(32) = HMAC-SHA256(macKey, everything before it)
//	‖ chunk 0 ‖ chunk 1 ‖ … ‖ chunk n (final)
//
// Every chunk but the last holds exactly chunk-size bytes of plaintext; the
// last holds 0 to chunk-size bytes (0 only for an empty stream). A chunk is
// AES-256-GCM(encKey, nonce_i, plaintext_i, header ‖ final_i) where nonce_i is
// the base nonce XOR the chunk counter i (big-endian, in its last 8 bytes)
// and final_i is 1 for the last chunk and 0 otherwise (the STREAM
// construction of Hoang, Reyhanitabar, Rogaway and Vizár). encKey and macKey
// are expanded from the master key with the header's salt, so every stream
// has its own keys.
const (
	streamMagic      = "SAMOFS"
	streamVersion    = 1
	streamFixedSize  = len(streamMagic) + 1 + 1 + kdfParamsSize + gcmNonceSize
	streamHeaderSize = streamFixedSize + sha256.Size
	streamEncInfo    = "samo stream v1 chunk key"
	streamMACInfo    = "samo stream v1 header key"
	// DefaultChunkLog2 gives the default chunk size, 64 KiB.
	DefaultChunkLog2 = 16
	minChunkLog2     = 6  // 64 bytes (small chunks let tests cover many chunks)
	maxChunkLog2     = 20 // 1 MiB, which bounds a reader's memory
)

// Stream errors.
var (
	// ErrStreamHeader reports input that is not an encrypted stream of a
	// version this package reads.
	ErrStreamHeader = errors.New("crypto: not a SAMO encrypted stream")
	// ErrStreamAuth reports a chunk that does not authenticate: the stream was
	// tampered with, truncated, reordered, or extended.
	ErrStreamAuth = errors.New("crypto: encrypted stream failed authentication (tampered, truncated or reordered)")
	// ErrWriterClosed reports a write after Close.
	ErrWriterClosed = errors.New("crypto: write to closed stream writer")
)

// streamKeys are a stream's per-stream keys.
type streamKeys struct {
	aead   cipher.AEAD
	macKey []byte
}

func deriveStreamKeys(mk *MasterKey, p kdfParams) (*streamKeys, error) {
	prk, err := mk.prk(p)
	if err != nil {
		return nil, err
	}
	encKey, err := expand(prk, streamEncInfo)
	if err != nil {
		return nil, err
	}
	macKey, err := expand(prk, streamMACInfo)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("crypto: stream cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("crypto: stream cipher: %w", err)
	}
	return &streamKeys{aead: aead, macKey: macKey}, nil
}

func (k *streamKeys) headerMAC(fixed []byte) []byte {
	mac := hmac.New(sha256.New, k.macKey)
	mac.Write(fixed)
	return mac.Sum(nil)
}

// chunker holds what writer and reader share: the cipher, the per-chunk
// additional data (header ‖ final flag), the base nonce and the counter.
type chunker struct {
	aead    cipher.AEAD
	aad     []byte // fixed header followed by one flag byte
	base    [gcmNonceSize]byte
	nonce   [gcmNonceSize]byte
	counter uint64
	size    int // plaintext bytes per full chunk
}

func newChunker(keys *streamKeys, fixed []byte) *chunker {
	c := &chunker{aead: keys.aead, size: 1 << fixed[len(streamMagic)+1]}
	c.aad = append(append(make([]byte, 0, len(fixed)+1), fixed...), 0)
	copy(c.base[:], fixed[len(fixed)-gcmNonceSize:])
	return c
}

// next prepares the nonce and additional data of the next chunk.
func (c *chunker) next(final bool) ([]byte, error) {
	if c.counter == ^uint64(0) {
		return nil, errors.New("crypto: stream too long")
	}
	c.nonce = c.base
	var ctr [8]byte
	binary.BigEndian.PutUint64(ctr[:], c.counter)
	for i := range ctr {
		c.nonce[gcmNonceSize-8+i] ^= ctr[i]
	}
	c.counter++
	c.aad[len(c.aad)-1] = 0
	if final {
		c.aad[len(c.aad)-1] = 1
	}
	return c.nonce[:], nil
}

// Writer encrypts a stream in the chunked format. Close must be called to
// write the final chunk; without it the output is rejected as truncated.
type Writer struct {
	dst    io.Writer
	c      *chunker
	buf    []byte // plaintext of the pending chunk, then its ciphertext
	n      int    // plaintext bytes pending in buf
	err    error  // sticky error
	closed bool
}

// NewWriter writes the stream header to w and returns a Writer whose
// plaintext is encrypted under keys derived from mk and a fresh random salt.
// With a passphrase this runs PBKDF2 once.
func NewWriter(w io.Writer, mk *MasterKey) (*Writer, error) {
	return newWriter(w, mk, DefaultChunkLog2)
}

func newWriter(w io.Writer, mk *MasterKey, chunkLog2 byte) (*Writer, error) {
	if mk == nil {
		return nil, fmt.Errorf("%w: nil", ErrMasterKey)
	}
	if chunkLog2 < minChunkLog2 || chunkLog2 > maxChunkLog2 {
		return nil, fmt.Errorf("crypto: chunk size 2^%d out of range", chunkLog2)
	}
	p := mk.newParams()
	header := make([]byte, 0, streamHeaderSize)
	header = append(header, streamMagic...)
	header = append(header, streamVersion, chunkLog2)
	header = p.append(header)
	header = append(header, randomBytes(gcmNonceSize)...)
	keys, err := deriveStreamKeys(mk, p)
	if err != nil {
		return nil, err
	}
	c := newChunker(keys, header)
	header = append(header, keys.headerMAC(header)...)
	if _, err := w.Write(header); err != nil {
		return nil, err
	}
	return &Writer{dst: w, c: c, buf: make([]byte, c.size+gcmTagSize)}, nil
}

// Write encrypts p. A chunk is written once it is full and more data
// follows, so the final chunk may be full.
func (w *Writer) Write(p []byte) (int, error) {
	if w.closed {
		return 0, ErrWriterClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	written := 0
	for len(p) > 0 {
		if w.n == w.c.size {
			if err := w.flush(false); err != nil {
				return written, err
			}
		}
		m := copy(w.buf[w.n:w.c.size], p)
		w.n += m
		written += m
		p = p[m:]
	}
	return written, nil
}

// Close writes the final chunk. It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	return w.flush(true)
}

func (w *Writer) flush(final bool) error {
	nonce, err := w.c.next(final)
	if err != nil {
		w.err = err
		return err
	}
	ct := w.c.aead.Seal(w.buf[:0], nonce, w.buf[:w.n], w.c.aad)
	w.n = 0
	if _, err := w.dst.Write(ct); err != nil {
		w.err = err
		return err
	}
	return nil
}

// Reader decrypts a stream in the chunked format. It returns a chunk's
// plaintext only after that chunk has authenticated, and returns io.EOF only
// after an authentic final chunk, so truncation, reordering, duplication,
// extension and tampering are all reported as ErrStreamAuth. Its memory is
// one chunk, whatever the stream's length.
type Reader struct {
	src   io.Reader
	c     *chunker
	buf   []byte // one sealed chunk plus one byte of look-ahead
	plain []byte // authenticated plaintext not yet returned
	carry bool   // buf[len(buf)-1] is the first byte of the next chunk
	done  bool   // final chunk returned
	err   error  // sticky error
}

// NewReader reads and authenticates the stream header from r with keys
// derived from mk. A wrong key (or a changed header) gives ErrWrongKey before
// any chunk is read.
func NewReader(r io.Reader, mk *MasterKey) (*Reader, error) {
	if mk == nil {
		return nil, fmt.Errorf("%w: nil", ErrMasterKey)
	}
	header := make([]byte, streamHeaderSize)
	if _, err := io.ReadFull(r, header); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("%w: short header", ErrStreamHeader)
		}
		return nil, err
	}
	if string(header[:len(streamMagic)]) != streamMagic {
		return nil, fmt.Errorf("%w: bad magic", ErrStreamHeader)
	}
	if v := header[len(streamMagic)]; v != streamVersion {
		return nil, fmt.Errorf("%w: unknown version %d", ErrStreamHeader, v)
	}
	if l := header[len(streamMagic)+1]; l < minChunkLog2 || l > maxChunkLog2 {
		return nil, fmt.Errorf("%w: chunk size 2^%d out of range", ErrStreamHeader, l)
	}
	p, err := parseKDFParams(header[len(streamMagic)+2:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStreamHeader, err)
	}
	keys, err := deriveStreamKeys(mk, p)
	if err != nil {
		return nil, err
	}
	fixed := header[:streamFixedSize]
	if !hmac.Equal(keys.headerMAC(fixed), header[streamFixedSize:]) {
		return nil, ErrWrongKey
	}
	c := newChunker(keys, fixed)
	return &Reader{src: r, c: c, buf: make([]byte, c.size+gcmTagSize+1)}, nil
}

// Read returns authenticated plaintext.
func (r *Reader) Read(p []byte) (int, error) {
	for len(r.plain) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		if len(p) == 0 {
			return 0, nil
		}
		if err := r.next(); err != nil {
			r.err = err
			return 0, err
		}
	}
	n := copy(p, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}

// next reads and opens one chunk. It reads one byte past a full chunk to
// learn whether the chunk is the last, since that is part of what the chunk
// authenticates.
func (r *Reader) next() error {
	full := r.c.size + gcmTagSize
	have := 0
	if r.carry {
		r.buf[0] = r.buf[full]
		have = 1
	}
	n, err := io.ReadFull(r.src, r.buf[have:full+1])
	have += n
	var final bool
	if err == nil {
		r.carry = true
	} else if err == io.EOF || err == io.ErrUnexpectedEOF {
		r.carry, final = false, true
		if have < gcmTagSize {
			return ErrStreamAuth
		}
	} else {
		return err
	}
	sealed := r.buf[:min(have, full)]
	nonce, err := r.c.next(final)
	if err != nil {
		return err
	}
	pt, err := r.c.aead.Open(sealed[:0], nonce, sealed, r.c.aad)
	if err != nil {
		return ErrStreamAuth
	}
	r.plain, r.done = pt, final
	return nil
}
