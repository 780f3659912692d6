package validate

import (
	"errors"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ErrInvalid is the sentinel every *FieldError unwraps to, so callers can
// test errors.Is(err, validate.ErrInvalid) without a type assertion.
var ErrInvalid = errors.New("validate: invalid input")

// Field error codes. They are stable API: clients may switch on them.
const (
	CodeTooShort       = "too_short"
	CodeTooLong        = "too_long"
	CodeBlank          = "blank"
	CodeInvalidUTF8    = "invalid_utf8"
	CodeControl        = "control_character"
	CodeBidi           = "bidi_override"
	CodeZeroWidth      = "zero_width"
	CodeCombining      = "combining_marks"
	CodeNoncharacter   = "noncharacter"
	CodeNotFinite      = "not_finite"
	CodeOutOfRange     = "out_of_range"
	defaultTextField   = "text"
	defaultThreshField = "threshold"
)

// MaxCombiningRun is the longest run of combining marks (general categories
// Mn, Mc, Me) accepted on one base character after NFC. It is the limit of
// Unicode's Stream-Safe Text Format (UAX #15): no text in any script needs
// more than 30 non-starters in a row. Writing systems stack at most four or
// five; playful "Zalgo" text in real comments reaches about twenty (the
// GoEmotions corpus has a run of 19) and is accepted, though Detect flags
// it; abusive floods of hundreds, which overflow lines and hide
// neighbouring text, are rejected.
const MaxCombiningRun = 30

// maxZeroWidthRun is the longest accepted run of invisible characters; one
// is legitimate (ZWJ in emoji sequences, ZWNJ in Persian), two in a row are
// not used by any writing system.
const maxZeroWidthRun = 1

// Limits bounds the length of a text, in Unicode code points counted after
// NFC normalisation. A zero MaxLength means no upper bound.
type Limits struct {
	MinLength, MaxLength int
}

// FieldError describes why one field was rejected. Field names the field,
// Code is a stable machine-readable reason, and Message is a fixed English
// sentence that is safe to show to a client: it never contains the input.
type FieldError struct {
	Field, Code, Message string
}

// Error implements error. It contains only the field name and code.
func (e *FieldError) Error() string {
	return "validate: " + e.Field + ": " + e.Code
}

// Unwrap returns ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, code string) *FieldError {
	return &FieldError{Field: field, Code: code, Message: codeMessage(code)}
}

func codeMessage(code string) string {
	switch code {
	case CodeTooShort:
		return "is shorter than the minimum length"
	case CodeTooLong:
		return "is longer than the maximum length"
	case CodeBlank:
		return "contains only white space"
	case CodeInvalidUTF8:
		return "is not valid UTF-8"
	case CodeControl:
		return "contains a control character"
	case CodeBidi:
		return "contains a bidirectional override or isolate character"
	case CodeZeroWidth:
		return "contains a run of invisible zero-width characters"
	case CodeCombining:
		return "contains too many combining marks on one character"
	case CodeNoncharacter:
		return "contains a Unicode noncharacter"
	case CodeNotFinite:
		return "must be a finite number"
	case CodeOutOfRange:
		return "must be between 0 and 1"
	}
	return "is invalid"
}

// Text validates one text field named "text"; see TextField.
func Text(s string, lim Limits) (string, error) {
	return TextField(defaultTextField, s, lim)
}

// TextField checks one text and returns it NFC-normalised. It rejects, with
// a *FieldError naming field: invalid UTF-8; C0 and C1 control characters
// other than tab, line feed and carriage return (DEL included); bidi
// controls that can reorder the display (U+202B, U+202D, U+202E,
// U+2066–U+2069; see isBidiReorder for why U+202A and U+202C pass); runs of two or more
// zero-width or invisible tag characters (single ones occur in emoji and
// Persian); more than MaxCombiningRun combining marks on one character;
// Unicode noncharacters; text made only of white space when MinLength > 0;
// and a length in code points outside lim.
//
// The work is linear in len(s). Input that cannot fit within MaxLength even
// after the most compressing NFC composition is rejected before normalising.
func TextField(field, s string, lim Limits) (string, error) {
	if !utf8.ValidString(s) {
		return "", fieldErr(field, CodeInvalidUTF8)
	}
	// NFC composes at most four code points into one (e.g. U+1F85), so a
	// text with more than 4*MaxLength code points can never fit.
	if lim.MaxLength > 0 && len(s) > 4*lim.MaxLength && utf8.RuneCountInString(s) > 4*lim.MaxLength {
		return "", fieldErr(field, CodeTooLong)
	}
	t := norm.NFC.String(s)
	n, code := scanRunes(t)
	if code != "" {
		return "", fieldErr(field, code)
	}
	if n < lim.MinLength {
		return "", fieldErr(field, CodeTooShort)
	}
	if lim.MaxLength > 0 && n > lim.MaxLength {
		return "", fieldErr(field, CodeTooLong)
	}
	if lim.MinLength > 0 && strings.TrimFunc(t, unicode.IsSpace) == "" {
		return "", fieldErr(field, CodeBlank)
	}
	return t, nil
}

// scanRunes counts the code points of an NFC text and returns the code of
// the first forbidden character or run, if any.
func scanRunes(t string) (n int, code string) {
	var zw, marks int
	flag := -1 // tag characters seen since U+1F3F4 (a subdivision flag), or -1
	for _, r := range t {
		n++
		switch {
		case isForbiddenControl(r):
			return n, CodeControl
		case isBidiReorder(r):
			return n, CodeBidi
		case isNoncharacter(r):
			return n, CodeNoncharacter
		}
		flag = nextFlagState(flag, r)
		if isInvisible(r) && flag < 0 {
			zw++
			if zw > maxZeroWidthRun {
				return n, CodeZeroWidth
			}
		} else {
			zw = 0
		}
		if isMark(r) {
			marks++
			if marks > MaxCombiningRun {
				return n, CodeCombining
			}
		} else {
			marks = 0
		}
	}
	return n, ""
}

// Threshold checks an optional confidence threshold: absent (nil) is valid,
// otherwise it must be a finite number in [0, 1].
func Threshold(v *float64) error {
	if v == nil {
		return nil
	}
	f := *v
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fieldErr(defaultThreshField, CodeNotFinite)
	}
	if f < 0 || f > 1 {
		return fieldErr(defaultThreshField, CodeOutOfRange)
	}
	return nil
}
