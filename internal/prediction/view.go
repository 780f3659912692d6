package prediction

import (
	"context"
	"errors"

	"github.com/samo-brain/samo/internal/seal"
	"github.com/samo-brain/samo/internal/secevent"
)

// AnalystView is what a reader who is neither a prediction's owner nor an
// admin (an analyst) reads of it (ANALYST_TEXT_VIEW).
type AnalystView string

// The analyst views.
const (
	// AnalystAnonymized shows the Security Guide's mask_predictions view:
	// PII replaced by "<TYPE>" tags and every other word starred but its
	// first and last letter (words of up to three characters entirely).
	// The default.
	AnalystAnonymized AnalystView = "anonymized"
	// AnalystPIIMasked shows the text with only PII replaced by tags: the
	// words stay readable, so analysts can judge the model's answers, at
	// the cost of reading what users wrote.
	AnalystPIIMasked AnalystView = "pii_masked"
)

// Valid reports whether v is one of the views.
func (v AnalystView) Valid() bool { return v == AnalystAnonymized || v == AnalystPIIMasked }

func (v AnalystView) orDefault() AnalystView {
	if v.Valid() {
		return v
	}
	return AnalystAnonymized
}

// AnalystView returns the view analysts get, so other parts (search, the
// dashboard) can apply the same rule: under AnalystAnonymized an analyst
// must not be able to find a record by a word hidden from them.
func (s *Service) AnalystView() AnalystView { return s.view }

// hide replaces what an analyst may not read in r, whatever the view: the
// user id becomes its keyed pseudonym and the key id is dropped (it names
// a user too); the text is anonymized or PII-masked.
func (s *Service) hide(r *Record) {
	if s.view == AnalystPIIMasked {
		r.Text = s.masker.MaskText(r.Text)
	} else {
		r.Text = s.masker.AnonymizeText(r.Text)
	}
	r.UserID = s.masker.Pseudonym(r.UserID)
	r.KeyID = ""
}

// Pseudonym returns the keyed pseudonym analysts see for userID, so other
// surfaces (the dashboard's event list) show users the same way.
func (s *Service) Pseudonym(userID string) string {
	if userID == "" {
		return ""
	}
	return s.masker.Pseudonym(userID)
}

// noteTampered records a critical ciphertext_tampered event when r's sealed
// text fails authentication or is malformed: someone with write access to
// the database changed it, or moved it from another row. The event names
// the record, not the reader (whose request merely found it), so the
// incident playbook blocks no address and suspends no key; it alerts.
func (s *Service) noteTampered(r *Record, err error) {
	if !errors.Is(err, seal.ErrAuth) && !errors.Is(err, seal.ErrMalformed) {
		return
	}
	s.events.Record(context.Background(), secevent.New(context.Background(), secevent.CiphertextTampered, secevent.Critical, s.now(),
		map[string]string{"prediction_id": r.ID, "text_key_id": r.TextKeyID, "column": "predictions.text"}))
}
