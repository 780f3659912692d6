// Package buildinfo reports what the running binary is: its release version,
// source commit, build date and Go toolchain. Release builds set the first
// three at link time:
//
//	go build -ldflags "-X github.com/samo-brain/samo/internal/buildinfo.version=v1.2.3 \
//	  -X github.com/samo-brain/samo/internal/buildinfo.commit=abc123 \
//	  -X github.com/samo-brain/samo/internal/buildinfo.date=2026-12-06T00:00:00Z"
//
// Unset values fall back to what the Go toolchain recorded (module version,
// VCS revision and time) and then to "dev" / "unknown"; nothing reads the
// clock, so two builds of the same source with the same flags are identical.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Set at link time with -ldflags "-X .../buildinfo.NAME=VALUE".
var (
	version = ""
	commit  = ""
	date    = ""
)

// Info is the build description printed by `samo version --json`.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
}

// Get returns the build description of the running binary.
func Get() Info {
	return Info{Version: Version(), Commit: Commit(), Date: Date(), Go: GoVersion()}
}

// setting returns a VCS setting recorded by the Go toolchain, or "".
func setting(key string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range bi.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// Version returns the release version, or the VCS revision, or "dev".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	if rev := setting("vcs.revision"); len(rev) >= 12 {
		return "dev-" + rev[:12]
	}
	return "dev"
}

// Commit returns the source commit the binary was built from, or "unknown".
func Commit() string {
	if commit != "" {
		return commit
	}
	if rev := setting("vcs.revision"); rev != "" {
		return rev
	}
	return "unknown"
}

// Date returns the build (or commit) date in RFC 3339, or "unknown".
func Date() string {
	if date != "" {
		return date
	}
	if t := setting("vcs.time"); t != "" {
		return t
	}
	return "unknown"
}

// GoVersion returns the Go toolchain the binary was built with.
func GoVersion() string { return runtime.Version() }
