package cli

import (
	"syscall"
	"time"
)

// Kernel clock flags (linux/timex.h).
const (
	staUnsync = 0x0040 // clock not synchronised
	timeError = 5      // adjtimex's TIME_ERROR state
)

// readClock asks the kernel for its clock's state (adjtimex(2) with no
// mode bits reads and changes nothing; it needs no privilege).
func readClock() (clockState, error) {
	var tx syscall.Timex
	state, err := syscall.Adjtimex(&tx)
	if err != nil {
		return clockState{}, err
	}
	return clockState{
		synced:   tx.Status&staUnsync == 0 && state != timeError,
		maxError: time.Duration(tx.Maxerror) * time.Microsecond,
	}, nil
}
