# SAMO container image (needs a registry for the build stage). Offline
# machines use `make image` instead, which builds the binary on the host and
# packs it with deploy/Dockerfile.local into the same final image.
#
#   docker build -t samo --build-arg VERSION=$(git describe --tags --always) .
#   docker run --network host -e SAMO_ADDR=127.0.0.1:8080 -v samo-data:/data samo
ARG GO_IMAGE=golang:1.27.3-bookworm

FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
ARG DATE=unknown
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/samo-brain/samo/internal/buildinfo.version=${VERSION} -X github.com/samo-brain/samo/internal/buildinfo.commit=${COMMIT} -X github.com/samo-brain/samo/internal/buildinfo.date=${DATE}" \
      -o /rootfs/usr/local/bin/samo ./cmd/samo \
 && mkdir -p /rootfs/etc/ssl/certs /data \
 && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ \
 && echo 'samo:x:65532:65532:samo:/data:/nonexistent' > /rootfs/etc/passwd \
 && echo 'samo:x:65532:' > /rootfs/etc/group \
 && chmod 0700 /data

# The final stage: no shell, no package manager, only the static binary,
# CA certificates, the user entry and the data directory. Keep it identical
# to deploy/Dockerfile.local (deploy/deploy_test.go checks).
FROM scratch
COPY --from=build /rootfs/ /
COPY --from=build --chown=65532:65532 /data /data
USER 65532:65532
ENV SAMO_ADDR=0.0.0.0:8080 SAMO_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["/usr/local/bin/samo", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/samo"]
CMD ["serve"]
