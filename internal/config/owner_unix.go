//go:build unix

package config

import (
	"os"
	"syscall"
)

// fileOwner returns the uid owning the file st describes.
func fileOwner(st os.FileInfo) (uint32, bool) {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return s.Uid, true
}
