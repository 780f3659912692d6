// Package prediction runs and keeps emotion predictions: it asks a Predictor
// (the embedded model or an upstream model server), seals the text before it
// reaches the store, indexes its words blindly for search, and reads records
// back according to the caller's role (users: their own; analysts: everyone's,
// in the AnalystView — anonymized or PII-masked — under user pseudonyms;
// admins: everyone's, plaintext, each read recorded as a security event).
package prediction

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/seal"
)

// Score is one emotion and the model's calibrated confidence in it.
type Score struct {
	Emotion    string  `json:"emotion"`
	Confidence float64 `json:"confidence"`
}

// Result is what a Predictor says about one text.
type Result struct {
	Emotions     []Score // sorted by confidence, never empty
	Primary      string
	Confidence   float64
	ModelVersion string
}

// Predictor turns validated text into emotions. The embedded model and the
// gateway's upstream client both implement it.
type Predictor interface {
	Predict(ctx context.Context, text, taxonomy string, threshold *float64) (Result, error)
	// Ready reports whether the predictor can answer (readiness probe).
	Ready(ctx context.Context) error
}

// Record is a stored prediction. Text is only ever set in memory (after
// Open); the store sees Sealed.
type Record struct {
	ID           string
	UserID       string // for an analyst reading another user's record: the user's pseudonym
	KeyID        string // for an analyst reading another user's record: ""
	Text         string // plaintext or masked text, never persisted
	Sealed       []byte // sealed text as persisted
	TextKeyID    string // keyring key that sealed Sealed
	TextChars    int
	Taxonomy     string
	Emotions     []Score
	Primary      string
	Confidence   float64
	ModelVersion string
	RequestID    string
	Flags        []string // injection classes that were flagged (accepted) on this text
	CreatedAt    time.Time
	// Terms and PIITerms are the packed blind-index terms of the text's
	// words (BlindIndex.Index): written with the record, read back only
	// by searches.
	Terms    []byte
	PIITerms []byte
}

// Query selects records for listing. UserID "" means every user.
type Query struct {
	UserID  string
	Emotion string
	Term    []byte // blind-index term of one searched word
	// TermInPII also matches Term among the words of personal data; only
	// for readers who see the text unmasked.
	TermInPII bool
	Limit     int
	After     Cursor
}

// Cursor is an opaque position in a listing ordered by time then id,
// newest first.
type Cursor struct {
	At time.Time
	ID string
}

// IsZero reports whether c is the start of a listing.
func (c Cursor) IsZero() bool { return c.ID == "" }

// ErrBadCursor is returned by ParseCursor for a cursor this server did not issue.
var ErrBadCursor = errors.New("prediction: invalid cursor")

// String encodes c for a client.
func (c Cursor) String() string {
	if c.IsZero() {
		return ""
	}
	b := make([]byte, 8, 8+len(c.ID))
	binary.BigEndian.PutUint64(b, uint64(c.At.UnixNano()))
	return base64.RawURLEncoding.EncodeToString(append(b, c.ID...))
}

// ParseCursor decodes a client's cursor.
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	if len(s) > 128 {
		return Cursor{}, ErrBadCursor
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) < 9 {
		return Cursor{}, ErrBadCursor
	}
	id := string(b[8:])
	if !strings.HasPrefix(id, "pred_") || strings.ContainsFunc(id, func(r rune) bool { return r < '0' || r > 'z' }) {
		return Cursor{}, ErrBadCursor
	}
	return Cursor{At: time.Unix(0, int64(binary.BigEndian.Uint64(b[:8]))).UTC(), ID: id}, nil
}

// Store persists predictions, one row per record.
type Store interface {
	SavePredictions(ctx context.Context, rs []Record) error
	PredictionByID(ctx context.Context, id string) (Record, error) // ErrNotFound
	ListPredictions(ctx context.Context, q Query) ([]Record, error)
	// DeletePrediction removes a record of userID ("" = any owner); ErrNotFound when none matched.
	DeletePrediction(ctx context.Context, id, userID string) error
	DeleteUserPredictions(ctx context.Context, userID string) (int, error)
	PurgePredictions(ctx context.Context, before time.Time) (int, error)
	SaveFeedback(ctx context.Context, predictionID, userID string, labels []string, at time.Time) error
}

// Sentinel errors.
var (
	ErrNotFound = errors.New("prediction: not found")
	ErrTaxonomy = errors.New("prediction: unknown taxonomy")
	// ErrUnknownLabel: a feedback label is not an emotion of the prediction's taxonomy.
	ErrUnknownLabel = errors.New("prediction: label not in the prediction's taxonomy")
)

// AAD is the associated data binding a sealed text to its row, so sealed
// values cannot be moved between predictions.
func AAD(id string) []byte { return seal.AAD("predictions", "text", id) }

// emotionLabels are the emotions a stored record can carry, each at a fixed
// bit of EmotionBits: the 27 GoEmotions emotions and neutral, in the
// dataset's order (the Ekman labels are among them). The order is part of
// the stored format: append, never reorder.
var emotionLabels = [...]string{
	"admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion",
	"curiosity", "desire", "disappointment", "disapproval", "disgust", "embarrassment",
	"excitement", "fear", "gratitude", "grief", "joy", "love", "nervousness", "optimism",
	"pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral",
}

// EmotionBit returns the bit that stands for emotion in EmotionBits, or 0
// for a name that is not a known emotion.
func EmotionBit(emotion string) uint64 {
	for i, l := range emotionLabels {
		if l == emotion {
			return 1 << i
		}
	}
	return 0
}

// EmotionBits returns the set of emotions in scores as a bit set, so stored
// records can be filtered by emotion without a row per emotion.
func EmotionBits(scores []Score) uint64 {
	var bits uint64
	for _, s := range scores {
		bits |= EmotionBit(s.Emotion)
	}
	return bits
}
