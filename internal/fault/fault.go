// Package fault declares the failures every storage backend reports the
// same way, so that HTTP surfaces and domain packages can classify an error
// without importing the backend that produced it:
//
//	if errors.Is(err, fault.ErrUnavailable) {
//		// the database is down: answer 503 and let the client retry
//	}
//
// Backends wrap these sentinels with %w, keeping the driver's error in the
// chain for errors.As.
package fault

import "errors"

var (
	// ErrNotFound reports a record that does not exist or is not visible
	// to the caller.
	ErrNotFound = errors.New("not found")
	// ErrConflict reports a write that would break a uniqueness rule.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable reports a backend that cannot serve the request now
	// (down, unreachable, disk full, read-only); retrying later may work.
	ErrUnavailable = errors.New("unavailable")
)
