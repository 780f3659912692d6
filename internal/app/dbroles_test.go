package app

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/store"
)

// TestServesAsRuntimeRole (ASVS V13.2.2): the owner role creates the
// schema (`samo init`); the server then runs as a role that may only read
// and write rows, with DATABASE_MIGRATE=false, and every kind of request
// works: first start (keyring), keys, predict, search, tokens, events,
// delete.
func TestServesAsRuntimeRole(t *testing.T) {
	dbURL := reservePostgresDB(t)
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL, "", store.Options{}) // the owner migrates
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	role := "samo_rt_" + hex.EncodeToString(b[:])
	owner, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE ROLE ` + role + ` NOLOGIN`,
		`GRANT USAGE ON SCHEMA public TO ` + role,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ` + role,
		`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ` + role,
		`GRANT ` + role + ` TO CURRENT_USER`,
	} {
		if _, err := owner.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	owner.Close()
	t.Cleanup(func() { // after the test app is closed (cleanups run last-in first-out)
		admin, err := sql.Open("pgx", os.Getenv("SAMO_TEST_POSTGRES_URL"))
		if err != nil {
			return
		}
		defer admin.Close()
		name := dbURL[strings.LastIndex(dbURL, "/")+1:]
		name, _, _ = strings.Cut(name, "?")
		_, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		_, _ = admin.Exec(`DROP ROLE IF EXISTS ` + role)
	})
	sep := "?"
	if strings.Contains(dbURL, "?") {
		sep = "&"
	}
	ta := newTestApp(t, map[string]string{"DATABASE_URL": dbURL + sep + "role=" + role, "DATABASE_MIGRATE": "false"})
	user, admin := ta.key("uli", rbac.RoleUser), ta.key("ada", rbac.RoleAdmin)
	rec := ta.do(http.MethodPost, "/v1/predict", user, map[string]any{"text": "nervous about tomorrow"})
	if rec.Code != http.StatusOK {
		t.Fatalf("predict: %d %s", rec.Code, rec.Body)
	}
	for _, c := range []struct {
		method, path, key string
		body              any
		want              int
	}{
		{http.MethodPost, "/v1/predictions/search", user, map[string]any{"q": "tomorrow"}, 200},
		{http.MethodGet, "/v1/predictions?limit=5", user, nil, 200},
		{http.MethodPost, "/v1/auth/token", user, nil, 200},
		{http.MethodGet, "/v1/admin/keys", admin, nil, 200},
		{http.MethodGet, "/v1/admin/security/events?limit=5", admin, nil, 200},
		{http.MethodGet, "/v1/predictions", "samo_notakey", nil, 401},
	} {
		if rec := ta.do(c.method, c.path, c.key, c.body); rec.Code != c.want {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, rec.Code, rec.Body, c.want)
		}
	}
	var p struct{ ID string }
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.ID == "" {
		t.Fatalf("prediction id: %v", err)
	}
	if rec := ta.do(http.MethodDelete, "/v1/predictions/"+p.ID, user, nil); rec.Code != http.StatusNoContent {
		t.Errorf("delete: %d %s", rec.Code, rec.Body)
	}
}
