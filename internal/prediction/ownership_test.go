package prediction

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/seal"
	"github.com/samo-brain/samo/internal/secevent"
)

// The service's ownership and masking rules, with fakes for everything
// around it: who may read, list, delete and give feedback on which record,
// and what each role sees of another user's text.

var testNow = time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)

// fakeSealer "seals" as aad|plaintext; Open refuses another row's aad with
// seal.ErrAuth, and a value without '|' with a non-authentication error.
type fakeSealer struct{ fail error }

func (f fakeSealer) Seal(pt, aad []byte) ([]byte, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	return append(append(slices.Clone(aad), '|'), pt...), nil
}

func (fakeSealer) Open(sealed, aad []byte) ([]byte, error) {
	i := bytes.LastIndexByte(sealed, '|')
	if i < 0 {
		return nil, errors.New("fake sealer: unreadable")
	}
	if !bytes.Equal(sealed[:i], aad) {
		return nil, seal.ErrAuth
	}
	return sealed[i+1:], nil
}

type fakeMasker struct{}

func (fakeMasker) MaskText(t string) string      { return "masked(" + t + ")" }
func (fakeMasker) AnonymizeText(t string) string { return "anon(" + t + ")" }
func (fakeMasker) Pseudonym(id string) string    { return "pseudo(" + id + ")" }
func (fakeMasker) PIISpans(string) []Span        { return nil }

type fakePredictor struct{ fail string } // texts equal to fail get an error

func (f fakePredictor) Predict(_ context.Context, text, _ string, _ *float64) (Result, error) {
	if text == f.fail {
		return Result{}, errors.New("model refused")
	}
	return Result{Emotions: []Score{{Emotion: "joy", Confidence: 0.9}}, Primary: "joy", Confidence: 0.9, ModelVersion: "m1"}, nil
}
func (fakePredictor) Ready(context.Context) error { return nil }

type events struct {
	mu sync.Mutex
	ev []secevent.Event
}

func (e *events) Record(_ context.Context, ev secevent.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ev = append(e.ev, ev)
}

func (e *events) types() []secevent.Type {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []secevent.Type
	for _, ev := range e.ev {
		out = append(out, ev.Type)
	}
	return out
}

// memStore keeps records in insertion order and remembers the last query,
// delete and feedback it was given.
type memStore struct {
	mu        sync.Mutex
	recs      []Record
	saveErr   error
	lastQuery Query
	delID     string
	delOwner  string
	purgedAt  time.Time
	purges    int
	feedback  []string // "id user label,label"
}

func (m *memStore) SavePredictions(_ context.Context, rs []Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.saveErr != nil {
		return m.saveErr
	}
	m.recs = append(m.recs, rs...)
	return nil
}

func (m *memStore) PredictionByID(_ context.Context, id string) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.recs {
		if r.ID == id {
			return r, nil
		}
	}
	return Record{}, ErrNotFound
}

func (m *memStore) ListPredictions(_ context.Context, q Query) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lastQuery = q
	var out []Record
	for _, r := range m.recs {
		if (q.UserID == "" || r.UserID == q.UserID) && len(out) < q.Limit {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memStore) DeletePrediction(_ context.Context, id, owner string) error {
	m.delID, m.delOwner = id, owner
	return nil
}

func (m *memStore) DeleteUserPredictions(_ context.Context, userID string) (int, error) {
	if userID == "" {
		return 0, errors.New("no user")
	}
	return 3, nil
}

func (m *memStore) PurgePredictions(_ context.Context, before time.Time) (int, error) {
	m.purges++
	m.purgedAt = before
	return 2, nil
}

func (m *memStore) SaveFeedback(_ context.Context, id, userID string, labels []string, _ time.Time) error {
	m.feedback = append(m.feedback, id+" "+userID+" "+strings.Join(labels, ","))
	return nil
}

type fixture struct {
	svc   *Service
	store *memStore
	ev    *events
}

func newFixture(t *testing.T, view AnalystView) *fixture {
	t.Helper()
	f := &fixture{store: &memStore{}, ev: &events{}}
	f.svc = NewService(Deps{
		Predictor: fakePredictor{fail: "fail me"}, Store: f.store, Sealer: fakeSealer{},
		Index: NewBlindIndex(bytes.Repeat([]byte{7}, 32)), Masker: fakeMasker{}, AnalystView: view,
		Events: f.ev, Labels: map[string][]string{"ekman": {"joy", "anger"}}, Now: func() time.Time { return testNow },
	})
	return f
}

func as(role rbac.Role, user string, scope ...rbac.Permission) context.Context {
	p := &reqctx.Principal{UserID: user, Role: role, KeyID: "key_" + user}
	if scope != nil {
		p.Scope = scope
	}
	return reqctx.With(context.Background(), &reqctx.Info{RequestID: "req1", Principal: p})
}

// seed stores one record of alice through the service.
func (f *fixture) seed(t *testing.T, user, text string) Record {
	t.Helper()
	r, err := f.svc.Predict(as(rbac.RoleUser, user), Input{Text: text, Taxonomy: "ekman"})
	if err != nil {
		t.Fatalf("Predict: %v", err)
	}
	return r
}

func TestPredictStoresCallersRecord(t *testing.T) {
	f := newFixture(t, "")
	r := f.seed(t, "alice", "hello there")
	if r.UserID != "alice" || r.KeyID != "key_alice" || r.RequestID != "req1" || r.Text != "hello there" ||
		r.TextChars != 11 || r.Primary != "joy" || !r.CreatedAt.Equal(testNow) {
		t.Errorf("record = %+v", r)
	}
	if r.Terms != nil || r.PIITerms != nil {
		t.Error("index terms returned to the caller")
	}
	stored := f.store.recs[0]
	if !bytes.Equal(stored.Sealed, append(AAD(r.ID), []byte("|hello there")...)) || len(stored.Terms) == 0 {
		t.Errorf("stored sealed %q terms %d", stored.Sealed, len(stored.Terms))
	}
	if _, err := f.svc.Predict(context.Background(), Input{Text: "x"}); !errors.Is(err, ErrNoPrincipal) {
		t.Errorf("no principal: %v", err)
	}
}

func TestPredictBatchItemsFailApart(t *testing.T) {
	f := newFixture(t, "")
	res := f.svc.PredictBatch(as(rbac.RoleUser, "alice"), []Input{{Text: "one"}, {Text: "fail me"}, {Text: "three"}})
	if res[0].Err != nil || res[1].Err == nil || res[2].Err != nil || len(f.store.recs) != 2 {
		t.Fatalf("results %+v, stored %d", res, len(f.store.recs))
	}
	res = f.svc.PredictBatch(context.Background(), []Input{{Text: "a"}, {Text: "b"}})
	for _, r := range res {
		if !errors.Is(r.Err, ErrNoPrincipal) {
			t.Errorf("no principal: %v", r.Err)
		}
	}
	f.store.saveErr = errors.New("disk full")
	res = f.svc.PredictBatch(as(rbac.RoleUser, "alice"), []Input{{Text: "a"}, {Text: "fail me"}, {Text: "b"}})
	if res[0].Err == nil || res[2].Err == nil || res[0].Record.ID != "" {
		t.Errorf("a failed save acknowledged an item: %+v", res)
	}
	f.svc.sealer = fakeSealer{fail: errors.New("no key")}
	if _, err := f.svc.Predict(as(rbac.RoleUser, "alice"), Input{Text: "a"}); err == nil || !strings.Contains(err.Error(), "seal") {
		t.Errorf("seal failure: %v", err)
	}
}

func TestGetOwnership(t *testing.T) {
	for _, view := range []AnalystView{AnalystAnonymized, AnalystPIIMasked} {
		f := newFixture(t, view)
		r := f.seed(t, "alice", "my secret")
		cases := []struct {
			name     string
			ctx      context.Context
			err      error
			text, by string
			keyID    string
		}{
			{"owner", as(rbac.RoleUser, "alice"), nil, "my secret", "alice", "key_alice"},
			{"another user", as(rbac.RoleUser, "bob"), ErrNotFound, "", "", ""},
			{"analyst", as(rbac.RoleAnalyst, "carol"), nil, map[AnalystView]string{AnalystAnonymized: "anon(my secret)", AnalystPIIMasked: "masked(my secret)"}[view], "pseudo(alice)", ""},
			{"analyst owner", as(rbac.RoleAnalyst, "alice"), nil, "my secret", "alice", "key_alice"},
			{"admin", as(rbac.RoleAdmin, "root"), nil, "my secret", "alice", "key_alice"},
			{"no principal", context.Background(), ErrNoPrincipal, "", "", ""},
			{"token without read", as(rbac.RoleUser, "alice", rbac.WritePredictions), ErrNoPrincipal, "", "", ""},
		}
		for _, c := range cases {
			got, err := f.svc.Get(c.ctx, r.ID)
			if !errors.Is(err, c.err) || got.Text != c.text || got.UserID != c.by || got.KeyID != c.keyID {
				t.Errorf("%s/%s: Get = %q by %q key %q, %v; want %q by %q key %q, %v", view, c.name, got.Text, got.UserID, got.KeyID, err, c.text, c.by, c.keyID, c.err)
			}
		}
		if _, err := f.svc.Get(as(rbac.RoleUser, "alice"), "pred_missing"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing id: %v", err)
		}
		if got := f.ev.types(); !slices.Equal(got, []secevent.Type{secevent.PlaintextRead}) {
			t.Errorf("%s: events %v, want one plaintext_read (the admin's)", view, got)
		}
	}
}

func TestGetTamperedText(t *testing.T) {
	f := newFixture(t, "")
	r := f.seed(t, "alice", "hi")
	f.store.recs[0].Sealed = []byte("pred_other|hi") // moved from another row
	if _, err := f.svc.Get(as(rbac.RoleUser, "alice"), r.ID); !errors.Is(err, seal.ErrAuth) {
		t.Fatalf("moved ciphertext: %v", err)
	}
	if got := f.ev.types(); !slices.Equal(got, []secevent.Type{secevent.CiphertextTampered}) {
		t.Errorf("events %v, want ciphertext_tampered", got)
	}
	f.store.recs[0].Sealed = []byte("unreadable")
	if _, err := f.svc.Get(as(rbac.RoleUser, "alice"), r.ID); err == nil {
		t.Fatal("unreadable value opened")
	}
	if n := len(f.ev.types()); n != 1 {
		t.Errorf("a non-authentication failure was reported as tampering (%d events)", n)
	}
	if _, _, err := f.svc.List(as(rbac.RoleUser, "alice"), ListParams{}); err == nil {
		t.Error("List returned a record it could not open")
	}
}

func TestListOwnershipAndPages(t *testing.T) {
	f := newFixture(t, AnalystAnonymized)
	for i := 0; i < 3; i++ {
		f.seed(t, "alice", "a text")
	}
	f.seed(t, "bob", "b text")
	for _, c := range []struct {
		ctx   context.Context
		owner string
		n     int
	}{
		{as(rbac.RoleUser, "alice"), "alice", 3},
		{as(rbac.RoleUser, "bob"), "bob", 1},
		{as(rbac.RoleAnalyst, "carol"), "", 4},
		{as(rbac.RoleAdmin, "root"), "", 4},
	} {
		recs, next, err := f.svc.List(c.ctx, ListParams{})
		if err != nil || len(recs) != c.n || f.store.lastQuery.UserID != c.owner || !next.IsZero() {
			t.Errorf("owner %q: %d records, query user %q, next %v, %v", c.owner, len(recs), f.store.lastQuery.UserID, next, err)
		}
	}
	for _, c := range []struct{ limit, sent int }{{0, 21}, {-1, 21}, {1, 2}, {100, 101}, {101, 21}} {
		if _, _, err := f.svc.List(as(rbac.RoleUser, "alice"), ListParams{Limit: c.limit}); err != nil || f.store.lastQuery.Limit != c.sent {
			t.Errorf("limit %d: store asked for %d, want %d (%v)", c.limit, f.store.lastQuery.Limit, c.sent, err)
		}
	}
	recs, next, err := f.svc.List(as(rbac.RoleUser, "alice"), ListParams{Limit: 2})
	if err != nil || len(recs) != 2 || next.ID != recs[1].ID || !next.At.Equal(recs[1].CreatedAt) {
		t.Errorf("page of 2: %d records, next %+v, %v", len(recs), next, err)
	}
	recs, _, _ = f.svc.List(as(rbac.RoleAnalyst, "carol"), ListParams{})
	for _, r := range recs {
		if !strings.HasPrefix(r.Text, "anon(") || !strings.HasPrefix(r.UserID, "pseudo(") || r.KeyID != "" {
			t.Errorf("analyst saw %+v", r)
		}
	}
	if _, _, err := f.svc.List(context.Background(), ListParams{}); !errors.Is(err, ErrNoPrincipal) {
		t.Errorf("no principal: %v", err)
	}
	if _, _, err := f.svc.List(as(rbac.RoleAnalyst, "carol", rbac.ReadMetrics), ListParams{}); !errors.Is(err, ErrNoPrincipal) {
		t.Errorf("token without read: %v", err)
	}
	want := []secevent.Type{secevent.PlaintextRead}
	if got := f.ev.types(); !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
}

func TestListWordSearch(t *testing.T) {
	f := newFixture(t, AnalystAnonymized)
	f.seed(t, "alice", "happy words")
	if _, _, err := f.svc.List(as(rbac.RoleAnalyst, "carol"), ListParams{Word: "happy"}); !errors.Is(err, ErrSearchNotAllowed) {
		t.Errorf("analyst search under the anonymized view: %v", err)
	}
	term, _ := f.svc.index.Term("happy")
	if _, _, err := f.svc.List(as(rbac.RoleUser, "alice"), ListParams{Word: "happy"}); err != nil ||
		!bytes.Equal(f.store.lastQuery.Term, term) || !f.store.lastQuery.TermInPII {
		t.Errorf("user search: query %+v, %v", f.store.lastQuery, err)
	}
	f.store.lastQuery = Query{}
	if recs, _, err := f.svc.List(as(rbac.RoleUser, "alice"), ListParams{Word: "two words"}); err != nil || recs != nil || f.store.lastQuery.Limit != 0 {
		t.Errorf("unsearchable word reached the store or found %v (%v)", recs, err)
	}
	if n := len(f.ev.types()); n != 0 {
		t.Errorf("%d events for user searches", n)
	}

	f = newFixture(t, AnalystPIIMasked)
	f.seed(t, "alice", "happy words")
	recs, _, err := f.svc.List(as(rbac.RoleAnalyst, "carol"), ListParams{Word: "happy"})
	if err != nil || len(recs) != 1 || f.store.lastQuery.TermInPII || recs[0].Text != "masked(happy words)" {
		t.Errorf("analyst search under pii_masked: %+v, query %+v, %v", recs, f.store.lastQuery, err)
	}
	if got := f.ev.types(); !slices.Equal(got, []secevent.Type{secevent.AnalystSearch}) || f.ev.ev[0].Details["records"] != "1" {
		t.Errorf("events %v", f.ev.ev)
	}
	if _, _, err := f.svc.List(as(rbac.RoleAnalyst, "carol"), ListParams{}); err != nil || len(f.ev.types()) != 1 {
		t.Errorf("an analyst listing without a word was audited as a search (%v)", err)
	}
}

func TestDeleteOwnership(t *testing.T) {
	f := newFixture(t, "")
	for _, c := range []struct {
		ctx   context.Context
		owner string
		err   error
	}{
		{as(rbac.RoleUser, "alice"), "alice", nil},
		{as(rbac.RoleAnalyst, "carol"), "carol", nil},
		{as(rbac.RoleAdmin, "root"), "", nil},
		{context.Background(), "unchanged", ErrNoPrincipal},
		{as(rbac.RoleUser, "alice", rbac.ReadPredictions), "unchanged", ErrNoPrincipal},
	} {
		f.store.delOwner = "unchanged"
		if err := f.svc.Delete(c.ctx, "pred_1"); !errors.Is(err, c.err) || f.store.delOwner != c.owner {
			t.Errorf("delete limited to owner %q (want %q), %v", f.store.delOwner, c.owner, err)
		}
	}
	if got := f.ev.types(); len(got) != 3 || got[0] != secevent.DataErased {
		t.Errorf("events %v, want three data_erased", got)
	}
}

func TestFeedbackOwnership(t *testing.T) {
	f := newFixture(t, "")
	r := f.seed(t, "alice", "text")
	for _, c := range []struct {
		ctx    context.Context
		labels []string
		err    error
	}{
		{as(rbac.RoleUser, "bob"), []string{"joy"}, ErrNotFound},
		{as(rbac.RoleUser, "alice"), []string{"joy", "fear"}, ErrUnknownLabel},
		{context.Background(), []string{"joy"}, ErrNoPrincipal},
		{as(rbac.RoleUser, "alice"), []string{"joy", "anger"}, nil},
		{as(rbac.RoleAnalyst, "carol"), []string{"anger"}, nil},
	} {
		if err := f.svc.Feedback(c.ctx, r.ID, c.labels); !errors.Is(err, c.err) {
			t.Errorf("feedback %v: %v, want %v", c.labels, err, c.err)
		}
	}
	if err := f.svc.Feedback(as(rbac.RoleUser, "alice"), "pred_missing", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing: %v", err)
	}
	want := []string{r.ID + " alice joy,anger", r.ID + " carol anger"}
	if !slices.Equal(f.store.feedback, want) {
		t.Errorf("saved %q, want %q", f.store.feedback, want)
	}
}

func TestEraseAndPurge(t *testing.T) {
	f := newFixture(t, "")
	if n, err := f.svc.EraseUser(context.Background(), "alice"); n != 3 || err != nil {
		t.Errorf("EraseUser = %d, %v", n, err)
	}
	if _, err := f.svc.EraseUser(context.Background(), ""); err == nil {
		t.Error("store error lost")
	}
	if got := f.ev.types(); len(got) != 1 || got[0] != secevent.DataErased || f.ev.ev[0].Details["predictions"] != "3" {
		t.Errorf("events %+v", f.ev.ev)
	}
	for _, ret := range []time.Duration{0, -time.Hour} {
		if n, err := f.svc.Purge(context.Background(), ret); n != 0 || err != nil || f.store.purges != 0 {
			t.Errorf("retention %v purged (%d, %v)", ret, n, err)
		}
	}
	if n, err := f.svc.Purge(context.Background(), time.Hour); n != 2 || err != nil || !f.store.purgedAt.Equal(testNow.Add(-time.Hour)) {
		t.Errorf("Purge = %d, %v, before %v", n, err, f.store.purgedAt)
	}
}

func TestAnalystViewRules(t *testing.T) {
	if !AnalystAnonymized.Valid() || !AnalystPIIMasked.Valid() || AnalystView("plain").Valid() {
		t.Error("Valid")
	}
	if got := newFixture(t, "plain").svc.AnalystView(); got != AnalystAnonymized {
		t.Errorf("unknown view became %q, want the anonymized default", got)
	}
	if got := newFixture(t, AnalystPIIMasked).svc.AnalystView(); got != AnalystPIIMasked {
		t.Errorf("view %q", got)
	}
	s := newFixture(t, "").svc
	if s.Pseudonym("") != "" || s.Pseudonym("alice") != "pseudo(alice)" {
		t.Error("Pseudonym")
	}
}

// TestCursorBounds: cursors up to 128 characters, ids of "pred_" and
// characters '0' to 'z'.
func TestCursorBounds(t *testing.T) {
	at := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	longest := Cursor{At: at, ID: "pred_" + strings.Repeat("a", 83)} // 96 bytes: 128 characters
	if s := longest.String(); len(s) != 128 {
		t.Fatalf("test cursor has %d characters", len(s))
	} else if c, err := ParseCursor(s); err != nil || c.ID != longest.ID || !c.At.Equal(at) {
		t.Errorf("128-character cursor: %+v, %v", c, err)
	}
	tooLong := Cursor{At: at, ID: longest.ID + "aaa"}.String()
	if _, err := ParseCursor(tooLong); !errors.Is(err, ErrBadCursor) {
		t.Errorf("%d-character cursor: %v, want ErrBadCursor", len(tooLong), err)
	}
	for _, id := range []string{"pred_0", "pred_z", "pred_09AZaz_"} {
		if _, err := ParseCursor(Cursor{At: at, ID: id}.String()); err != nil {
			t.Errorf("id %q: %v", id, err)
		}
	}
	for _, id := range []string{"pred_/", "pred_{", "pred_ ", "pred", "usr_1"} {
		if _, err := ParseCursor(Cursor{At: at, ID: id}.String()); !errors.Is(err, ErrBadCursor) {
			t.Errorf("id %q: %v, want ErrBadCursor", id, err)
		}
	}
	// 8 bytes of time and no id at all.
	if _, err := ParseCursor("AAAAAAAAAAA"); !errors.Is(err, ErrBadCursor) {
		t.Errorf("cursor without an id: %v", err)
	}
}
