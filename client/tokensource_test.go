package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestKeyTokenSource(t *testing.T) {
	var mu sync.Mutex
	var log []string
	refreshOK := true
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/v1/auth/token":
			log = append(log, "exchange")
		case "/v1/auth/refresh":
			log = append(log, "refresh:"+strings.TrimSuffix(strings.TrimPrefix(string(body), `{"refresh_token":"`), `"}`))
			if !refreshOK {
				problemStep(401, "refresh_token_reused", "")(w, r)
				return
			}
		}
		n++
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"at%d","refresh_token":"rt%d","token_type":"Bearer","expires_in":900}`, n, n)
	}))
	defer srv.Close()
	keys, err := New(srv.URL, WithAPIKey("k"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ts := NewKeyTokenSource(keys)
	ts.now = func() time.Time { return now }
	steps := []struct {
		name    string
		advance time.Duration
		refresh bool
		want    string
		wantLog string
	}{
		{"first use exchanges the key", 0, true, "at1", "exchange"},
		{"cached while valid", 10 * time.Minute, true, "at1", ""},
		{"renewed 30s before expiry", 4*time.Minute + 31*time.Second, true, "at2", "refresh:rt1"},
		{"refused refresh falls back to the key", 15 * time.Minute, false, "at3", "refresh:rt2 exchange"},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		mu.Lock()
		refreshOK, log = s.refresh, nil
		mu.Unlock()
		got, err := ts.Token(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		mu.Lock()
		gotLog := strings.Join(log, " ")
		mu.Unlock()
		if got != s.want || gotLog != s.wantLog {
			t.Errorf("%s: token %q calls %q, want %q calls %q", s.name, got, gotLog, s.want, s.wantLog)
		}
	}
}
