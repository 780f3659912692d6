package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/alert"
	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/store"
	"github.com/samo-brain/samo/internal/users"
)

// pageOf is one page of any admin list: its rows' keys and next_cursor.
type pageOf struct {
	keys []string
	next string
}

// walkPages follows next_cursor from path?limit=2 to the end and returns
// every row's key in order, failing on a repeated row.
func walkPages(t *testing.T, e *secEnv, path string, read func(*testing.T, []byte) pageOf) []string {
	t.Helper()
	var all []string
	cursor := ""
	for range 50 {
		target := path + "?limit=2"
		if cursor != "" {
			target += "&cursor=" + url.QueryEscape(cursor)
		}
		rec := e.do(t, http.MethodGet, target, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d %s", target, rec.Code, rec.Body)
		}
		p := read(t, rec.Body.Bytes())
		if len(p.keys) > 2 || (p.next != "" && len(p.keys) != 2) {
			t.Fatalf("GET %s: %d rows with next_cursor %q", target, len(p.keys), p.next)
		}
		for _, k := range p.keys {
			if slices.Contains(all, k) {
				t.Fatalf("GET %s: row %s repeated (%v)", target, k, all)
			}
		}
		all = append(all, p.keys...)
		if p.next == "" {
			return all
		}
		cursor = p.next
	}
	t.Fatalf("%s never ended", path)
	return nil
}

func readPage[T any](key func(T) string, field string) func(*testing.T, []byte) pageOf {
	return func(t *testing.T, body []byte) pageOf {
		var v map[string]json.RawMessage
		mustUnmarshal(t, body, &v)
		var rows []T
		mustUnmarshal(t, v[field], &rows)
		var next string
		if raw, ok := v["next_cursor"]; ok {
			mustUnmarshal(t, raw, &next)
		}
		p := pageOf{next: next}
		for _, r := range rows {
			p.keys = append(p.keys, key(r))
		}
		return p
	}
}

// TestAdminListsPage: users, alerts and IP blocks page with limit and
// cursor like every list: each row once, in order (ties on the time broken
// by the id), next_cursor absent on the last page; with the IP blocks in
// the SQL store (a keyset query).
func TestAdminListsPage(t *testing.T) {
	stores := map[string]func(*store.Store) ids.BlockStore{
		"sql": func(st *store.Store) ids.BlockStore { return st },
	}
	for name, blocks := range stores {
		t.Run(name, func(t *testing.T) {
			e := newSecEnvBlocks(t, rbac.RoleAdmin, blocks)
			ctx := context.Background()
			now := e.clock.Now()
			var wantUsers, wantAlerts, wantBlocks []string
			for i := range 5 {
				at := now.Add(-time.Duration(min(i, 2)) * time.Minute) // three share one time
				id := fmt.Sprintf("usr_p%d", 4-i)
				if err := e.st.CreateUser(ctx, users.User{ID: id, Name: fmt.Sprintf("p%d", i), Role: rbac.RoleUser, CreatedAt: at}); err != nil {
					t.Fatal(err)
				}
				wantUsers = append(wantUsers, id)
				aid := fmt.Sprintf("evt_p%d", 4-i)
				if _, err := e.st.EnqueueAlert(ctx, alert.Entry{ID: aid, Kind: alert.KindEvent, Payload: []byte(`{}`), CreatedAt: at, NextAt: at}, 0); err != nil {
					t.Fatal(err)
				}
				wantAlerts = append(wantAlerts, aid)
				ip := netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + i)})
				if err := e.ids.Block(ctx, ip, time.Hour+time.Duration(max(i, 2))*time.Minute, "test", "admin:alice"); err != nil {
					t.Fatal(err)
				}
				wantBlocks = append(wantBlocks, ip.String())
			}
			if got := walkPages(t, e, "/v1/admin/users", readPage(func(u users.User) string { return u.ID }, "users")); !slices.Equal(got, wantUsers) {
				t.Errorf("users = %v, want %v", got, wantUsers)
			}
			if got := walkPages(t, e, "/v1/admin/security/alerts", readPage(func(a alert.Entry) string { return a.ID }, "alerts")); !slices.Equal(got, wantAlerts) {
				t.Errorf("alerts = %v, want %v", got, wantAlerts)
			}
			if got := walkPages(t, e, "/v1/admin/ip-blocks", readPage(func(b ids.Block) string { return b.IP.String() }, "blocks")); !slices.Equal(got, wantBlocks) {
				t.Errorf("ip blocks = %v, want %v", got, wantBlocks)
			}
		})
	}
}

// TestAdminListsRefuseBadQueries: the same query handling as every list:
// unknown or repeated parameters, a limit out of range and a cursor this
// server did not issue are 400 invalid_request naming the field.
func TestAdminListsRefuseBadQueries(t *testing.T) {
	e := newSecEnv(t, rbac.RoleAdmin)
	forged := encodeCursor(time.Unix(1, 0), "not-an-ip") // decodable, but no block's position
	for _, path := range []string{"/v1/admin/users", "/v1/admin/security/alerts", "/v1/admin/ip-blocks"} {
		tests := []struct{ query, field, code string }{
			{"?role=admin", "role", "unknown_parameter"},
			{"?limit=0", "limit", "out_of_range"},
			{"?limit=1001", "limit", "out_of_range"},
			{"?limit=2&limit=3", "limit", "repeated"},
			{"?cursor=%21%21", "cursor", "invalid_cursor"},
			{"?cursor=" + url.QueryEscape("MTIzNDU2"), "cursor", "invalid_cursor"}, // "123456": no id
		}
		if path == "/v1/admin/ip-blocks" {
			tests = append(tests, struct{ query, field, code string }{"?cursor=" + forged, "cursor", "invalid_cursor"})
		}
		for _, tt := range tests {
			rec := e.do(t, http.MethodGet, path+tt.query, "")
			p := decode[problem.Problem](t, rec)
			if rec.Code != http.StatusBadRequest || p.Type != problem.Type("invalid_request") || len(p.Errors) == 0 ||
				p.Errors[0].Field != tt.field || p.Errors[0].Code != tt.code {
				t.Errorf("GET %s%s = %d %+v, want 400 with %s %s", path, tt.query, rec.Code, p, tt.field, tt.code)
			}
		}
	}
}

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
}
