// Package deploy holds no code: it is the home of the deployment files
// (compose.yaml, samo.service, kubernetes/, Dockerfile.local) and of the
// test that checks their security properties. See the README, "Deploying".
package deploy
