package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var updateOpenAPI = flag.Bool("update", false, "rewrite docs/openapi.json from the route table")

// TestOpenAPIGolden keeps docs/openapi.json (the document make test lints
// with @redocly/cli) equal to what the server serves; -update rewrites it.
func TestOpenAPIGolden(t *testing.T) {
	a := New(Deps{Auth: denyAll{}, Version: "1.0.0"})
	got, err := json.MarshalIndent(a.OpenAPI(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	const path = "../../docs/openapi.json"
	if *updateOpenAPI {
		if err := os.WriteFile(path, got, 0o644); err != nil { // #nosec G306 -- a public document
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/api -run TestOpenAPIGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/openapi.json is stale: run go test ./internal/api -run TestOpenAPIGolden -update")
	}
}

// TestOpenAPIOperationIDs: every route has a readable id from the table,
// and no two operations share one.
func TestOpenAPIOperationIDs(t *testing.T) {
	seen := map[string]string{}
	for _, rt := range testAPI().Routes() {
		key := rt.Method + " " + rt.Pattern
		id, ok := operationIDs[key]
		if !ok {
			t.Errorf("%s has no entry in operationIDs", key)
			continue
		}
		if other, dup := seen[id]; dup {
			t.Errorf("%s and %s share operationId %q", key, other, id)
		}
		seen[id] = key
	}
}
