package session_test

import (
	"strings"
	"testing"

	"github.com/samo-brain/samo/internal/session"
)

// FuzzSessionID: the cookie check never panics and accepts only the exact
// shape of an issued id.
func FuzzSessionID(f *testing.F) {
	id := session.NewID()
	for _, s := range []string{"", id, id + "=", strings.Repeat("/", 43)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if session.ValidID(s) && (len(s) != 43 || strings.ContainsAny(s, "+/=.%")) {
			t.Fatalf("accepted %q", s)
		}
	})
}
