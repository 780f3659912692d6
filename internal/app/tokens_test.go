package app

import (
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/config"
)

// TestIssuerFromConfig checks that the token lifetimes an operator sets
// reach the token service.
func TestIssuerFromConfig(t *testing.T) {
	env := testEnv(t, map[string]string{"REFRESH_TOKEN_TTL": "100h", "REFRESH_FAMILY_MAX_AGE": "1000h", "JWT_EXPIRY_HOURS": "2"})
	cfg, err := config.LoadFlags(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := Issuer(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := iss.Config()
	if got.RefreshTTL != 100*time.Hour || got.RefreshFamilyMaxAge != 1000*time.Hour || got.TTL != 2*time.Hour {
		t.Errorf("token config: refresh TTL %v, family max age %v, access TTL %v; want 100h, 1000h, 2h", got.RefreshTTL, got.RefreshFamilyMaxAge, got.TTL)
	}
}
