package mask

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// EntityType names a kind of personal data. The names are those of
// Microsoft Presidio, so masked text and reports read the same as in tools
// analysts already know.
type EntityType string

// The entity types Detect finds.
const (
	EmailAddress EntityType = "EMAIL_ADDRESS"
	PhoneNumber  EntityType = "PHONE_NUMBER"
	CreditCard   EntityType = "CREDIT_CARD"
	USSSN        EntityType = "US_SSN"
	IBANCode     EntityType = "IBAN_CODE"
	IPAddress    EntityType = "IP_ADDRESS"
	URL          EntityType = "URL"
)

// AllTypes lists every entity type in overlap priority order: when two
// candidates cover exactly the same text, the earlier type wins.
func AllTypes() []EntityType {
	return []EntityType{URL, EmailAddress, IBANCode, CreditCard, USSSN, IPAddress, PhoneNumber}
}

// Entity is one piece of personal data found in a text. Start and End are
// offsets in code points (runes) of the input, End exclusive; a byte that is
// not valid UTF-8 counts as one code point, as when ranging over a string.
type Entity struct {
	Type  EntityType `json:"type"`
	Start int        `json:"start"`
	End   int        `json:"end"`
}

// MinKeyLen is the shortest pseudonym key NewMasker accepts (the HMAC-SHA256
// block of security: 256 bits).
const MinKeyLen = 32

// DefaultPhoneRegions are the regions whose national formats are tried for
// phone candidates written without a +CC or international prefix, in order.
// US also covers the other NANP countries (CA and the Caribbean).
func DefaultPhoneRegions() []string {
	return []string{"US", "GB", "DE", "FR", "IN", "AU", "BR", "JP"}
}

var (
	// ErrShortKey is returned by NewMasker for a pseudonym key shorter than
	// MinKeyLen bytes.
	ErrShortKey = errors.New("mask: pseudonym key shorter than 32 bytes")
	// ErrUnknownType is returned by NewMasker for an entity type it does not
	// know.
	ErrUnknownType = errors.New("mask: unknown entity type")
	// ErrUnknownRegion is returned by NewMasker for a phone region that
	// libphonenumber does not support.
	ErrUnknownRegion = errors.New("mask: unknown phone region")
)

// Option configures a Masker.
type Option func(*config)

type config struct {
	types   []EntityType
	regions []string
}

// WithTypes restricts detection to the given entity types (default: all).
func WithTypes(types ...EntityType) Option {
	return func(c *config) { c.types = append([]EntityType(nil), types...) }
}

// WithPhoneRegions replaces the regions (ISO 3166 codes such as "US", "GB")
// whose national formats are tried for phone candidates without a country
// code. Numbers written with +CC or an international prefix are recognised
// for every country regardless.
func WithPhoneRegions(regions ...string) Option {
	return func(c *config) { c.regions = append([]string(nil), regions...) }
}

// Masker detects and masks personal data in free text. It holds only
// immutable configuration and is safe for concurrent use.
type Masker struct {
	key     []byte
	enabled [numTypes]bool
	regions []phoneRegion
}

// NewMasker returns a Masker whose pseudonyms are keyed with pseudonymKey
// (at least MinKeyLen bytes; it is copied).
func NewMasker(pseudonymKey []byte, opts ...Option) (*Masker, error) {
	if len(pseudonymKey) < MinKeyLen {
		return nil, ErrShortKey
	}
	c := config{types: AllTypes(), regions: DefaultPhoneRegions()}
	for _, o := range opts {
		o(&c)
	}
	m := &Masker{key: append([]byte(nil), pseudonymKey...)}
	var errs []error
	for _, t := range c.types {
		i := typeIndex(t)
		if i < 0 {
			errs = append(errs, fmt.Errorf("%w: %q", ErrUnknownType, t))
			continue
		}
		m.enabled[i] = true
	}
	supported := phonenumbers.GetSupportedRegions()
	for _, r := range c.regions {
		r = strings.ToUpper(r)
		if !supported[r] {
			errs = append(errs, fmt.Errorf("%w: %q", ErrUnknownRegion, r))
			continue
		}
		m.regions = append(m.regions, newPhoneRegion(r))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// Detect returns the entities found in text, sorted by position and
// non-overlapping (see the package documentation for how overlaps are
// resolved).
func (m *Masker) Detect(text string) []Entity {
	return toEntities(text, m.detect(text))
}

// ByteRanges returns the byte ranges [start, end) of the entities found in
// text, sorted and disjoint: what Mask replaces.
func (m *Masker) ByteRanges(text string) [][2]int {
	spans := m.detect(text)
	out := make([][2]int, len(spans))
	for i, s := range spans {
		out[i] = [2]int{s.start, s.end}
	}
	return out
}

// Mask returns text with every detected entity replaced by "<TYPE>", for
// example "I'm furious at <EMAIL_ADDRESS>", and the entities found, whose
// offsets refer to the input text.
func (m *Masker) Mask(text string) (string, []Entity) {
	spans := m.detect(text)
	if len(spans) == 0 {
		return text, nil
	}
	var b strings.Builder
	n := len(text)
	for _, s := range spans {
		n += len(s.typ) + 2 - (s.end - s.start)
	}
	b.Grow(n)
	prev := 0
	for _, s := range spans {
		b.WriteString(text[prev:s.start])
		b.WriteByte('<')
		b.WriteString(string(s.typ))
		b.WriteByte('>')
		prev = s.end
	}
	b.WriteString(text[prev:])
	return b.String(), toEntities(text, spans)
}

// Pseudonym returns a stable, non-reversible stand-in for value:
// "psn_" followed by the first 128 bits of HMAC-SHA256(key, value) in hex.
// Equal values give equal pseudonyms under one key; without the key the
// pseudonym cannot be recomputed from a guessed value, unlike bare SHA-256.
func (m *Masker) Pseudonym(value string) string {
	mac := hmac.New(sha256.New, m.key)
	mac.Write([]byte(value))
	sum := mac.Sum(nil)
	return "psn_" + hex.EncodeToString(sum[:16])
}

// detect runs every enabled detector and resolves overlaps. The spans it
// returns are in byte offsets, sorted and disjoint.
func (m *Masker) detect(text string) []span {
	var c []span
	if m.enabled[typeIndex(URL)] {
		c = findURLs(text, c)
	}
	if m.enabled[typeIndex(EmailAddress)] {
		c = findEmails(text, c)
	}
	if m.enabled[typeIndex(IBANCode)] {
		c = findIBANs(text, c)
	}
	if m.enabled[typeIndex(CreditCard)] {
		c = findCards(text, c)
	}
	if m.enabled[typeIndex(USSSN)] {
		c = findSSNs(text, c)
	}
	if m.enabled[typeIndex(IPAddress)] {
		c = findIPs(text, c)
	}
	if m.enabled[typeIndex(PhoneNumber)] {
		// Phone candidates inside a span that wins among the other
		// detectors' are not confirmed (they lose to it); inside a span
		// that loses, they are, since they may be all that is left to mask.
		won := resolve(slices.Clone(c))
		c = findPhones(text, m.regions, won, c)
	}
	return resolve(c)
}
