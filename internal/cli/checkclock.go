package cli

import (
	"fmt"
	"time"
)

// clockState is what the kernel says of its clock.
type clockState struct {
	// synced: an NTP client disciplines the clock (adjtimex(2): STA_UNSYNC
	// clear, state not TIME_ERROR).
	synced bool
	// maxError is the kernel's bound on the clock's error.
	maxError time.Duration
}

// maxClockError is the largest error bound clock_sync passes: TOTP allows
// a 30-second step either side, and replicas compare sign-out cut-offs and
// token times to the second.
const maxClockError = time.Second

// clock reports whether the host's clock is kept right. TOTP codes, token
// and session expiry, and the sign-everyone-out and session cut-offs that
// replicas compare all read it, so a drifting clock is a security problem,
// not only a log nuisance.
func (c *checker) clock() {
	read := c.opt.clock
	if read == nil {
		read = readClock
	}
	st, err := read()
	const why = "TOTP codes (one 30-second step either side), token and session expiry, and the cut-offs replicas compare depend on it"
	switch {
	case err != nil:
		c.add(checkWarn, "clock_sync", "could not read the clock's synchronisation state (%v); make sure an NTP client keeps it: %s", err, why)
	case !st.synced:
		c.add(checkWarn, "clock_sync", "the kernel clock is not synchronised (no NTP client disciplines it; error bound %s): run chrony or systemd-timesyncd; %s", st.maxError, why)
	case st.maxError > maxClockError:
		c.add(checkWarn, "clock_sync", "the kernel clock is synchronised but its error bound is %s (over %s): %s", st.maxError, maxClockError, why)
	default:
		c.add(checkPass, "clock_sync", "%s", fmt.Sprintf("kernel clock synchronised (error bound %s)", st.maxError))
	}
}
