package rbac

import "testing"

func TestGuideTable(t *testing.T) {
	all := []Permission{ReadPredictions, WritePredictions, ReadMetrics, WriteMetrics, Admin}
	want := map[Role]map[Permission]bool{
		RoleUser:    {ReadPredictions: true, WritePredictions: true},
		RoleAnalyst: {ReadPredictions: true, WritePredictions: true, ReadMetrics: true},
		RoleAdmin:   {ReadPredictions: true, WritePredictions: true, ReadMetrics: true, WriteMetrics: true, Admin: true},
		"root":      {},
		"":          {},
	}
	for role, perms := range want {
		for _, p := range all {
			if got := role.Has(p); got != perms[p] {
				t.Errorf("Role(%q).Has(%q) = %v, want %v", role, p, got, perms[p])
			}
		}
		if role.Has("") {
			t.Errorf("Role(%q).Has(\"\") = true, want false", role)
		}
	}
}

func TestParseRole(t *testing.T) {
	for _, s := range []string{"user", "analyst", "admin"} {
		if r, err := ParseRole(s); err != nil || string(r) != s {
			t.Errorf("ParseRole(%q) = %q, %v", s, r, err)
		}
	}
	for _, s := range []string{"", "Admin", "root", "admin "} {
		if _, err := ParseRole(s); err == nil {
			t.Errorf("ParseRole(%q) succeeded, want error", s)
		}
	}
}

func TestPermissionsIsACopy(t *testing.T) {
	p := RoleUser.Permissions()
	p[0] = Admin
	if RoleUser.Has(Admin) {
		t.Fatal("changing the returned slice granted admin to user")
	}
}
