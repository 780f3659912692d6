//go:build !race

package app

// raceBuild reports a -race build, where the million-client test runs a
// quarter of its requests to stay within `make test` time.
const raceBuild = false
