// Package deploy holds no code: it is the home of the deployment files
// (compose.yaml with pg_hba.conf and postgres-init/, samo.service,
// kubernetes/, Dockerfile.local) and of the tests that check their
// security properties. See the README, "Deploying".
package deploy
