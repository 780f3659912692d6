package app

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/samo-brain/samo/internal/rbac"
)

// A token signed before JWT_SECRET_KEY rotates keeps working while the old
// secret is listed in JWT_PREVIOUS_SECRET_KEYS, and stops once it is gone.
func TestJWTSecretRotationByKid(t *testing.T) {
	dir := t.TempDir()
	oldSecret := "old-jwt-secret-0123456789-abcdefghijklmnopq"
	newSecret := "new-jwt-secret-9876543210-zyxwvutsrqponmlkj"
	a := newTestApp(t, map[string]string{"SAMO_DATA_DIR": dir, "JWT_SECRET_KEY": oldSecret})
	key := a.key("rot", rbac.RoleUser)
	p := decodePair(t, a.do(http.MethodPost, "/v1/auth/token", key, nil))
	a.Close()

	b := newTestApp(t, map[string]string{"SAMO_DATA_DIR": dir, "JWT_SECRET_KEY": newSecret, "JWT_PREVIOUS_SECRET_KEYS": oldSecret})
	if rec := b.do(http.MethodGet, "/v1/predictions", "", nil, "Authorization", "Bearer "+p.AccessToken); rec.Code != 200 {
		t.Fatalf("old token with the old secret still listed: %d %s", rec.Code, rec.Body)
	}
	fresh := decodePair(t, b.do(http.MethodPost, "/v1/auth/token", key, nil))
	b.Close()

	c := newTestApp(t, map[string]string{"SAMO_DATA_DIR": dir, "JWT_SECRET_KEY": newSecret})
	if rec := c.do(http.MethodGet, "/v1/predictions", "", nil, "Authorization", "Bearer "+p.AccessToken); rec.Code != 401 {
		t.Errorf("old token after its secret was dropped: %d, want 401", rec.Code)
	}
	if rec := c.do(http.MethodGet, "/v1/predictions", "", nil, "Authorization", "Bearer "+fresh.AccessToken); rec.Code != 200 {
		t.Errorf("token under the new secret: %d", rec.Code)
	}
}

// With EdDSA the public key is served as a JWK set and tokens verify.
func TestJWKSOverHTTPWithEdDSA(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	dir := t.TempDir()
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	keyFile := filepath.Join(dir, "jwt.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	ta := newTestApp(t, map[string]string{"JWT_ALGORITHM": "EdDSA", "JWT_PRIVATE_KEY_FILE": keyFile, "JWT_SECRET_KEY": ""})
	rec := ta.do(http.MethodGet, "/.well-known/jwks.json", "", nil)
	var set struct {
		Keys []struct{ Kty, Crv, X, Kid, Alg, Use string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil || rec.Code != 200 || len(set.Keys) != 1 {
		t.Fatalf("jwks: %d %s", rec.Code, rec.Body)
	}
	k := set.Keys[0]
	if k.Kty != "OKP" || k.Crv != "Ed25519" || k.Alg != "EdDSA" || k.Kid == "" || k.Use != "sig" {
		t.Errorf("jwk = %+v", k)
	}
	if want := base64.RawURLEncoding.EncodeToString(pub); k.X != want {
		t.Errorf("jwk x = %s, want %s", k.X, want)
	}
	key := ta.key("ed", rbac.RoleUser)
	p := decodePair(t, ta.do(http.MethodPost, "/v1/auth/token", key, nil))
	if rec := ta.do(http.MethodGet, "/v1/predictions", "", nil, "Authorization", "Bearer "+p.AccessToken); rec.Code != 200 {
		t.Errorf("EdDSA bearer: %d %s", rec.Code, rec.Body)
	}
}
