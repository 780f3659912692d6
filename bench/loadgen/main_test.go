package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var gotKey, gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotKey = r.Header.Get("X-API-Key")
		var b bytes.Buffer
		_, _ = b.ReadFrom(r.Body)
		gotBody = b.String()
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	var out, errOut bytes.Buffer
	code := run([]string{"-addr", addr, "-method", http.MethodPost, "-path", "/x", "-H", "X-API-Key: k1", "-body", `{"a":1}`,
		"-c", "1", "-d", "100ms", "-json"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var res struct {
		Requests uint64         `json:"requests"`
		Status   map[string]int `json:"status"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if res.Requests == 0 || res.Status["418"] != int(res.Requests) {
		t.Errorf("requests %d, status %v: want every response 418", res.Requests, res.Status)
	}
	if gotKey != "k1" || gotBody != `{"a":1}` {
		t.Errorf("server saw key %q body %q, want k1 and the body", gotKey, gotBody)
	}

	out.Reset()
	if code := run([]string{"-addr", addr, "-c", "1", "-d", "100ms", "-rate", "100"}, &out, &errOut); code != 0 {
		t.Fatalf("fixed rate: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "fixed rate 100/s") || !strings.Contains(out.String(), "generator oversleep p50 ") {
		t.Errorf("fixed-rate text output lacks the rate or the generator's oversleep:\n%s", out.String())
	}

	tests := []struct {
		name string
		args []string
		want int
	}{
		{"bad header", []string{"-H", "nocolon"}, 2},
		{"unknown flag", []string{"-nope"}, 2},
		{"missing body file", []string{"-addr", addr, "-body-file", "/nonexistent/body"}, 1},
		{"no connections", []string{"-addr", addr, "-c", "0"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var o, e bytes.Buffer
			if got := run(tc.args, &o, &e); got != tc.want {
				t.Errorf("exit = %d, want %d (stderr %s)", got, tc.want, e.String())
			}
		})
	}
}
