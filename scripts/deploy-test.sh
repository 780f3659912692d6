#!/usr/bin/env bash
# Validates the deployment files with the tools operators use (part of
# `make test`): `docker compose config` (or Debian's docker-compose) on
# deploy/compose.yaml and `systemd-analyze verify` on deploy/samo.service.
# Missing tools are installed with apt-get when running as root (CI); a
# tool that stays missing is a visible SKIP, or a failure under CI=true.
# (The Kubernetes manifests are checked by go test ./deploy/.)
set -euo pipefail
cd "$(dirname "$0")/.."

miss() {
  if [ "${CI:-}" = true ]; then echo "deploy-test: FAIL: $*" >&2; exit 1; fi
  echo "deploy-test: SKIP: $*" >&2
}
apt_get() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; } >/tmp/samo-deploy-apt.log 2>&1
}

# compose.yaml references secret files; give it throwaway ones.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp deploy/compose.yaml deploy/haproxy.cfg deploy/prometheus.yml deploy/pg_hba.conf "$tmp/"
cp -R deploy/postgres-init "$tmp/"
mkdir "$tmp/secrets"
for f in postgres_password jwt_secret_key encryption_key security_alert_secret tls.pem \
  internal_ca.pem postgres_tls.pem postgres_tls.key redis_tls.pem redis_tls.key samo_client.pem samo_client.key \
  samo_owner.pem samo_owner.key; do
  echo placeholder > "$tmp/secrets/$f"
done
if docker compose version >/dev/null 2>&1; then compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1 || apt_get docker-compose; then compose=(docker-compose)
else compose=()
fi
if [ ${#compose[@]} -gt 0 ]; then
  "${compose[@]}" -f "$tmp/compose.yaml" config -q
  echo "deploy-test: ${compose[*]} config: deploy/compose.yaml is valid"
else
  miss "neither docker compose nor docker-compose is available: deploy/compose.yaml not validated"
fi

if command -v systemd-analyze >/dev/null 2>&1 || apt_get systemd; then
  # verify checks that ExecStart exists: point it at a freshly built binary.
  go build -o "$tmp/samo" ./cmd/samo
  mkdir "$tmp/unit"
  sed "s|/usr/local/bin/samo|$tmp/samo|g" deploy/samo.service > "$tmp/unit/samo.service"
  out=$(systemd-analyze verify "$tmp/unit/samo.service" 2>&1) || { echo "$out" >&2; echo "deploy-test: FAIL: systemd-analyze verify deploy/samo.service" >&2; exit 1; }
  # verify also reports problems of unrelated units on the host: only ours count.
  if echo "$out" | grep -q "samo.service"; then echo "$out" >&2; echo "deploy-test: FAIL: systemd-analyze verify deploy/samo.service" >&2; exit 1; fi
  echo "deploy-test: systemd-analyze verify: deploy/samo.service is valid"
else
  miss "systemd-analyze is not available: deploy/samo.service not verified"
fi
