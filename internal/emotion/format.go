package emotion

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
)

// Model file layout (all integers little-endian):
//
//	magic       8 bytes  "SAMOEMO\x00"
//	version     uint16   formatVersion
//	flags       uint16   bit 0: payload is gzip-compressed
//	payloadLen  uint64
//	payload     payloadLen bytes
//	sha256      32 bytes over everything above
//
// The (decompressed) payload is:
//
//	headerLen   uint32
//	header      headerLen bytes of JSON (the header type)
//	rows        header.Rows uvarints: bucket deltas (strictly increasing buckets)
//	weights     header.Rows × header.Outputs int8
const (
	formatVersion = 1
	flagGzip      = 1
	prefixLen     = 8 + 2 + 2 + 8
	// maxFileSize bounds a model file, maxPayloadSize its decompressed payload.
	maxFileSize    = 64 << 20
	maxPayloadSize = 256 << 20
)

// magic starts every model file.
const magic = "SAMOEMO\x00"

// Errors returned by Load for files it refuses.
var (
	// ErrNotModel reports a file that does not start with the model magic bytes.
	ErrNotModel = errors.New("emotion: not a SAMO emotion model file")
	// ErrVersion reports a model file written in a format this build cannot read.
	ErrVersion = errors.New("emotion: unsupported model format version")
	// ErrChecksum reports a model file whose SHA-256 does not match its content.
	ErrChecksum = errors.New("emotion: model checksum mismatch")
	// ErrCorrupt reports a model file that is truncated or internally inconsistent.
	ErrCorrupt = errors.New("emotion: corrupt model file")
)

// header is the JSON metadata of a model file.
type header struct {
	Name             string        `json:"name"`
	Release          string        `json:"release"`
	Features         FeatureConfig `json:"features"`
	Labels           []string      `json:"labels"`
	EkmanLabels      []string      `json:"ekman_labels"`
	EkmanOf          []int         `json:"ekman_of"`
	EkmanMode        string        `json:"ekman_mode"`
	Outputs          int           `json:"outputs"`
	Rows             int           `json:"rows"`
	Bias             []float64     `json:"bias"`
	Scale            []float64     `json:"scale"`
	Calibration      [][2]float64  `json:"calibration"`
	EkmanCalibration [][2]float64  `json:"ekman_calibration"`
	Thresholds       []float64     `json:"thresholds"`
	EkmanThresholds  []float64     `json:"ekman_thresholds"`
	Train            TrainInfo     `json:"train"`
}

// encode writes the model file for h, the sorted bucket of each row and the
// row-major weights.
func encode(h *header, buckets []uint32, weights []int8) ([]byte, error) {
	hj, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("emotion: encoding header: %w", err)
	}
	var payload bytes.Buffer
	payload.Grow(len(hj) + len(buckets)*3 + len(weights) + 8)
	var u32 [4]byte
	binary.LittleEndian.PutUint32(u32[:], uint32(len(hj)))
	payload.Write(u32[:])
	payload.Write(hj)
	prev := uint32(0)
	for i, b := range buckets {
		d := b - prev
		if i == 0 {
			d = b
		}
		payload.Write(binary.AppendUvarint(nil, uint64(d)))
		prev = b
	}
	for _, w := range weights {
		payload.WriteByte(byte(w))
	}
	var z bytes.Buffer
	zw, err := gzip.NewWriterLevel(&z, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(payload.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	out := make([]byte, 0, prefixLen+z.Len()+sha256.Size)
	out = append(out, magic...)
	out = binary.LittleEndian.AppendUint16(out, formatVersion)
	out = binary.LittleEndian.AppendUint16(out, flagGzip)
	out = binary.LittleEndian.AppendUint64(out, uint64(z.Len()))
	out = append(out, z.Bytes()...)
	sum := sha256.Sum256(out)
	return append(out, sum[:]...), nil
}

// Load reads a model file from r, verifying its magic bytes, format
// version and SHA-256 before parsing it. It refuses anything else with an
// error wrapping ErrNotModel, ErrVersion, ErrChecksum or ErrCorrupt.
func Load(r io.Reader) (*Model, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("emotion: reading model: %w", err)
	}
	if len(raw) > maxFileSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrCorrupt, maxFileSize)
	}
	return decode(raw)
}

// LoadFile reads the model file at path (see Load).
func LoadFile(path string) (*Model, error) {
	f, err := os.Open(path) // #nosec G304 -- the model path is operator configuration (--model, SAMO_MODEL_FILE)
	if err != nil {
		return nil, fmt.Errorf("emotion: %w", err)
	}
	defer f.Close()
	m, err := Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func decode(raw []byte) (*Model, error) {
	if len(raw) < len(magic) {
		if strings.HasPrefix(magic, string(raw)) {
			return nil, fmt.Errorf("%w: truncated (%d bytes)", ErrCorrupt, len(raw))
		}
		return nil, ErrNotModel
	}
	if string(raw[:len(magic)]) != magic {
		return nil, ErrNotModel
	}
	if len(raw) < prefixLen+sha256.Size {
		return nil, fmt.Errorf("%w: truncated (%d bytes)", ErrCorrupt, len(raw))
	}
	if v := binary.LittleEndian.Uint16(raw[8:]); v != formatVersion {
		return nil, fmt.Errorf("%w %d (this build reads version %d)", ErrVersion, v, formatVersion)
	}
	flags := binary.LittleEndian.Uint16(raw[10:])
	n := binary.LittleEndian.Uint64(raw[12:])
	if flags&^flagGzip != 0 || n != uint64(len(raw)-prefixLen-sha256.Size) {
		return nil, fmt.Errorf("%w: bad flags or payload length (truncated?)", ErrCorrupt)
	}
	body := raw[:len(raw)-sha256.Size]
	sum := sha256.Sum256(body)
	if subtle.ConstantTimeCompare(sum[:], raw[len(body):]) != 1 {
		return nil, ErrChecksum
	}
	payload := body[prefixLen:]
	if flags&flagGzip != 0 {
		zr, err := gzip.NewReader(bytes.NewReader(payload))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		p, err := io.ReadAll(io.LimitReader(zr, maxPayloadSize+1))
		if err != nil || len(p) > maxPayloadSize {
			return nil, fmt.Errorf("%w: bad compressed payload", ErrCorrupt)
		}
		payload = p
	}
	m, err := parsePayload(payload)
	if err != nil {
		return nil, err
	}
	m.checksum = sum
	m.size = len(raw)
	return m, nil
}

func parsePayload(p []byte) (*Model, error) {
	if len(p) < 4 {
		return nil, fmt.Errorf("%w: short payload", ErrCorrupt)
	}
	hl := binary.LittleEndian.Uint32(p)
	if uint64(hl) > uint64(len(p)-4) {
		return nil, fmt.Errorf("%w: header length", ErrCorrupt)
	}
	var h header
	dec := json.NewDecoder(bytes.NewReader(p[4 : 4+hl]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrCorrupt, err)
	}
	if err := h.validate(); err != nil {
		return nil, err
	}
	rest := p[4+hl:]
	if h.Rows > len(rest) {
		return nil, fmt.Errorf("%w: %d rows in %d bytes", ErrCorrupt, h.Rows, len(rest))
	}
	buckets := make([]uint32, h.Rows)
	bucket := uint64(0)
	for r := range buckets {
		d, k := binary.Uvarint(rest)
		if k <= 0 || (r > 0 && d == 0) {
			return nil, fmt.Errorf("%w: row %d bucket", ErrCorrupt, r)
		}
		rest = rest[k:]
		bucket += d
		if bucket >= 1<<h.Features.Bits {
			return nil, fmt.Errorf("%w: row %d bucket out of range", ErrCorrupt, r)
		}
		buckets[r] = uint32(bucket)
	}
	if len(rest) != h.Rows*h.Outputs {
		return nil, fmt.Errorf("%w: weights are %d bytes, want %d", ErrCorrupt, len(rest), h.Rows*h.Outputs)
	}
	weights := make([]int8, len(rest))
	for i, b := range rest {
		weights[i] = int8(b)
	}
	return assemble(h, buckets, weights)
}

// assemble builds a Model from a validated header, the strictly increasing
// bucket of each row and the row-major weights.
func assemble(h header, buckets []uint32, weights []int8) (*Model, error) {
	if err := h.validate(); err != nil {
		return nil, err
	}
	if len(buckets) != h.Rows || len(weights) != h.Rows*h.Outputs {
		return nil, fmt.Errorf("%w: %d rows of weights for %d rows", ErrCorrupt, len(buckets), h.Rows)
	}
	m := &Model{h: h, index: make([]int32, 1<<h.Features.Bits)}
	m.packed, m.stride = pack(weights, h.Outputs)
	for i := range m.index {
		m.index[i] = -1
	}
	for r, b := range buckets {
		if int(b) >= len(m.index) || (r > 0 && b <= buckets[r-1]) {
			return nil, fmt.Errorf("%w: row %d bucket", ErrCorrupt, r)
		}
		m.index[b] = int32(r)
	}
	return m, nil
}

// validate checks that the header is self-consistent, so Predict can index
// without further checks.
func (h *header) validate() error {
	bad := func(what string) error { return fmt.Errorf("%w: header: %s", ErrCorrupt, what) }
	nl, ne := len(h.Labels), len(h.EkmanLabels)
	switch {
	case h.Name == "" || h.Release == "":
		return bad("name")
	case !h.Features.validate():
		return bad("features")
	case nl == 0 || ne == 0 || nl+ne > maxOutputs:
		return bad("labels")
	case len(h.EkmanOf) != nl:
		return bad("ekman mapping")
	case h.Rows < 0 || h.Rows > 1<<h.Features.Bits:
		return bad("rows")
	case len(h.Bias) != h.Outputs || len(h.Scale) != h.Outputs:
		return bad("bias/scale")
	case len(h.Calibration) != nl || len(h.Thresholds) != nl:
		return bad("calibration")
	case len(h.EkmanCalibration) != ne || len(h.EkmanThresholds) != ne:
		return bad("ekman calibration")
	}
	switch h.EkmanMode {
	case ekmanOwn, ekmanBlend:
		if h.Outputs != nl+ne {
			return bad("outputs")
		}
	case ekmanNoisyOr, ekmanMax:
		if h.Outputs != nl && h.Outputs != nl+ne {
			return bad("outputs")
		}
	default:
		return bad("ekman mode")
	}
	for _, e := range h.EkmanOf {
		if e < 0 || e >= ne {
			return bad("ekman mapping")
		}
	}
	finite := func(xs ...float64) bool {
		return !slices.ContainsFunc(xs, func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) })
	}
	if !finite(h.Bias...) || !finite(h.Scale...) || !finite(h.Thresholds...) || !finite(h.EkmanThresholds...) {
		return bad("non-finite parameters")
	}
	for _, c := range append(slices.Clone(h.Calibration), h.EkmanCalibration...) {
		if !finite(c[0], c[1]) {
			return bad("non-finite calibration")
		}
	}
	return nil
}
