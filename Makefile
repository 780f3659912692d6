# SAMO — the two set-up commands are `make run` and `make test`.
# Machines start on their own Go; the toolchain pinned in go.mod is used
# everywhere through GOTOOLCHAIN.
export GOTOOLCHAIN := go1.27.3
export GOFLAGS := -buildvcs=false

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOSEC       := github.com/securego/gosec/v2/cmd/gosec@v2.30.0
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB      := golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018
GREMLINS    := github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0

VERSION       ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT        ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE          ?= $(shell git log -1 --format=%cI 2>/dev/null || echo unknown)
BUILDINFO     := github.com/samo-brain/samo/internal/buildinfo
LDFLAGS       := -X $(BUILDINFO).version=$(VERSION) -X $(BUILDINFO).commit=$(COMMIT) -X $(BUILDINFO).date=$(DATE)
IMAGE         ?= samo:local
SAMO_ADDR     ?= 127.0.0.1:8080
SAMO_DATA_DIR ?= ./samo-data

.PHONY: build run test unit lint audit bench fuzz soak mutate clean image release

build: ## build bin/samo
	go build -trimpath -ldflags "$(LDFLAGS)" -o bin/samo ./cmd/samo

run: build ## build and start samo serve in development mode
	SAMO_DATA_DIR=$(SAMO_DATA_DIR) SAMO_ADDR=$(SAMO_ADDR) ./bin/samo serve

lint: ## gofmt check, go mod tidy check, go vet, staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	 if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	@cp go.mod /tmp/samo-go.mod.$$$$ && cp go.sum /tmp/samo-go.sum.$$$$ && go mod tidy && \
	 if ! cmp -s go.mod /tmp/samo-go.mod.$$$$; then diff -u /tmp/samo-go.mod.$$$$ go.mod; \
	   cp /tmp/samo-go.mod.$$$$ go.mod; cp /tmp/samo-go.sum.$$$$ go.sum; rm -f /tmp/samo-go.*.$$$$; \
	   echo "go mod tidy changes go.mod: run it and commit"; exit 1; fi; \
	 cp /tmp/samo-go.sum.$$$$ go.sum; rm -f /tmp/samo-go.*.$$$$
	go vet ./...
	go run $(STATICCHECK) ./...

unit: ## go test -race over every package
	go test -race -count=1 ./...

test: lint ## everything the tests need, then all tests
	./scripts/test.sh

audit: ## gosec and govulncheck (offline vulnerability database)
	./scripts/audit.sh

bench: ## load benchmarks (bare vs security chain vs predict) + micro-benchmarks; rewrites BENCHMARKS.md
	./scripts/bench.sh

fuzz: ## every fuzz target for FUZZTIME (default 20s) each
	./scripts/fuzz.sh

mutate: ## mutation testing of the security core (gremlins, one package at a time, hours); report in docs/testing.md
	GREMLINS="go run $(GREMLINS)" ./scripts/mutate.sh

soak: ## 10-minute fixed-rate soak of samo serve (SOAK_DURATION, SOAK_RATE)
	./scripts/soak.sh

image: ## container image $(IMAGE) (default samo:local) built offline: host binary packed FROM scratch
	IMAGE=$(IMAGE) VERSION=$(VERSION) COMMIT=$(COMMIT) DATE=$(DATE) ./scripts/image.sh

release: ## static cross-builds, SHA256SUMS and a CycloneDX SBOM in dist/
	VERSION=$(VERSION) COMMIT=$(COMMIT) DATE=$(DATE) ./scripts/release.sh

clean:
	rm -rf bin dist
