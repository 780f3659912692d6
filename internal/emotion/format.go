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
//
// and, in version 2 when header.Dense is set (the word-vector block):
//
//	hashes      Dense.Words uint64: the hash of each vocabulary word
//	vectors     Dense.Words × Dense.Dims int8
//	dense       features × header.Outputs float32 weights of the pooled features
//
// and, in version 3 when Dense.Lexicon is set (the seed lexicon):
//
//	lexicon     Dense.Words uint16: the lexicon classes of each word (bit c: class c)
//
// and, in version 6 when Dense.Clusters is set (word clusters):
//
//	clusters    Dense.Words uint16: the word cluster of each word
//
// (the dense weights then also cover the 2 × Dense.Clusters cluster
// counts, see denseInfo.Clusters).
//
// Version 4 has the same layout; its header records the stacking of the
// GoEmotions outputs or the threshold smoothing (train.stack_lambda,
// train.threshold_bandwidth), which older builds do not know. A file is
// written with the lowest version that holds it (3 without those fields,
// so version 3 models stay byte for byte what they were). Version 5 has
// the same layout too; its header records that the weights were trained
// on train + dev (train.dev_in_train). Version 7 has the layout of
// version 6; its header records that the GoEmotions thresholds were tuned
// on out-of-fold train scores too (train.oof_folds), and version 8 that
// a softmax was stacked into the GoEmotions outputs (train.softmax_c).
// Version 1 files (no word vectors, no negation, no primary rule),
// version 2 files (no lexicon), version 3, 4, 5, 6 and 7 files are still
// read.
const (
	formatVersion    = 8
	minFormatVersion = 1
	flagGzip         = 1
	prefixLen        = 8 + 2 + 2 + 8
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
	// Dense describes the word-vector block (version 2; nil without one).
	Dense *denseInfo `json:"dense,omitempty"`
	// Primary is the rule that picks the primary emotion (version 2; nil
	// means the most probable label).
	Primary *PrimaryRule `json:"primary,omitempty"`
	// Ensemble records how the weights were made (version 3; nil: one
	// model). It is information only: prediction reads the merged weights.
	Ensemble *EnsembleInfo `json:"ensemble,omitempty"`
}

// denseParts is the binary part of the word-vector block.
type denseParts struct {
	hashes []uint64
	vecs   []int8
	w      []float32 // features × outputs
	lex    []uint16  // lexicon mask per word (nil without a lexicon)
	// clusters is the word cluster of each word (nil without clusters).
	clusters []uint16
}

// encode writes the model file for h, the sorted bucket of each row and the
// row-major weights.
func encode(h *header, buckets []uint32, weights []int8, dp *denseParts) ([]byte, error) {
	if (h.Dense == nil) != (dp == nil) {
		return nil, fmt.Errorf("%w: word-vector block without its header or data", ErrCorrupt)
	}
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
	if h.Dense != nil {
		var b8 [8]byte
		for _, x := range dp.hashes {
			binary.LittleEndian.PutUint64(b8[:], x)
			payload.Write(b8[:])
		}
		for _, x := range dp.vecs {
			payload.WriteByte(byte(x))
		}
		for _, x := range dp.w {
			binary.LittleEndian.PutUint32(b8[:4], math.Float32bits(x))
			payload.Write(b8[:4])
		}
		for _, x := range dp.lex {
			binary.LittleEndian.PutUint16(b8[:2], x)
			payload.Write(b8[:2])
		}
		for _, x := range dp.clusters {
			binary.LittleEndian.PutUint16(b8[:2], x)
			payload.Write(b8[:2])
		}
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
	out = binary.LittleEndian.AppendUint16(out, h.version())
	out = binary.LittleEndian.AppendUint16(out, flagGzip)
	out = binary.LittleEndian.AppendUint64(out, uint64(z.Len()))
	out = append(out, z.Bytes()...)
	sum := sha256.Sum256(out)
	return append(out, sum[:]...), nil
}

// version returns the format version encode writes for h: 8 when a
// softmax was stacked, 7 when the
// thresholds were tuned out of fold, 6 with word clusters, 5 when the
// weights were trained on train + dev, 4 when the header records version
// 4 training options, else 3 (the highest version whose readers know
// every other field).
func (h *header) version() uint16 {
	if h.Train.Softmax > 0 {
		return 8
	}
	if h.Train.OOFFolds > 0 {
		return 7
	}
	if h.Dense != nil && h.Dense.Clusters > 0 {
		return 6
	}
	if h.Train.DevInTrain {
		return 5
	}
	if h.Train.StackLambda != 0 || h.Train.ThresholdBandwidth != 0 {
		return 4
	}
	return 3
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
	version := binary.LittleEndian.Uint16(raw[8:])
	if version < minFormatVersion || version > formatVersion {
		return nil, fmt.Errorf("%w %d (this build reads versions %d to %d; a newer SAMO wrote this file?)", ErrVersion, version, minFormatVersion, formatVersion)
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
	m, err := parsePayload(payload, version)
	if err != nil {
		return nil, err
	}
	m.checksum = sum
	m.version = fmt.Sprintf("%s-%s+%x", m.h.Name, m.h.Release, sum[:4])
	m.size = len(raw)
	return m, nil
}

func parsePayload(p []byte, version uint16) (*Model, error) {
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
	if version < 2 && (h.Dense != nil || h.Primary != nil || h.Features.Negation) {
		return nil, fmt.Errorf("%w: version 1 file with version 2 fields", ErrCorrupt)
	}
	lexicon := h.Dense != nil && len(h.Dense.Lexicon) > 0
	if version < 3 && (lexicon || h.Ensemble != nil) {
		return nil, fmt.Errorf("%w: version %d file with version 3 fields", ErrCorrupt, version)
	}
	if version < 4 && (h.Train.StackLambda != 0 || h.Train.ThresholdBandwidth != 0) {
		return nil, fmt.Errorf("%w: version %d file with version 4 fields", ErrCorrupt, version)
	}
	if version < 5 && h.Train.DevInTrain {
		return nil, fmt.Errorf("%w: version %d file with version 5 fields", ErrCorrupt, version)
	}
	clusters := h.Dense != nil && h.Dense.Clusters > 0
	if version < 6 && clusters {
		return nil, fmt.Errorf("%w: version %d file with version 6 fields", ErrCorrupt, version)
	}
	if version < 7 && h.Train.OOFFolds != 0 {
		return nil, fmt.Errorf("%w: version %d file with version 7 fields", ErrCorrupt, version)
	}
	if version < 8 && h.Train.Softmax != 0 {
		return nil, fmt.Errorf("%w: version %d file with version 8 fields", ErrCorrupt, version)
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
	nw := h.Rows * h.Outputs
	want := nw
	var dp *denseParts
	if h.Dense != nil {
		want += h.Dense.Words*(8+h.Dense.Dims) + 4*h.Dense.features()*h.Outputs
		if lexicon {
			want += 2 * h.Dense.Words
		}
		if clusters {
			want += 2 * h.Dense.Words
		}
	}
	if len(rest) != want {
		return nil, fmt.Errorf("%w: weights are %d bytes, want %d", ErrCorrupt, len(rest), want)
	}
	weights := make([]int8, nw)
	for i, b := range rest[:nw] {
		weights[i] = int8(b)
	}
	rest = rest[nw:]
	if h.Dense != nil {
		dp = &denseParts{hashes: make([]uint64, h.Dense.Words), vecs: make([]int8, h.Dense.Words*h.Dense.Dims), w: make([]float32, h.Dense.features()*h.Outputs)}
		for i := range dp.hashes {
			dp.hashes[i] = binary.LittleEndian.Uint64(rest[8*i:])
		}
		rest = rest[8*len(dp.hashes):]
		for i := range dp.vecs {
			dp.vecs[i] = int8(rest[i])
		}
		rest = rest[len(dp.vecs):]
		for i := range dp.w {
			x := math.Float32frombits(binary.LittleEndian.Uint32(rest[4*i:]))
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, fmt.Errorf("%w: non-finite dense weight", ErrCorrupt)
			}
			dp.w[i] = x
		}
		rest = rest[4*len(dp.w):]
		if lexicon {
			dp.lex = make([]uint16, h.Dense.Words)
			for i := range dp.lex {
				dp.lex[i] = binary.LittleEndian.Uint16(rest[2*i:])
			}
			rest = rest[2*len(dp.lex):]
		}
		if clusters {
			dp.clusters = make([]uint16, h.Dense.Words)
			for i := range dp.clusters {
				dp.clusters[i] = binary.LittleEndian.Uint16(rest[2*i:])
			}
		}
	}
	return assemble(h, buckets, weights, dp)
}

// assemble builds a Model from a validated header, the strictly increasing
// bucket of each row and the row-major weights.
func assemble(h header, buckets []uint32, weights []int8, dp *denseParts) (*Model, error) {
	if err := h.validate(); err != nil {
		return nil, err
	}
	if (h.Dense == nil) != (dp == nil) {
		return nil, fmt.Errorf("%w: word-vector block", ErrCorrupt)
	}
	if len(buckets) != h.Rows || len(weights) != h.Rows*h.Outputs {
		return nil, fmt.Errorf("%w: %d rows of weights for %d rows", ErrCorrupt, len(buckets), h.Rows)
	}
	m := &Model{h: h, index: make([]int32, 1<<h.Features.Bits),
		neutral: slices.Index(h.Labels, "neutral"), ekNeutral: slices.Index(h.EkmanLabels, "neutral")}
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
	if dp != nil {
		if len(dp.w) != h.Dense.features()*h.Outputs {
			return nil, fmt.Errorf("%w: dense weights", ErrCorrupt)
		}
		vt, err := newVecTable(*h.Dense, dp.hashes, dp.vecs, dp.lex)
		if err != nil {
			return nil, err
		}
		if err := vt.setClusters(dp.clusters); err != nil {
			return nil, err
		}
		m.vt, m.dense = vt, dp.w
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
	case h.Dense != nil && !h.Dense.validate():
		return bad("word vectors")
	case h.Primary != nil && (!h.Primary.validate(nl, ne) || !slices.Contains(h.Labels, "neutral") || !slices.Contains(h.EkmanLabels, "neutral")):
		return bad("primary rule")
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
