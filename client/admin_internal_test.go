package client

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// TestListKeysFollowsCursor: ListKeys reads every page of /v1/admin/keys,
// passing each next_cursor back, and keeps the user filter on every page.
func TestListKeysFollowsCursor(t *testing.T) {
	pages := map[string]string{
		"":   `{"keys":[{"id":"key_c"},{"id":"key_b"}],"next_cursor":"c1"}`,
		"c1": `{"keys":[{"id":"key_a"}]}`,
	}
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		seen = append(seen, q.Get("cursor"))
		body, ok := pages[q.Get("cursor")]
		if !ok || q.Get("user_id") != "usr_1" || q.Get("limit") != "500" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	c, err := New(srv.URL, WithAPIKey("k"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := c.ListKeys(context.Background(), "usr_1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range keys {
		got = append(got, k.ID)
	}
	if want := []string{"key_c", "key_b", "key_a"}; !slices.Equal(got, want) || !slices.Equal(seen, []string{"", "c1"}) {
		t.Errorf("ListKeys = %v after requests with cursors %q; want %v after \"\" and c1", got, seen, want)
	}
}
