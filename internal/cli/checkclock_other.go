//go:build !linux

package cli

import "errors"

// readClock has no portable source outside Linux.
func readClock() (clockState, error) {
	return clockState{}, errors.New("not available on this system")
}
