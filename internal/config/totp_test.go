package config

import "testing"

// TestDashboardRequireTOTPDefault: a second factor is optional in
// development and required in production unless the operator sets
// DASHBOARD_REQUIRE_TOTP=false explicitly.
func TestDashboardRequireTOTPDefault(t *testing.T) {
	for _, c := range []struct {
		name       string
		production bool
		value      string // "" = unset
		want       bool
	}{
		{"development default", false, "", false},
		{"development on", false, "true", true},
		{"production default", true, "", true},
		{"production explicit false", true, "false", false},
		{"production explicit true", true, "true", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := isolate(t)
			env := map[string]string{"SAMO_DATA_DIR": dir}
			if c.production {
				env = goodProduction(t, dir)
			}
			if c.value != "" {
				env["DASHBOARD_REQUIRE_TOTP"] = c.value
			}
			cfg, err := LoadFlags(envMap(env), nil)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.DashboardRequireTOTP != c.want {
				t.Errorf("DashboardRequireTOTP = %v, want %v", cfg.DashboardRequireTOTP, c.want)
			}
		})
	}
}
