package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// openAPIDoc returns the document as plain JSON values.
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	b, err := json.Marshal(testAPI().OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestOpenAPIRefsResolve walks the document: every $ref names a component
// that exists.
func TestOpenAPIRefsResolve(t *testing.T) {
	doc := openAPIDoc(t)
	comps := doc["components"].(map[string]any)
	var walk func(path string, v any)
	n := 0
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"].(string); ok {
				n++
				parts := strings.Split(strings.TrimPrefix(r, "#/components/"), "/")
				group, _ := comps[parts[0]].(map[string]any)
				if len(parts) != 2 || !strings.HasPrefix(r, "#/components/") || group[parts[1]] == nil {
					t.Errorf("%s: $ref %q does not resolve", path, r)
				}
			}
			for k, e := range x {
				walk(path+"/"+k, e)
			}
		case []any:
			for _, e := range x {
				walk(path+"[]", e)
			}
		}
	}
	walk("#", doc)
	if n < 50 {
		t.Errorf("only %d $refs found; the walk is not seeing the document", n)
	}
}

// TestOpenAPIOperations checks what every operation documents: a success
// response, problem responses by access and body, rate-limit headers on
// guarded routes, and the gateway errors on the prediction routes.
func TestOpenAPIOperations(t *testing.T) {
	doc := openAPIDoc(t)
	paths := doc["paths"].(map[string]any)
	for _, rt := range testAPI().Routes() {
		key := rt.Method + " " + rt.Pattern
		op := paths[rt.Pattern].(map[string]any)[strings.ToLower(rt.Method)].(map[string]any)
		resp := op["responses"].(map[string]any)
		var want []string
		if !rt.Access.Public {
			want = append(want, "401", "429", "503")
		}
		if rt.Access.Perm != "" {
			want = append(want, "403")
		}
		if _, body := requestBodies[key]; body {
			want = append(want, "400", "413", "415")
		}
		if _, query := queryParams[key]; query {
			want = append(want, "400")
		}
		if predictRoutes[key] {
			want = append(want, "502", "504")
		}
		for _, code := range want {
			if resp[code] == nil {
				t.Errorf("%s: no %s response", key, code)
			}
		}
		success := ""
		for code := range resp {
			if code[0] == '2' {
				success = code
			}
		}
		if success == "" {
			t.Errorf("%s: no success response", key)
			continue
		}
		ok := resp[success].(map[string]any)
		if success != "204" && ok["content"] == nil {
			t.Errorf("%s: %s response has no schema", key, success)
		}
		headers := ok["headers"].(map[string]any)
		if _, has := headers["RateLimit-Policy"]; has == rt.Access.Public {
			t.Errorf("%s: rate-limit headers documented = %v, want %v", key, has, !rt.Access.Public)
		}
	}
}

func TestOpenAPIDetails(t *testing.T) {
	paths := openAPIDoc(t)["paths"].(map[string]any)
	op := func(method, path string) map[string]any {
		return paths[path].(map[string]any)[method].(map[string]any)
	}
	cases := []struct {
		name string
		got  any
		want string
	}{
		{"create key is 201", op("post", "/v1/admin/keys")["responses"].(map[string]any)["201"] != nil, "true"},
		{"revoke key is 204", op("delete", "/v1/admin/keys/{id}")["responses"].(map[string]any)["204"] != nil, "true"},
		{"alias names its canonical path", op("post", "/api/predict")["x-samo-alias-of"], "/v1/predict"},
		{"canonical lists its alias", op("post", "/v1/predict/batch")["x-samo-aliases"], "[/api/predict_batch]"},
		{"list has four query parameters", len(op("get", "/v1/predictions")["parameters"].([]any)), "4"},
		{"rotate body is optional", op("post", "/v1/admin/keys/{id}/rotate")["requestBody"].(map[string]any)["required"], "false"},
		{"predict permission", op("post", "/v1/predict")["x-permission"], "write_predictions"},
	}
	for _, c := range cases {
		if got := strings.Trim(strings.ReplaceAll(jsonString(c.got), `"`, ""), " "); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
