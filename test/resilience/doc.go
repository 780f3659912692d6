// Package resilience holds SAMO's process-level soak and fault tests. They
// build the real samo binary once (TestMain), start it on loopback with a
// fresh data directory per test, and drive it with internal/httpload:
//
//   - TestSoak: a fixed rate of POST /v1/predict for SOAK_DURATION (25 s in
//     `make test`, 10 min from scripts/soak.sh): no 5xx, no connection
//     errors, every acknowledged prediction stored and nothing else
//     (checked in the SQLite file after shutdown), RSS flat and bounded;
//   - TestKill9DuringWrites: SIGKILL under concurrent writes, restart, and
//     every acknowledged prediction is there with an intact database;
//   - TestDiskFull and TestReadOnlyDataDir: the data directory is a small
//     tmpfs that fills up, or is remounted read-only, under the running
//     server; writes get a clear 503 problem+json, reads and health keep
//     working, nothing acknowledged is lost, the database passes
//     integrity_check, and service resumes when space or write access
//     returns;
//   - TestSlowloris: connections that trickle header bytes are closed by
//     ReadHeaderTimeout while other clients keep being served;
//   - TestOversizedRequests: 431 for headers over MaxHeaderBytes, 413
//     problem+json for bodies over the limit.
//
// Why tmpfs: SAMO's tests run as root on the CI machine, and root ignores
// file permissions, so chmod 0500 on the data directory or 0444 on the
// database proves nothing (and SQLite keeps writing through descriptors it
// opened before the chmod anyway). A size-limited tmpfs gives a real
// ENOSPC, and `mount -o remount,ro` a real EROFS, on the files the server
// has open. Both tests skip, saying why, when they cannot mount.
//
// The million-client-address test runs in process (internal/app), where
// heap and tracked-state counts can be read directly.
package resilience
