package server

import (
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"testing"
)

func TestSecurityHeaderNamesAreCanonical(t *testing.T) {
	for _, sh := range securityHeaderValues {
		if c := textproto.CanonicalMIMEHeaderKey(sh.name); c != sh.name {
			t.Errorf("%q is not canonical (%q): Header.Get would miss it", sh.name, c)
		}
		if len(sh.value) != cap(sh.value) {
			t.Errorf("%s: shared value slice has spare capacity; Header.Add could write into it", sh.name)
		}
	}
	// Adding to a header on one response must not leak into another.
	h := securityHeaders(nil)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Add("Cache-Control", "private")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	rec := httptest.NewRecorder()
	securityHeaders(nil)(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if got := rec.Header().Values("Cache-Control"); len(got) != 1 || got[0] != "no-store" {
		t.Errorf("Cache-Control on a later response = %q, want only no-store", got)
	}
	if rec.Header().Get("X-XSS-Protection") != "0" {
		t.Error("X-XSS-Protection not readable through Header.Get")
	}
}
