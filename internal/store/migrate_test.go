package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/prediction"
)

// fixtureIndexKey keyed the blind index of testdata/schema-v2.db.
const fixtureIndexKey = "fixture-blind-index-key-0123456789abcdef"

// fixturePredictions are the records in testdata/schema-v2.db, a database
// written by the release before one-row predictions (schema version 2):
// text, owner and emotions of pred_fixtureA…D.
var fixturePredictions = []struct {
	id, user, text string
	emotions       []string
}{
	{"pred_fixtureAxxxxxxxxxx", "usr_alice", "I cried in the car before work again", []string{"sadness"}},
	{"pred_fixtureBxxxxxxxxxx", "usr_alice", "Email jane.doe@example.com about the party, so happy!", []string{"joy", "excitement"}},
	{"pred_fixtureCxxxxxxxxxx", "usr_bob", "The bathroom was absolutely revolting", []string{"disgust"}},
	{"pred_fixtureDxxxxxxxxxx", "usr_bob", "Happy happy joy, we won 2-1", []string{"joy", "amusement", "neutral"}},
}

// TestMigrateSchemaV2SQLite opens a data directory written by the previous
// release and checks that nothing was lost in the conversion.
func TestMigrateSchemaV2SQLite(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("testdata", "schema-v2.db"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "samo.db"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	// The fixture has no refresh tokens: add some as that release wrote them.
	old, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "samo.db"))
	if err != nil {
		t.Fatal(err)
	}
	insertOldRefresh(t, old)
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := Open(context.Background(), "", dir, Options{})
	if err != nil {
		t.Fatalf("open a schema-2 database: %v", err)
	}
	defer st.Close()
	checkMigratedFixture(t, st)
}

// TestMigrateSchemaV2Postgres builds a schema-2 database with the previous
// release's statements (migrations 1-2 and its inserts), then opens it.
func TestMigrateSchemaV2Postgres(t *testing.T) {
	t.Parallel()
	url := os.Getenv("SAMO_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("SAMO_TEST_POSTGRES_URL not set")
	}
	ctx := context.Background()
	// An empty schema, then version 2 as the previous release left it.
	st := emptyPostgresSchema(t, url)
	ms, err := migrations(Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.w.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:2] {
		if _, err := st.w.ExecContext(ctx, m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if _, err := st.w.ExecContext(ctx, `INSERT INTO schema_migrations VALUES ($1, $2, 0)`, m.version, m.name); err != nil {
			t.Fatal(err)
		}
	}
	insertSchemaV2(t, st.w)
	insertOldRefresh(t, st.w)
	if err := st.migrate(ctx); err != nil {
		t.Fatalf("migrate schema 2: %v", err)
	}
	checkMigratedFixture(t, st)
}

// insertSchemaV2 writes fixturePredictions as the previous release did: a
// predictions row, a row per emotion and a 16-byte term row per word.
func insertSchemaV2(t *testing.T, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	mac := prediction.NewBlindIndex([]byte(fixtureIndexKey))
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for i, f := range fixturePredictions {
		if _, err := db.ExecContext(ctx, `INSERT INTO predictions (id, user_id, key_id, text_sealed, text_key_id, text_chars,
			taxonomy, emotions, primary_emotion, confidence, model_version, request_id, flags, created_at)
			VALUES ($1, $2, 'key', $3, 'k1', 10, 'goemotions', '[]', $4, 0.9, 'v-fixture', '', '', $5)`,
			f.id, f.user, []byte("sealed:"+f.text), f.emotions[0], base.Add(time.Duration(i)*time.Minute).UnixNano()); err != nil {
			t.Fatal(err)
		}
		for _, e := range f.emotions {
			if _, err := db.ExecContext(ctx, `INSERT INTO prediction_emotions (prediction_id, emotion) VALUES ($1, $2)`, f.id, e); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[string]bool{}
		for _, w := range strings.FieldsFunc(strings.ToLower(f.text), func(r rune) bool { return !('a' <= r && r <= 'z' || '0' <= r && r <= '9') }) {
			term, ok := mac.Term(w)
			if !ok || seen[w] {
				continue
			}
			seen[w] = true
			// The previous release stored 16 bytes; only the first 8 are kept.
			old := append(term, "16-byte-pad-----"[:16-len(term)]...)
			if _, err := db.ExecContext(ctx, `INSERT INTO prediction_terms (prediction_id, term) VALUES ($1, $2)`, f.id, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO feedback (prediction_id, user_id, labels, created_at) VALUES ($1, 'usr_bob', '["disgust","anger"]', 1)`,
		fixturePredictions[2].id); err != nil {
		t.Fatal(err)
	}
}

func checkMigratedFixture(t *testing.T, st *Store) {
	t.Helper()
	ctx := context.Background()
	checkMigratedRefresh(t, st)
	if v, err := st.SchemaVersion(ctx); err != nil || v < 3 {
		t.Fatalf("SchemaVersion = %d, %v; want ≥ 3", v, err)
	}
	all, err := st.ListPredictions(ctx, prediction.Query{Limit: 100})
	if err != nil || len(all) != len(fixturePredictions) {
		t.Fatalf("after migration: %d records, %v; want %d", len(all), err, len(fixturePredictions))
	}
	for i, f := range fixturePredictions {
		r, err := st.PredictionByID(ctx, f.id)
		if err != nil || r.UserID != f.user || string(r.Sealed) != "sealed:"+f.text || r.Primary != f.emotions[0] {
			t.Errorf("%s after migration = %+v, %v", f.id, r, err)
		}
		if want := fixturePredictions[len(fixturePredictions)-1-i].id; all[i].ID != want {
			t.Errorf("listing position %d = %s, want %s (newest first)", i, all[i].ID, want)
		}
	}
	ix := prediction.NewBlindIndex([]byte(fixtureIndexKey))
	for _, c := range []struct {
		user, word string
		want       int
	}{
		{"usr_alice", "cried", 1}, {"usr_alice", "jane", 1}, {"usr_alice", "HAPPY", 1},
		{"usr_bob", "happy", 1}, {"usr_bob", "revolting", 1}, {"usr_bob", "cried", 0}, {"", "happy", 2},
	} {
		term, _ := ix.Term(c.word)
		got, err := st.ListPredictions(ctx, prediction.Query{UserID: c.user, Term: term, TermInPII: true, Limit: 10})
		if err != nil || len(got) != c.want {
			t.Errorf("search %q for %q: %d records, %v; want %d", c.word, c.user, len(got), err, c.want)
		}
		// Which words were personal data was not recorded: old rows are not
		// searchable without TermInPII (analysts).
		if got, _ := st.ListPredictions(ctx, prediction.Query{UserID: c.user, Term: term, Limit: 10}); len(got) != 0 {
			t.Errorf("search %q without personal terms found %d old records", c.word, len(got))
		}
	}
	for _, c := range []struct {
		emotion string
		want    int
	}{{"joy", 2}, {"sadness", 1}, {"neutral", 1}, {"excitement", 1}, {"anger", 0}} {
		got, err := st.ListPredictions(ctx, prediction.Query{Emotion: c.emotion, Limit: 10})
		if err != nil || len(got) != c.want {
			t.Errorf("emotion %s: %d records, %v; want %d", c.emotion, len(got), err, c.want)
		}
	}
	// Feedback survived the table rebuild and still follows its prediction.
	var labels string
	if err := st.queryRow(ctx, `SELECT labels FROM feedback WHERE prediction_id = ?`, fixturePredictions[2].id).Scan(&labels); err != nil || !strings.Contains(labels, "disgust") {
		t.Fatalf("feedback after migration = %q, %v", labels, err)
	}
	if err := st.DeletePrediction(ctx, fixturePredictions[2].id, ""); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := st.queryRow(ctx, `SELECT COUNT(*) FROM feedback`).Scan(&n); err != nil || n != 0 {
		t.Errorf("feedback rows after deleting their prediction = %d, %v; want 0 (cascade)", n, err)
	}
	for _, table := range []string{"prediction_terms", "prediction_emotions", "predictions_v2"} {
		if err := st.queryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err == nil {
			t.Errorf("table %s still exists after migration", table)
		}
	}
}
