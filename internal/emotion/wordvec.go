package emotion

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// ErrVectors reports a word-vector file that cannot be read.
var ErrVectors = errors.New("emotion: malformed word-vector file")

// WordVectors is a vocabulary-restricted table of pre-trained word vectors,
// quantised to int8 with one scale per dimension: the value of dimension d
// of word i is Data[i*Dims+d] × Scale[d].
type WordVectors struct {
	// Source says where the vectors come from (package, version, subset rule).
	Source string
	Dims   int
	Words  []string
	Scale  []float32
	Data   []int8
}

// vectorsMagic starts a word-vector file.
const vectorsMagic = "SAMOVEC1\n"

// maxVectorWords bounds the vocabulary of a word-vector file.
const maxVectorWords = 1 << 20

// vectorsHeader is the JSON line after the magic.
type vectorsHeader struct {
	Source string    `json:"source"`
	Dims   int       `json:"dims"`
	Words  int       `json:"words"`
	Scale  []float32 `json:"scale"`
}

// QuantizeVectors builds a WordVectors from float vectors (one per word, all
// of the same length) with a per-dimension int8 scale max|v|/127.
func QuantizeVectors(source string, words []string, vecs [][]float32) (*WordVectors, error) {
	if len(words) == 0 || len(words) != len(vecs) || len(words) > maxVectorWords {
		return nil, fmt.Errorf("%w: %d words, %d vectors", ErrVectors, len(words), len(vecs))
	}
	dims := len(vecs[0])
	if dims == 0 || dims > 1024 {
		return nil, fmt.Errorf("%w: %d dimensions", ErrVectors, dims)
	}
	v := &WordVectors{Source: source, Dims: dims, Words: words, Scale: make([]float32, dims), Data: make([]int8, len(words)*dims)}
	for i, vec := range vecs {
		if len(vec) != dims {
			return nil, fmt.Errorf("%w: word %q has %d dimensions, want %d", ErrVectors, words[i], len(vec), dims)
		}
		for d, x := range vec {
			v.Scale[d] = max(v.Scale[d], float32(math.Abs(float64(x))))
		}
	}
	for d := range v.Scale {
		if v.Scale[d] == 0 {
			v.Scale[d] = 1
		}
		v.Scale[d] /= 127
	}
	for i, vec := range vecs {
		for d, x := range vec {
			v.Data[i*dims+d] = int8(math.Round(float64(x / v.Scale[d])))
		}
	}
	return v, nil
}

// Write writes v as a gzip-compressed file: the magic line, a JSON header
// line, one word per line, then the int8 vectors row by row.
func (v *WordVectors) Write(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	hj, err := json.Marshal(vectorsHeader{Source: v.Source, Dims: v.Dims, Words: len(v.Words), Scale: v.Scale})
	if err != nil {
		return err
	}
	// A bufio.Writer keeps its first error and returns it from Flush, so
	// the writes' own results need no checks.
	_, _ = bw.WriteString(vectorsMagic)
	_, _ = bw.Write(hj)
	_ = bw.WriteByte('\n')
	for _, word := range v.Words {
		_, _ = bw.WriteString(word)
		_ = bw.WriteByte('\n')
	}
	for _, x := range v.Data {
		_ = bw.WriteByte(byte(x))
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// ReadWordVectors reads a file written by WordVectors.Write.
func ReadWordVectors(r io.Reader) (*WordVectors, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVectors, err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, maxPayloadSize+1))
	if err != nil || len(raw) > maxPayloadSize {
		return nil, fmt.Errorf("%w: bad compressed data", ErrVectors)
	}
	if !bytes.HasPrefix(raw, []byte(vectorsMagic)) {
		return nil, fmt.Errorf("%w: bad magic", ErrVectors)
	}
	raw = raw[len(vectorsMagic):]
	nl := bytes.IndexByte(raw, '\n')
	if nl < 0 {
		return nil, fmt.Errorf("%w: no header", ErrVectors)
	}
	var h vectorsHeader
	dec := json.NewDecoder(bytes.NewReader(raw[:nl]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrVectors, err)
	}
	if h.Dims < 1 || h.Dims > 1024 || h.Words < 1 || h.Words > maxVectorWords || len(h.Scale) != h.Dims {
		return nil, fmt.Errorf("%w: header shape", ErrVectors)
	}
	raw = raw[nl+1:]
	v := &WordVectors{Source: h.Source, Dims: h.Dims, Scale: h.Scale, Words: make([]string, h.Words)}
	for i := range v.Words {
		nl := bytes.IndexByte(raw, '\n')
		if nl <= 0 {
			return nil, fmt.Errorf("%w: word %d", ErrVectors, i)
		}
		v.Words[i] = string(raw[:nl])
		raw = raw[nl+1:]
	}
	if len(raw) != h.Words*h.Dims {
		return nil, fmt.Errorf("%w: %d vector bytes, want %d", ErrVectors, len(raw), h.Words*h.Dims)
	}
	v.Data = make([]int8, len(raw))
	for i, b := range raw {
		v.Data[i] = int8(b)
	}
	for _, s := range v.Scale {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return nil, fmt.Errorf("%w: bad scale", ErrVectors)
		}
	}
	return v, nil
}

// LoadWordVectors reads the word-vector file at path.
func LoadWordVectors(path string) (*WordVectors, error) {
	f, err := os.Open(path) // #nosec G304 -- operator-given training input
	if err != nil {
		return nil, fmt.Errorf("emotion: %w", err)
	}
	defer f.Close()
	v, err := ReadWordVectors(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// Tokens returns the tokens the model sees in text (lowercased words with
// contractions split, emoji, emoticons, "!"/"?" runs), as strings.
func Tokens(text string) []string {
	var t tokens
	tokenize(&t, text)
	out := make([]string, t.len())
	for i := range out {
		b, _ := t.at(i)
		out[i] = string(b)
	}
	return out
}

// wordHash is the key under which a word's vector is looked up.
func wordHash(b []byte) uint64 { return mix(fnv(seedVector, b)) }

// wordHashString is wordHash for a string.
func wordHashString(s string) uint64 {
	h := uint64(seedVector)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return mix(h)
}
