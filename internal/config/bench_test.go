package config

import (
	"path/filepath"
	"testing"
)

// BenchmarkLoad measures a full Load: a .env.security file, environment
// overrides, flags and validation. It runs once per process start, so the
// figure only needs to stay far below a millisecond.
func BenchmarkLoad(b *testing.B) {
	dir := b.TempDir()
	b.Chdir(dir)
	if err := writeBenchFile(filepath.Join(dir, DefaultEnvFile)); err != nil {
		b.Fatal(err)
	}
	env := envMap(map[string]string{"RATE_LIMIT_REQUESTS": "200", "TRUSTED_PROXIES": "10.0.0.0/8,192.168.0.0/16"})
	args := []string{"--addr", "127.0.0.1:9000", "--log-level=debug"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(env, args); err != nil {
			b.Fatal(err)
		}
	}
}

func writeBenchFile(path string) error {
	return writeFileErr(path, "# bench\nSECURITY_LEVEL=development\nRATE_LIMIT_WINDOW=3600\nALLOWED_ORIGINS=https://app.samo.dev\nJWT_SECRET_KEY=\"Gd3kP0sQ9vLm2Xc8RtYb7Nw1HzJfAe4UqWs\"\n")
}
