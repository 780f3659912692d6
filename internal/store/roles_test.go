package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/testdep"
	"github.com/samo-brain/samo/internal/users"
)

// TestRuntimeRoleWithoutDDL (ASVS V13.2.2): on PostgreSQL the schema is
// created by the owner role, and the server runs with DATABASE_MIGRATE=false
// (Options.NoMigrate) as a role that may only read and write rows: it opens,
// works, cannot create a table, and refuses a schema missing a migration
// with ErrSchemaBehind.
func TestRuntimeRoleWithoutDDL(t *testing.T) {
	t.Parallel()
	url := os.Getenv("SAMO_TEST_POSTGRES_URL")
	if url == "" {
		testdep.Missing(t, "SAMO_TEST_POSTGRES_URL not set (make test starts a PostgreSQL)")
	}
	ctx := context.Background()
	owner, err := openPostgresSchema(t, url) // migrated by the owner
	if err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := owner.r.QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	role := "samo_rt_" + hex.EncodeToString(b[:])
	for _, q := range []string{
		`CREATE ROLE ` + role + ` NOLOGIN`,
		`GRANT USAGE ON SCHEMA ` + schema + ` TO ` + role,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ` + schema + ` TO ` + role,
		`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ` + schema + ` TO ` + role,
		`GRANT ` + role + ` TO CURRENT_USER`,
	} {
		if _, err := owner.w.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		_, _ = owner.w.ExecContext(context.Background(), `DROP OWNED BY `+role)
		_, _ = owner.w.ExecContext(context.Background(), `DROP ROLE `+role)
	})
	// The connection takes the role's rights only (SET ROLE at start).
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	rtURL := url + sep + "search_path=" + schema + "&role=" + role
	rt, err := Open(ctx, rtURL, "", Options{MaxConns: 2, NoMigrate: true})
	if err != nil {
		t.Fatalf("open as the runtime role: %v", err)
	}
	defer rt.Close()
	var current string
	if err := rt.r.QueryRow(`SELECT current_user`).Scan(&current); err != nil || current != role {
		t.Fatalf("current_user = %q, %v; want %s", current, err, role)
	}
	u := users.User{ID: "usr_rt", Name: "runtime", Role: rbac.RoleUser, CreatedAt: time.Now()}
	if err := rt.CreateUser(ctx, u); err != nil {
		t.Fatalf("CreateUser as the runtime role: %v", err)
	}
	if got, err := rt.UserByName(ctx, "runtime"); err != nil || got.ID != u.ID {
		t.Fatalf("UserByName = %+v, %v", got, err)
	}
	if _, err := rt.w.ExecContext(ctx, `CREATE TABLE `+schema+`.nope (x int)`); err == nil {
		t.Error("the runtime role created a table")
	}
	// A migration the database lacks: refused, with what to do.
	if _, err := owner.w.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	if st, err := Open(ctx, rtURL, "", Options{MaxConns: 2, NoMigrate: true}); !errors.Is(err, ErrSchemaBehind) {
		if st != nil {
			st.Close()
		}
		t.Errorf("opening a schema one migration behind = %v, want ErrSchemaBehind", err)
	}
}
