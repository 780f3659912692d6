package problem

import (
	"os"
	"strings"
	"testing"

	"github.com/samo-brain/samo/client"
)

// TestProblemTypeURI: a problem's type is the anchor of its section in
// docs/problems.md, the Go client cuts the same prefix, and the README and
// the page itself show the URI the server sends.
func TestProblemTypeURI(t *testing.T) {
	if got, want := Type("rate_limited"), "https://github.com/samo-brain/samo/blob/main/docs/problems.md#rate_limited"; got != want {
		t.Errorf("Type(rate_limited) = %q, want %q", got, want)
	}
	if client.ProblemBase != Base {
		t.Errorf("client.ProblemBase = %q, want the server's %q", client.ProblemBase, Base)
	}
	for _, f := range []string{"../../docs/problems.md", "../../README.md"} {
		doc, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(doc), `"type": "`+Base) && !strings.Contains(string(doc), `"type":"`+Base) {
			t.Errorf("%s shows no problem with a type starting %q", f, Base)
		}
		if strings.Contains(string(doc), `"https://samo.dev/problems/`) {
			t.Errorf("%s still shows the old type form samo.dev/problems/", f)
		}
	}
}
