package config

import (
	"fmt"
	"io"
	"log/slog"
)

// redacted is what every printing path of a Secret produces.
const redacted = "[redacted]"

// Secret holds a secret value (a key, a password, a URL with credentials).
// Every way Go prints or serialises a value — fmt verbs (%v %+v %#v %s %q
// %x ...), log/slog, encoding/json and encoding.TextMarshaler users —
// produces "[redacted]"; only Reveal returns the bytes.
//
// The zero Secret is unset.
type Secret struct {
	b []byte
}

// NewSecret returns a Secret holding a copy of s. An empty s gives an unset
// Secret.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{b: []byte(s)}
}

// Reveal returns a copy of the secret bytes (nil when unset). Callers should
// pass the result straight to the function that needs it and never log it.
func (s Secret) Reveal() []byte {
	if len(s.b) == 0 {
		return nil
	}
	out := make([]byte, len(s.b))
	copy(out, s.b)
	return out
}

// IsSet reports whether the secret holds a non-empty value.
func (s Secret) IsSet() bool { return len(s.b) > 0 }

// Len returns the length of the secret in bytes, so callers can check a size
// without revealing the value.
func (s Secret) Len() int { return len(s.b) }

// String returns "[redacted]".
func (s Secret) String() string { return redacted }

// GoString returns "[redacted]", so %#v never shows the bytes.
func (s Secret) GoString() string { return redacted }

// Format implements fmt.Formatter: every verb and flag prints "[redacted]".
func (s Secret) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, redacted)
}

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON implements json.Marshaler and always yields "[redacted]".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler and always yields
// "[redacted]", for encoders (slog's text handler, XML, YAML) that use it.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Interface guards.
var (
	_ fmt.Stringer   = Secret{}
	_ fmt.GoStringer = Secret{}
	_ fmt.Formatter  = Secret{}
	_ slog.LogValuer = Secret{}
)
