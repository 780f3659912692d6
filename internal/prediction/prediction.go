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

	"github.com/samo-brain/samo/internal/crypto"
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
	Terms        [][]byte // blind-index terms; written with the record, never read back
}

// Query selects records for listing. UserID "" means every user.
type Query struct {
	UserID  string
	Emotion string
	Term    []byte // blind-index term of one searched word
	Limit   int
	After   Cursor
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

// Store persists predictions. Implementations keep a record, its emotion
// rows and its terms consistent (one transaction).
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
func AAD(id string) []byte { return crypto.AAD("predictions", "text", id) }
