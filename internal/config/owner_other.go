//go:build !unix

package config

import "os"

// fileOwner reports no owner where the platform has no Unix ownership.
func fileOwner(os.FileInfo) (uint32, bool) { return 0, false }
