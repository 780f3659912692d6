package prediction

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/samo-brain/samo/internal/randid"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/seal"
	"github.com/samo-brain/samo/internal/secevent"
)

// Sealer encrypts stored text (the crypto keyring). Sealed values carry
// their key id (seal.KeyID).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Masker hides text and user ids from readers who may not see them (see
// view.go), and finds personal data when a text is stored so that its words
// are indexed apart.
type Masker interface {
	// MaskText replaces PII with "<TYPE>" tags.
	MaskText(text string) string
	// AnonymizeText replaces PII with tags and stars every other word but
	// its first and last letter.
	AnonymizeText(text string) string
	// Pseudonym returns a keyed, stable stand-in for a user id.
	Pseudonym(userID string) string
	// PIISpans returns the byte ranges of text that are personal data. It
	// runs on every stored text, so it may find a cheaper superset of what
	// MaskText hides, but never less: words of digits are always treated as
	// personal data by the index, so detectors of digit-only data (phone
	// numbers, cards, SSNs) may be left out.
	PIISpans(text string) []Span
}

// Service runs, stores and reads predictions.
type Service struct {
	predictor Predictor
	store     *groupCommit
	sealer    Sealer
	index     *BlindIndex
	masker    Masker
	view      AnalystView
	events    secevent.Recorder
	labels    map[string][]string
	now       func() time.Time
}

// Deps are the Service's dependencies; all are required.
type Deps struct {
	Predictor Predictor
	Store     Store
	Sealer    Sealer
	Index     *BlindIndex
	Masker    Masker
	// AnalystView is what analysts read of other users' text; "" means
	// AnalystAnonymized.
	AnalystView AnalystView
	Events      secevent.Recorder
	Labels      map[string][]string // taxonomy → labels (feedback validation)
	Now         func() time.Time
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	// Concurrent saves share transactions (groupcommit.go).
	return &Service{predictor: d.Predictor, store: newGroupCommit(d.Store), sealer: d.Sealer, index: d.Index,
		masker: d.Masker, view: d.AnalystView.orDefault(), events: d.Events, labels: d.Labels, now: d.Now}
}

// Input is one validated text to predict.
type Input struct {
	Text      string // validated, NFC-normalised
	Taxonomy  string
	Threshold *float64
	Flags     []string // accepted-but-flagged detection classes
}

// ItemResult is the outcome of one batch item: a record or an error.
type ItemResult struct {
	Record Record
	Err    error
}

// ErrNoPrincipal is returned when a call has no authenticated principal.
var ErrNoPrincipal = errors.New("prediction: no authenticated principal")

// ErrSearchNotAllowed is returned when an analyst searches by word while
// analysts see no word whole (anonymized text).
var ErrSearchNotAllowed = errors.New("prediction: word search is not available to analysts")

// Predict runs the model on one text, stores the sealed result and returns
// it with the plaintext set.
func (s *Service) Predict(ctx context.Context, in Input) (Record, error) {
	res := s.PredictBatch(ctx, []Input{in})
	return res[0].Record, res[0].Err
}

// PredictBatch runs the model on each input and stores every successful
// result in one transaction. Items fail independently; a storage failure
// fails every item (nothing is acknowledged that was not stored).
func (s *Service) PredictBatch(ctx context.Context, ins []Input) []ItemResult {
	out := make([]ItemResult, len(ins))
	p, ok := reqctx.PrincipalFrom(ctx)
	if !ok {
		for i := range out {
			out[i].Err = ErrNoPrincipal
		}
		return out
	}
	requestID := ""
	if info, ok := reqctx.From(ctx); ok {
		requestID = info.RequestID
	}
	// Concurrent callers share a commit: announce this one so that a commit
	// starting while it predicts waits for it (groupcommit.go).
	s.store.expect()
	saving := false
	defer func() {
		if !saving {
			s.store.unexpect()
		}
	}()
	now := s.now().UTC()
	var recs []Record
	var idx []int
	for i, in := range ins {
		res, err := s.predictor.Predict(ctx, in.Text, in.Taxonomy, in.Threshold)
		if err != nil {
			out[i].Err = err
			continue
		}
		r := Record{
			ID: randid.Timed("pred_", now), UserID: p.UserID, KeyID: p.KeyID, Text: in.Text, TextChars: utf8.RuneCountInString(in.Text),
			Taxonomy: in.Taxonomy, Emotions: res.Emotions, Primary: res.Primary, Confidence: res.Confidence,
			ModelVersion: res.ModelVersion, RequestID: requestID, Flags: in.Flags, CreatedAt: now,
		}
		r.Sealed, err = s.sealer.Seal([]byte(in.Text), AAD(r.ID))
		if err != nil {
			out[i].Err = fmt.Errorf("prediction: seal: %w", err)
			continue
		}
		r.TextKeyID, _ = seal.KeyID(r.Sealed)
		r.Terms, r.PIITerms = s.index.Index(in.Text, s.masker.PIISpans(in.Text))
		recs = append(recs, r)
		idx = append(idx, i)
	}
	if len(recs) == 0 {
		return out
	}
	saving = true
	if err := s.store.saveExpected(ctx, recs); err != nil {
		for _, i := range idx {
			out[i].Err = fmt.Errorf("prediction: save: %w", err)
		}
		return out
	}
	for j, i := range idx {
		recs[j].Terms, recs[j].PIITerms = nil, nil
		out[i].Record = recs[j]
	}
	return out
}

// ListParams are a caller's listing filters.
type ListParams struct {
	Emotion string
	Word    string // blind-index search for one word
	Limit   int
	Cursor  Cursor
}

// List returns the predictions the caller may read, newest first, with the
// cursor of the next page (zero at the end). Users see their own; analysts
// see everyone's with PII masked; admins see plaintext, and each such read is
// a security event.
//
// A word search finds the words the caller can see: users and admins
// search every word; analysts only words outside personal data, and only
// under the pii_masked view (ErrSearchNotAllowed under the anonymized view,
// where no word is shown whole); each analyst search is a security event.
func (s *Service) List(ctx context.Context, lp ListParams) ([]Record, Cursor, error) {
	p, ok := reqctx.PrincipalFrom(ctx)
	if !ok || !p.Can(rbac.ReadPredictions) {
		return nil, Cursor{}, ErrNoPrincipal
	}
	q := Query{Emotion: lp.Emotion, Limit: lp.Limit, After: lp.Cursor}
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 20
	}
	if !seesAll(p) {
		q.UserID = p.UserID
	}
	analyst := p.Role == rbac.RoleAnalyst
	if lp.Word != "" {
		if analyst && s.view != AnalystPIIMasked {
			return nil, Cursor{}, ErrSearchNotAllowed
		}
		term, ok := s.index.Term(lp.Word)
		if !ok {
			return nil, Cursor{}, nil
		}
		q.Term, q.TermInPII = term, !analyst
	}
	q.Limit++ // one extra row tells whether there is a next page
	recs, err := s.store.ListPredictions(ctx, q)
	if err != nil {
		return nil, Cursor{}, err
	}
	var next Cursor
	if len(recs) == q.Limit {
		recs = recs[:q.Limit-1]
		last := recs[len(recs)-1]
		next = Cursor{At: last.CreatedAt, ID: last.ID}
	}
	for i := range recs {
		if err := s.reveal(p, &recs[i]); err != nil {
			return nil, Cursor{}, err
		}
	}
	s.notePlaintextRead(ctx, p, len(recs))
	if analyst && lp.Word != "" {
		// Medium, not low: low events repeated within a minute are folded
		// into one, and each search of everyone's texts is audited.
		s.events.Record(ctx, secevent.New(ctx, secevent.AnalystSearch, secevent.Medium, s.now(),
			map[string]string{"records": strconv.Itoa(len(recs))}))
	}
	return recs, next, nil
}

// Get returns one prediction the caller may read; another user's id is
// ErrNotFound, exactly like an id that does not exist.
func (s *Service) Get(ctx context.Context, id string) (Record, error) {
	p, ok := reqctx.PrincipalFrom(ctx)
	if !ok || !p.Can(rbac.ReadPredictions) {
		return Record{}, ErrNoPrincipal
	}
	r, err := s.store.PredictionByID(ctx, id)
	if err != nil {
		return Record{}, err
	}
	if !seesAll(p) && r.UserID != p.UserID {
		return Record{}, ErrNotFound
	}
	if err := s.reveal(p, &r); err != nil {
		return Record{}, err
	}
	s.notePlaintextRead(ctx, p, 1)
	return r, nil
}

// Delete removes one of the caller's predictions (admins: anyone's) with its
// index entries and feedback.
func (s *Service) Delete(ctx context.Context, id string) error {
	p, ok := reqctx.PrincipalFrom(ctx)
	if !ok || !p.Can(rbac.WritePredictions) {
		return ErrNoPrincipal
	}
	owner := p.UserID
	if p.Can(rbac.Admin) {
		owner = ""
	}
	if err := s.store.DeletePrediction(ctx, id, owner); err != nil {
		return err
	}
	s.events.Record(ctx, secevent.New(ctx, secevent.DataErased, secevent.Low, s.now(),
		map[string]string{"prediction_id": id}))
	return nil
}

// EraseUser removes every prediction of userID (an admin action).
func (s *Service) EraseUser(ctx context.Context, userID string) (int, error) {
	n, err := s.store.DeleteUserPredictions(ctx, userID)
	if err != nil {
		return 0, err
	}
	s.events.Record(ctx, secevent.New(ctx, secevent.DataErased, secevent.Medium, s.now(),
		map[string]string{"erased_user": userID, "predictions": strconv.Itoa(n)}))
	return n, nil
}

// Purge deletes predictions older than retention; it returns how many.
func (s *Service) Purge(ctx context.Context, retention time.Duration) (int, error) {
	if retention <= 0 {
		return 0, nil
	}
	return s.store.PurgePredictions(ctx, s.now().Add(-retention))
}

// Feedback stores the true labels of a prediction the caller may read;
// every label must belong to the prediction's taxonomy. The text is not
// opened.
func (s *Service) Feedback(ctx context.Context, id string, labels []string) error {
	p, ok := reqctx.PrincipalFrom(ctx)
	if !ok {
		return ErrNoPrincipal
	}
	r, err := s.store.PredictionByID(ctx, id)
	if err != nil {
		return err
	}
	if !seesAll(p) && r.UserID != p.UserID {
		return ErrNotFound
	}
	for _, l := range labels {
		if !slices.Contains(s.labels[r.Taxonomy], l) {
			return ErrUnknownLabel
		}
	}
	return s.store.SaveFeedback(ctx, id, p.UserID, labels, s.now())
}

func seesAll(p *reqctx.Principal) bool {
	return p.Role == rbac.RoleAnalyst || p.Role == rbac.RoleAdmin
}

// reveal opens r's sealed text and, unless the caller is its owner or an
// admin, hides it as the analyst view says (view.go).
func (s *Service) reveal(p *reqctx.Principal, r *Record) error {
	pt, err := s.sealer.Open(r.Sealed, AAD(r.ID))
	if err != nil {
		s.noteTampered(r, err)
		return fmt.Errorf("prediction: open %s: %w", r.ID, err)
	}
	r.Text = string(pt)
	if r.UserID != p.UserID && !p.Can(rbac.Admin) {
		s.hide(r)
	}
	return nil
}

func (s *Service) notePlaintextRead(ctx context.Context, p *reqctx.Principal, n int) {
	if n == 0 || !p.Can(rbac.Admin) {
		return
	}
	s.events.Record(ctx, secevent.New(ctx, secevent.PlaintextRead, secevent.Low, s.now(),
		map[string]string{"records": strconv.Itoa(n)}))
}
