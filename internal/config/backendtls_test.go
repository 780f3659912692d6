package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/samo-brain/samo/internal/testpki"
)

// TestProductionBackendTLS: production refuses a connection to PostgreSQL,
// Redis or the model server that could leave the host unencrypted or
// unverified, as the drivers themselves parse the URLs; development takes
// them all.
func TestProductionBackendTLS(t *testing.T) {
	const pw = "Sw0rdfish-not-in-errors"
	tests := []struct {
		setting, value string
		refused        bool
	}{
		{"DATABASE_URL", "postgres://samo:" + pw + "@db.internal/samo", true},
		{"DATABASE_URL", "postgres://samo:" + pw + "@db.internal/samo?sslmode=disable", true},
		{"DATABASE_URL", "postgres://samo:" + pw + "@db.internal/samo?sslmode=prefer", true},
		{"DATABASE_URL", "postgres://samo:" + pw + "@db.internal/samo?sslmode=allow", true},
		{"DATABASE_URL", "postgres://samo:" + pw + "@db.internal/samo?sslmode=require", true},
		{"DATABASE_URL", "postgres://samo:" + pw + "@db.internal/samo?sslmode=verify-ca", true},
		{"DATABASE_URL", "postgresql://samo:" + pw + "@db.internal:5432/samo?sslmode=verify-full", false},
		// pgx reads the last of repeated values, and so does the check.
		{"DATABASE_URL", "postgres://samo:" + pw + "@db.internal/samo?sslmode=verify-full&sslmode=require", true},
		{"DATABASE_URL", "postgres://samo:" + pw + "@db.internal/samo?sslmode=require&sslmode=verify-full", false},
		{"DATABASE_URL", "postgres://samo:" + pw + "@db.internal/samo?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem", true},
		{"DATABASE_URL", "postgres://samo:" + pw + "@localhost/samo", false},
		{"DATABASE_URL", "postgres://samo:" + pw + "@127.0.0.1:5432/samo?sslmode=disable", false},
		{"DATABASE_URL", "postgres://samo:" + pw + "@[::1]:5432/samo", false},
		{"DATABASE_URL", "postgres://samo:" + pw + "@localhost,db2.internal/samo", true},
		{"DATABASE_URL", "postgres://samo:" + pw + "@localhost,db2.internal/samo?sslmode=verify-full", false},
		{"DATABASE_URL", "postgres://samo:" + pw + "@/samo?host=/var/run/postgresql", false},
		{"DATABASE_URL", "postgres://samo:" + pw + "@db.internal/samo?host=/var/run/postgresql", false},
		{"DATABASE_URL", "postgres://samo:" + pw + "@/samo?host=db.internal", true},
		{"DATABASE_URL", "sqlite:/var/lib/samo/samo.db", false},
		{"REDIS_URL", "redis://:" + pw + "@redis.internal:6379/0", true},
		{"REDIS_URL", "redis://:" + pw + "@localhost:6379/0", false},
		{"REDIS_URL", "redis://:" + pw + "@127.0.0.1:6379/0", false},
		{"REDIS_URL", "redis://:" + pw + "@[::1]:6379/0", false},
		{"REDIS_URL", "rediss://:" + pw + "@redis.internal:6379/0", false},
		{"REDIS_URL", "rediss://:" + pw + "@redis.internal:6379/0?skip_verify=true", true},
		{"REDIS_URL", "rediss://:" + pw + "@redis.internal:6379/0?skip_verify=false&skip_verify=1", true},
		{"REDIS_URL", "rediss://:" + pw + "@redis.internal:6379/0?skip_verify=false", false},
		{"REDIS_URL", "unix:///run/redis/redis.sock", false},
		{"MODEL_BACKEND_URL", "http://model.internal:8000/predict", true},
		{"MODEL_BACKEND_URL", "http://127.0.0.1:8000/predict", false},
		{"MODEL_BACKEND_URL", "http://localhost:8000/predict", false},
		{"MODEL_BACKEND_URL", "https://model.internal/predict", false},
	}
	for _, pg := range []string{"PGHOST", "PGSSLMODE", "PGSSLROOTCERT", "PGPASSFILE", "PGSERVICEFILE"} {
		t.Setenv(pg, "")
	}
	for _, tc := range tests {
		for _, level := range []string{"production", "development"} {
			dir := isolate(t)
			env := goodProduction(t, dir)
			env["SECURITY_LEVEL"] = level
			env[tc.setting] = tc.value
			_, err := Load(envMap(env), nil)
			want := tc.refused && level == "production"
			if got := hasProblem(err, tc.setting, ErrInsecureProduction); got != want {
				t.Errorf("%s %s=%s: refused = %v, want %v (%v)", level, tc.setting, tc.value, got, want, err)
			}
			if err != nil && strings.Contains(err.Error(), pw) {
				t.Errorf("%s: the error shows the password: %v", tc.setting, err)
			}
		}
	}
}

// TestProductionBackendTLSFromEnvironment: pgx also reads PGSSLMODE, so a
// URL without sslmode passes when the environment says verify-full, and a
// host from PGHOST counts.
func TestProductionBackendTLSFromEnvironment(t *testing.T) {
	for _, tc := range []struct {
		sslmode, host string
		refused       bool
	}{{"verify-full", "", false}, {"require", "", true}, {"", "", true}, {"disable", "/var/run/postgresql", false}} {
		t.Setenv("PGSSLMODE", tc.sslmode)
		t.Setenv("PGHOST", tc.host)
		dir := isolate(t)
		env := goodProduction(t, dir)
		url := "postgres://samo:pw@db.internal/samo"
		if tc.host != "" {
			url = "postgres://samo:pw@/samo"
		}
		env["DATABASE_URL"] = url
		_, err := Load(envMap(env), nil)
		if got := hasProblem(err, "DATABASE_URL", ErrInsecureProduction); got != tc.refused {
			t.Errorf("PGSSLMODE=%q PGHOST=%q: refused = %v, want %v (%v)", tc.sslmode, tc.host, got, tc.refused, err)
		}
	}
}

func TestBackendCAFile(t *testing.T) {
	dir := isolate(t)
	ca := filepath.Join(dir, "ca.pem")
	writeFile(t, ca, string(testpki.NewCA(t).PEM), 0o644)
	notPEM := filepath.Join(dir, "not.pem")
	writeFile(t, notPEM, "hello", 0o644)
	keyPEM := filepath.Join(dir, "key.pem")
	writeFile(t, keyPEM, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", 0o600)
	for _, tc := range []struct {
		file    string
		problem bool
	}{{ca, false}, {notPEM, true}, {keyPEM, true}, {filepath.Join(dir, "missing.pem"), true}} {
		cfg, err := Load(envMap(map[string]string{"BACKEND_CA_FILE": tc.file}), nil)
		if got := hasProblem(err, "BACKEND_CA_FILE", nil); got != tc.problem {
			t.Errorf("%s: problem = %v, want %v (%v)", filepath.Base(tc.file), got, tc.problem, err)
		}
		if err != nil {
			continue
		}
		pool, err := cfg.BackendRootCAs()
		if err != nil || pool == nil {
			t.Fatalf("BackendRootCAs = %v, %v", pool, err)
		}
	}
	cfg, err := Load(envMap(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if pool, err := cfg.BackendRootCAs(); pool != nil || err != nil {
		t.Errorf("BackendRootCAs without the setting = %v, %v; want nil (system roots)", pool, err)
	}
}
