package reqctx

import (
	"context"
	"testing"

	"github.com/samo-brain/samo/internal/rbac"
)

func TestPrincipalCan(t *testing.T) {
	cases := []struct {
		name string
		p    *Principal
		perm rbac.Permission
		want bool
	}{
		{"nil principal", nil, rbac.ReadPredictions, false},
		{"user read", &Principal{Role: rbac.RoleUser}, rbac.ReadPredictions, true},
		{"user admin", &Principal{Role: rbac.RoleUser}, rbac.Admin, false},
		{"scope narrows", &Principal{Role: rbac.RoleAdmin, Scope: []rbac.Permission{rbac.ReadPredictions}}, rbac.Admin, false},
		{"scope allows", &Principal{Role: rbac.RoleAdmin, Scope: []rbac.Permission{rbac.Admin}}, rbac.Admin, true},
		{"scope cannot widen", &Principal{Role: rbac.RoleUser, Scope: []rbac.Permission{rbac.Admin}}, rbac.Admin, false},
		{"empty scope denies", &Principal{Role: rbac.RoleAdmin, Scope: []rbac.Permission{}}, rbac.ReadPredictions, false},
	}
	for _, c := range cases {
		if got := c.p.Can(c.perm); got != c.want {
			t.Errorf("%s: Can(%s) = %v, want %v", c.name, c.perm, got, c.want)
		}
	}
}

func TestFrom(t *testing.T) {
	if _, ok := From(context.Background()); ok {
		t.Fatal("From(empty context) ok")
	}
	info := &Info{RequestID: "r1"}
	ctx := With(context.Background(), info)
	got, ok := From(ctx)
	if !ok || got.RequestID != "r1" {
		t.Fatalf("From = %+v, %v", got, ok)
	}
	if _, ok := PrincipalFrom(ctx); ok {
		t.Fatal("PrincipalFrom without principal ok")
	}
	info.Principal = &Principal{UserID: "u"}
	if p, ok := PrincipalFrom(ctx); !ok || p.UserID != "u" {
		t.Fatalf("PrincipalFrom = %+v, %v", p, ok)
	}
}
