package client

import "time"

// Score is one emotion and the model's confidence in it.
type Score struct {
	Emotion    string  `json:"emotion"`
	Confidence float64 `json:"confidence"`
}

// Prediction is a stored prediction.
type Prediction struct {
	ID             string    `json:"id"`
	Text           string    `json:"text"` // masked for analysts
	Emotions       []Score   `json:"emotions"`
	PrimaryEmotion string    `json:"primary_emotion"`
	Confidence     float64   `json:"confidence"`
	Taxonomy       string    `json:"taxonomy"`
	ModelVersion   string    `json:"model_version"`
	RequestID      string    `json:"request_id"`
	Timestamp      time.Time `json:"timestamp"`
	Flags          []string  `json:"flags,omitempty"` // injection classes flagged (but accepted) in the text
}

// PredictOptions are the optional settings of a prediction.
type PredictOptions struct {
	// Threshold keeps emotions with at least this confidence (0-1); nil
	// uses the model's own thresholds. The primary emotion is always kept.
	Threshold *float64
	// Taxonomy is "goemotions" (default, 27 emotions + neutral) or "ekman".
	Taxonomy string
}

// Threshold returns a pointer to t, for PredictOptions.Threshold.
func Threshold(t float64) *float64 { return &t }

// BatchResult is the answer to a batch: one item per text, in order.
type BatchResult struct {
	Results   []BatchItem `json:"results"`
	Count     int         `json:"count"`
	Succeeded int         `json:"succeeded"`
	Failed    int         `json:"failed"`
	RequestID string      `json:"request_id"`
}

// BatchItem is one text's outcome: a prediction or an error.
type BatchItem struct {
	Index      int         `json:"index"`
	Prediction *Prediction `json:"prediction,omitempty"`
	Error      *ItemError  `json:"error,omitempty"`
}

// ItemError is why one batch text failed (e.g. "too_long",
// "injection_html", "upstream_error").
type ItemError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ListOptions filter and page GET /v1/predictions.
type ListOptions struct {
	Emotion string // only predictions with this emotion
	Query   string // only predictions containing this word
	Limit   int    // page size, 1-100 (0: the server's default, 20)
	Cursor  string // NextCursor of the previous page
}

// PredictionPage is one page of predictions, newest first.
type PredictionPage struct {
	Predictions []Prediction `json:"predictions"`
	NextCursor  string       `json:"next_cursor,omitempty"` // "" on the last page
}

// TokenPair is an access token (JWT) and its refresh token.
type TokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"` // seconds
}

// String hides the tokens.
func (TokenPair) String() string { return "client.TokenPair{[redacted]}" }

// GoString hides the tokens from %#v.
func (p TokenPair) GoString() string { return p.String() }

// CreateKeyRequest asks for a new API key. Role applies only when the user
// does not exist yet ("user", "analyst" or "admin"; default "user").
type CreateKeyRequest struct {
	User string `json:"user"`
	Role string `json:"role,omitempty"`
	Name string `json:"name,omitempty"`
}

// CreatedKey is a new API key. Key is its only appearance: store it now.
type CreatedKey struct {
	ID   string `json:"id"`
	Key  string `json:"key"`
	User string `json:"user"`
	Role string `json:"role"`
	Name string `json:"name,omitempty"`
	Note string `json:"note"`
}

// String hides the key.
func (k CreatedKey) String() string { return "client.CreatedKey{ID:" + k.ID + " Key:[redacted]}" }

// GoString hides the key from %#v.
func (k CreatedKey) GoString() string { return k.String() }

// Key is an API key's metadata (never the key itself).
type Key struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	User       string     `json:"user,omitempty"`
	Role       string     `json:"role,omitempty"`
	Name       string     `json:"name"`
	Display    string     `json:"display"` // non-secret prefix for recognising the key
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsed   *time.Time `json:"last_used,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	GraceUntil *time.Time `json:"grace_until,omitempty"`
	ReplacedBy string     `json:"replaced_by,omitempty"`
}

// Health is the liveness answer.
type Health struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}
