package config

import (
	"strings"
	"testing"
)

// TestRefreshFamilyMaxAge checks REFRESH_FAMILY_MAX_AGE as an operator
// sets it: its forms, and the messages when it is out of range.
func TestRefreshFamilyMaxAge(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    string   // the parsed value, when valid
		wantErr []string // the REFRESH_FAMILY_MAX_AGE problem, when not
	}{
		{name: "default", want: "2160h0m0s"},
		{name: "duration", env: map[string]string{"REFRESH_FAMILY_MAX_AGE": "1440h"}, want: "1440h0m0s"},
		{name: "seconds", env: map[string]string{"REFRESH_FAMILY_MAX_AGE": "2592000"}, want: "720h0m0s"},
		{name: "flag wins", env: map[string]string{"REFRESH_FAMILY_MAX_AGE": "1440h"}, args: []string{"--refresh-family-max-age=4320h"}, want: "4320h0m0s"},
		{name: "equal to the TTL", env: map[string]string{"REFRESH_TOKEN_TTL": "24h", "REFRESH_FAMILY_MAX_AGE": "86400"}, want: "24h0m0s"},
		{name: "bare number read as seconds", env: map[string]string{"REFRESH_FAMILY_MAX_AGE": "90"},
			wantErr: []string{"REFRESH_FAMILY_MAX_AGE: 1m30s is shorter than REFRESH_TOKEN_TTL (720h0m0s)", "a bare number is seconds"}},
		{name: "TTL above the default", env: map[string]string{"REFRESH_TOKEN_TTL": "2400h"},
			wantErr: []string{"REFRESH_FAMILY_MAX_AGE: 2160h0m0s is shorter than REFRESH_TOKEN_TTL (2400h0m0s)"}},
		{name: "zero", env: map[string]string{"REFRESH_FAMILY_MAX_AGE": "0"}, wantErr: []string{"REFRESH_FAMILY_MAX_AGE: 0s must be greater than zero"}},
		{name: "negative", env: map[string]string{"REFRESH_FAMILY_MAX_AGE": "-1h"}, wantErr: []string{"REFRESH_FAMILY_MAX_AGE: -1h0m0s must be greater than zero"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			cfg, err := Load(func(k string) string { return tt.env[k] }, tt.args)
			if tt.wantErr == nil {
				if err != nil || cfg.RefreshFamilyMaxAge.String() != tt.want {
					t.Fatalf("Load = %v, %v; want REFRESH_FAMILY_MAX_AGE %s", cfg, err, tt.want)
				}
				return
			}
			if !hasProblem(err, "REFRESH_FAMILY_MAX_AGE", ErrOutOfRange) {
				t.Fatalf("Load error = %v, want a REFRESH_FAMILY_MAX_AGE out-of-range problem", err)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load error = %q, want it to say %q", err, w)
				}
			}
			// Only one problem for this variable: a non-positive value is
			// not also reported as shorter than the TTL.
			if n := strings.Count(err.Error(), "REFRESH_FAMILY_MAX_AGE:"); n != 1 {
				t.Errorf("REFRESH_FAMILY_MAX_AGE reported %d times, want once: %v", n, err)
			}
		})
	}
}
