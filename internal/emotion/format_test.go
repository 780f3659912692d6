package emotion

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestModelFile trains one small model and checks that its file loads back
// identically and that damaged or inconsistent files are refused.
func TestModelFile(t *testing.T) {
	t.Parallel()
	m, raw := trainSmall(t, 3, 2)
	t.Run("round trip", func(t *testing.T) { testRoundTrip(t, m, raw) })
	t.Run("refuses bad files", func(t *testing.T) { testRefusesBadFiles(t, raw) })
	t.Run("refuses inconsistent header", func(t *testing.T) { testRefusesInconsistentHeader(t, m) })
}

func testRoundTrip(t *testing.T, m *Model, raw []byte) {
	path := filepath.Join(t.TempDir(), "m.model")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadFile(path)
	if err != nil {
		t.Fatalf("LoadFile: %v", err)
	}
	sum := sha256.Sum256(raw[:len(raw)-sha256.Size])
	if want := string(appendHex(nil, sum[:])); got.Checksum() != want || m.Checksum() != want {
		t.Errorf("checksums %s and %s, want %s", got.Checksum(), m.Checksum(), want)
	}
	if got.Version() != m.Version() || got.Size() != len(raw) {
		t.Errorf("loaded version %q size %d, want %q size %d", got.Version(), got.Size(), m.Version(), len(raw))
	}
	for _, tax := range []Taxonomy{GoEmotions, Ekman} {
		if !slices.Equal(got.Labels(tax), m.Labels(tax)) || !slices.Equal(got.Thresholds(tax), m.Thresholds(tax)) {
			t.Errorf("%s labels or thresholds differ after loading", tax)
		}
		for _, text := range []string{"thank you so much!", "I'm terrified", ""} {
			a, b := m.Predict(text, tax, nil), got.Predict(text, tax, nil)
			if !slices.Equal(a.Emotions, b.Emotions) {
				t.Errorf("%s %q: predictions differ after loading: %v vs %v", tax, text, a.Emotions, b.Emotions)
			}
		}
	}
}

func appendHex(dst, b []byte) []byte {
	const digits = "0123456789abcdef"
	for _, c := range b {
		dst = append(dst, digits[c>>4], digits[c&15])
	}
	return dst
}

// withVersion returns a copy of the model file raw marked as format
// version v, its checksum redone, so only the version check can refuse it.
func withVersion(raw []byte, v uint16) []byte {
	b := slices.Clone(raw)
	binary.LittleEndian.PutUint16(b[8:], v)
	return resum(b)
}

// resum recomputes the trailing checksum of a modified file.
func resum(b []byte) []byte {
	b = slices.Clone(b)
	sum := sha256.Sum256(b[:len(b)-sha256.Size])
	copy(b[len(b)-sha256.Size:], sum[:])
	return b
}

func testRefusesBadFiles(t *testing.T, raw []byte) {
	flip := func(i int) []byte {
		b := slices.Clone(raw)
		b[i] ^= 0x40
		return b
	}
	withVersion := func(v uint16) []byte {
		b := slices.Clone(raw)
		binary.LittleEndian.PutUint16(b[8:], v)
		return resum(b)
	}
	// A well-checksummed file whose payload is not a valid gzip stream.
	badPayload := slices.Clone(raw)
	for i := prefixLen; i < prefixLen+16; i++ {
		badPayload[i] = 0
	}
	badPayload = resum(badPayload)
	tests := []struct {
		name string
		file []byte
		want error
	}{
		{"empty", nil, ErrCorrupt},
		{"wrong magic", append([]byte("PK\x03\x04xxxx"), raw[8:]...), ErrNotModel},
		{"text file", []byte("hello, this is not a model at all, not even close......................"), ErrNotModel},
		{"magic only", raw[:8], ErrCorrupt},
		{"truncated by one byte", raw[:len(raw)-1], ErrCorrupt},
		{"truncated in half", raw[:len(raw)/2], ErrCorrupt},
		{"extra trailing byte", append(slices.Clone(raw), 0), ErrCorrupt},
		{"flipped payload byte", flip(len(raw) / 2), ErrChecksum},
		{"flipped first payload byte", flip(prefixLen), ErrChecksum},
		{"flipped checksum byte", flip(len(raw) - 1), ErrChecksum},
		{"newer version", withVersion(formatVersion + 1), ErrVersion},
		{"version zero", withVersion(0), ErrVersion},
		{"unknown flags", resum(func() []byte { b := slices.Clone(raw); b[11] = 0x80; return b }()), ErrCorrupt},
		{"valid checksum, bad payload", badPayload, ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Load(bytes.NewReader(tc.file))
			if !errors.Is(err, tc.want) {
				t.Errorf("Load = %v, %v; want error %v", m, err, tc.want)
			}
		})
	}
}

func testRefusesInconsistentHeader(t *testing.T, m *Model) {
	q := &quantized{outputs: m.h.Outputs, scale: m.h.Scale}
	for b, r := range m.index {
		if r >= 0 {
			q.buckets = append(q.buckets, uint32(b))
		}
	}
	// Unpack the weights: byte j of a row's words is weight j + 128.
	for r := 0; r < len(q.buckets); r++ {
		for j := 0; j < m.h.Outputs; j++ {
			b := byte(m.packed[r*m.stride+j/8] >> (8 * (j % 8)))
			q.weights = append(q.weights, int8(b^0x80))
		}
	}
	tests := []struct {
		name   string
		modify func(h *header)
	}{
		{"threshold count", func(h *header) { h.Thresholds = h.Thresholds[1:] }},
		{"unknown ekman mode", func(h *header) { h.EkmanMode = "vote" }},
		{"ekman mapping out of range", func(h *header) { h.EkmanOf[0] = 9 }},
		{"hash bits", func(h *header) { h.Features.Bits = 40 }},
		{"missing name", func(h *header) { h.Name = "" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := m.h
			h.Thresholds = slices.Clone(h.Thresholds)
			h.EkmanOf = slices.Clone(h.EkmanOf)
			tc.modify(&h)
			raw, err := encode(&h, q.buckets, q.weights, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Load(bytes.NewReader(raw)); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Load = %v, want ErrCorrupt", err)
			}
		})
	}
}

// tinyModelFile returns a valid three-row model file (and its payload)
// with the embedded model's header: small seeds fuzz quickly.
func tinyModelFile(tb testing.TB) (raw, payload []byte) {
	tb.Helper()
	h := defaultModel(tb).h
	h.Features.Bits = 10
	h.Rows = 3
	h.Dense = nil // no word-vector block: a small seed
	raw, err := encode(&h, []uint32{1, 5, 1000}, make([]int8, 3*h.Outputs), nil)
	if err != nil {
		tb.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw[prefixLen : len(raw)-sha256.Size]))
	if err != nil {
		tb.Fatal(err)
	}
	if payload, err = io.ReadAll(zr); err != nil {
		tb.Fatal(err)
	}
	if _, err := Load(bytes.NewReader(raw)); err != nil {
		tb.Fatalf("tiny model does not load: %v", err)
	}
	return raw, payload
}

func FuzzLoad(f *testing.F) {
	raw, _ := tinyModelFile(f)
	f.Add(raw)
	f.Add(raw[:prefixLen+10])
	f.Add([]byte("SAMOEMO\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Load(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrNotModel) && !errors.Is(err, ErrVersion) && !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Load error %v wraps no sentinel", err)
			}
			return
		}
		// Whatever loads must predict without panicking.
		for _, tax := range []Taxonomy{GoEmotions, Ekman} {
			if p := m.Predict("I'm so happy!", tax, nil); len(p.Emotions) == 0 {
				t.Fatalf("empty prediction from a loaded model")
			}
		}
	})
}

// FuzzParsePayload exercises the parser behind the checksum, which FuzzLoad
// rarely reaches.
func FuzzParsePayload(f *testing.F) {
	_, payload := tinyModelFile(f)
	f.Add(payload)
	f.Add(payload[:len(payload)/2])
	f.Add([]byte{2, 0, 0, 0, '{', '}'})
	f.Fuzz(func(t *testing.T, p []byte) {
		m, err := parsePayload(p, formatVersion)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("parsePayload error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		for _, tax := range []Taxonomy{GoEmotions, Ekman} {
			if p := m.Predict("thank you so much!", tax, nil); len(p.Emotions) == 0 {
				t.Fatalf("empty prediction from a parsed model")
			}
		}
	})
}
