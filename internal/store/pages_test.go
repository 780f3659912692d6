package store

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/alert"
	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/users"
)

// walk reads a listing a page of two at a time, each page after the last
// row of the previous one, until a short page, and returns every row.
func walk[T any](t *testing.T, read func(last *T) ([]T, error)) []T {
	t.Helper()
	var all []T
	var last *T
	for i := 0; i < 100; i++ {
		page, err := read(last)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < 2 {
			return all
		}
		last = &page[len(page)-1]
	}
	t.Fatal("the listing never ended")
	return nil
}

// testPages: the admin lists page with keyset queries that return every
// row once, in the order of a single read, with ties on the time broken by
// the id; a position that is no row's (a hostile cursor) only narrows
// the listing and is bound, never spliced into the SQL.
func testPages(t *testing.T, st *Store) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		// Three users share one creation time: the id orders them.
		u := users.User{ID: fmt.Sprintf("usr_page%d", i), Name: fmt.Sprintf("pager%d", i), Role: rbac.RoleUser, CreatedAt: at.Add(time.Duration(min(i, 2)) * time.Second)}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		e := alert.Entry{ID: fmt.Sprintf("alr_page%d", i), Kind: alert.KindEvent, Payload: []byte(`{}`), CreatedAt: u.CreatedAt, NextAt: u.CreatedAt}
		if _, err := st.EnqueueAlert(ctx, e, 0); err != nil {
			t.Fatal(err)
		}
		b := ids.Block{IP: netip.AddrFrom4([4]byte{192, 0, 2, byte(10 - i)}), Until: at.Add(time.Hour + time.Duration(min(i, 2))*time.Second),
			Reason: "test", By: "admin:test", Created: at}
		if err := st.Block(ctx, b); err != nil {
			t.Fatal(err)
		}
		k := apikey.Key{ID: fmt.Sprintf("key_page%d", i), UserID: "usr_page0", Name: "page", Hash: []byte(fmt.Sprintf("page-hash-%d", i)),
			Prefix: "page", Status: apikey.StatusActive, CreatedAt: u.CreatedAt}
		if err := st.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("users", func(t *testing.T) {
		want, err := st.ListUsersPage(ctx, users.Page{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		got := walk(t, func(last *users.User) ([]users.User, error) {
			p := users.Page{Limit: 2}
			if last != nil {
				p.BeforeAt, p.BeforeID = last.CreatedAt, last.ID
			}
			return st.ListUsersPage(ctx, p)
		})
		all, _ := st.ListUsers(ctx)
		if len(want) != len(all) || !slices.EqualFunc(got, want, func(a, b users.User) bool { return a.ID == b.ID }) {
			t.Errorf("paged users %v, want %v (%d users)", ids2(got, func(u users.User) string { return u.ID }), ids2(want, func(u users.User) string { return u.ID }), len(all))
		}
		for i := 1; i < len(want); i++ {
			if want[i].CreatedAt.After(want[i-1].CreatedAt) {
				t.Errorf("users not newest first: %v then %v", want[i-1].CreatedAt, want[i].CreatedAt)
			}
		}
		hostile, err := st.ListUsersPage(ctx, users.Page{BeforeAt: at.Add(time.Hour), BeforeID: "x' OR '1'='1", Limit: 1000})
		if err != nil || len(hostile) != len(all) {
			t.Errorf("a quote in the position: %d users, %v; want all %d (it is a bound value)", len(hostile), err, len(all))
		}
	})
	t.Run("keys", func(t *testing.T) {
		for _, user := range []string{"", "usr_page0"} {
			want, err := st.ListKeys(ctx, user)
			if err != nil || len(want) < 5 {
				t.Fatalf("ListKeys(%q) = %d, %v", user, len(want), err)
			}
			slices.Reverse(want) // oldest first, so reversed: newest first
			got := walk(t, func(last *apikey.Key) ([]apikey.Key, error) {
				p := apikey.KeyPage{UserID: user, Limit: 2}
				if last != nil {
					p.BeforeAt, p.BeforeID = last.CreatedAt, last.ID
				}
				return st.ListKeysPage(ctx, p)
			})
			id := func(k apikey.Key) string { return k.ID }
			if !slices.EqualFunc(got, want, func(a, b apikey.Key) bool { return a.ID == b.ID }) {
				t.Errorf("paged keys of %q %v, want %v", user, ids2(got, id), ids2(want, id))
			}
		}
	})
	t.Run("alerts", func(t *testing.T) {
		want, err := st.ListAlerts(ctx, alert.Filter{Limit: 1000})
		if err != nil || len(want) < 5 {
			t.Fatalf("ListAlerts = %d, %v", len(want), err)
		}
		got := walk(t, func(last *alert.Entry) ([]alert.Entry, error) {
			f := alert.Filter{Limit: 2}
			if last != nil {
				f.BeforeAt, f.BeforeID = last.CreatedAt, last.ID
			}
			return st.ListAlerts(ctx, f)
		})
		if !slices.EqualFunc(got, want, func(a, b alert.Entry) bool { return a.ID == b.ID }) {
			t.Errorf("paged alerts %v, want %v", ids2(got, func(e alert.Entry) string { return e.ID }), ids2(want, func(e alert.Entry) string { return e.ID }))
		}
		pending, err := st.ListAlerts(ctx, alert.Filter{State: "delivered", Limit: 10, BeforeAt: at.Add(time.Hour), BeforeID: "zzz"})
		if err != nil || len(pending) != 0 {
			t.Errorf("delivered before a position = %d, %v; want none (the state filter still applies)", len(pending), err)
		}
	})
	t.Run("ip blocks", func(t *testing.T) {
		now := at.Add(time.Minute)
		all, err := st.List(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		want, err := st.ListPage(ctx, now, ids.BlockPage{Limit: 1000})
		if err != nil || len(want) != len(all) || len(want) < 5 {
			t.Fatalf("ListPage = %d blocks, %v; List = %d", len(want), err, len(all))
		}
		got := walk(t, func(last *ids.Block) ([]ids.Block, error) {
			p := ids.BlockPage{Limit: 2}
			if last != nil {
				p.AfterUntil, p.AfterIP = last.Until, last.IP.String()
			}
			return st.ListPage(ctx, now, p)
		})
		str := func(b ids.Block) string { return b.IP.String() }
		if !slices.EqualFunc(got, want, func(a, b ids.Block) bool { return a.IP == b.IP }) {
			t.Errorf("paged blocks %v, want %v", ids2(got, str), ids2(want, str))
		}
		for i := 1; i < len(want); i++ {
			if want[i].Until.Before(want[i-1].Until) {
				t.Errorf("blocks not soonest expiry first: %v", ids2(want, str))
			}
		}
		if later, err := st.ListPage(ctx, at.Add(2*time.Hour), ids.BlockPage{Limit: 10}); err != nil || len(later) != 0 {
			t.Errorf("after every block expired: %d blocks, %v; want none", len(later), err)
		}
	})
}

func ids2[T any](rows []T, id func(T) string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	return out
}
