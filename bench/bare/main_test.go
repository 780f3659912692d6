package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		want   int
	}{
		{"predict", http.MethodPost, "/v1/predict", `{"text":"I am happy","taxonomy":"goemotions"}`, 200},
		{"predict without text", http.MethodPost, "/v1/predict", `{}`, 400},
		{"predict bad json", http.MethodPost, "/v1/predict", `{"text":`, 400},
		{"health", http.MethodGet, "/health", "", 200},
		{"unknown", http.MethodGet, "/nope", "", 404},
	}
	h := handler()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)))
			if rec.Code != tc.want {
				t.Errorf("status = %d, want %d", rec.Code, tc.want)
			}
			if tc.want == http.StatusOK && tc.path == "/v1/predict" && rec.Body.String() != answer {
				t.Errorf("body = %s, want the fixed answer", rec.Body)
			}
		})
	}
}
