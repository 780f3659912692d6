#!/usr/bin/env bash
# `make image`: builds the container image without any registry. The static
# binary is built on the host (CGO_ENABLED=0, -trimpath), a root filesystem
# is prepared next to it (the host's CA certificates, /etc/passwd and
# /etc/group for the samo user, uid/gid 65532, and an empty /data), and
# deploy/Dockerfile.local packs it FROM scratch: the same final image as
# ./Dockerfile. Tag: $IMAGE (default samo:local).
set -euo pipefail
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3} GOFLAGS=${GOFLAGS:--buildvcs=false}
cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-samo:local}
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
COMMIT=${COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
DATE=${DATE:-$(git log -1 --format=%cI 2>/dev/null || echo unknown)}
CA=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[ -r "$CA" ] || { echo "image.sh: no CA bundle at $CA (install ca-certificates or set CA_BUNDLE)" >&2; exit 1; }
command -v docker >/dev/null || { echo "image.sh: docker is not installed" >&2; exit 1; }

ctx=$(mktemp -d "${TMPDIR:-/tmp}/samo-image.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/rootfs/usr/local/bin" "$ctx/rootfs/etc/ssl/certs" "$ctx/data"
pkg=github.com/samo-brain/samo/internal/buildinfo
CGO_ENABLED=0 GOOS=linux go build -trimpath \
  -ldflags "-s -w -X $pkg.version=$VERSION -X $pkg.commit=$COMMIT -X $pkg.date=$DATE" \
  -o "$ctx/rootfs/usr/local/bin/samo" ./cmd/samo
cp "$CA" "$ctx/rootfs/etc/ssl/certs/ca-certificates.crt"
echo 'samo:x:65532:65532:samo:/data:/nonexistent' > "$ctx/rootfs/etc/passwd"
echo 'samo:x:65532:' > "$ctx/rootfs/etc/group"
chmod 0755 "$ctx/rootfs/usr/local/bin/samo"
chmod 0644 "$ctx/rootfs/etc/passwd" "$ctx/rootfs/etc/group" "$ctx/rootfs/etc/ssl/certs/ca-certificates.crt"
chmod 0700 "$ctx/data"
cp deploy/Dockerfile.local "$ctx/Dockerfile"
# The classic builder: FROM scratch needs no registry and no buildx plugin.
DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" \
  --label org.opencontainers.image.version="$VERSION" \
  --label org.opencontainers.image.revision="$COMMIT" \
  "$ctx" >/dev/null 2> >(grep -v -i 'deprecat\|legacy builder\|buildx\|^$' >&2 || true)
echo "image.sh: built $IMAGE ($VERSION)"
