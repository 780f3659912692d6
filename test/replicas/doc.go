// Package replicas holds the scale-out integration tests: real
// `samo serve` processes, built from this module, sharing one PostgreSQL
// database and one Redis, behaving as one service, and surviving faults.
//
// The tests skip unless SAMO_TEST_POSTGRES_URL and SAMO_TEST_REDIS_URL are
// set (make test starts throwaway servers with scripts/services.sh). Each
// test gets a database and a Redis logical database of its own, so they can
// run beside the other packages' integration tests. The fault tests stop
// and restart servers, so they start private ones with
// SAMO_TEST_SERVICES_SCRIPT instead of touching the shared ones.
//
// Clients are simulated behind a trusted proxy: the replicas trust
// 127.0.0.1 and each simulated client sends its own X-Forwarded-For
// address, so per-IP limits and intrusion detection see distinct clients.
package replicas
