# SAMO — the two set-up commands are `make run` and `make test`.
# Machines start on their own Go; the toolchain pinned in go.mod is used
# everywhere through GOTOOLCHAIN.
export GOTOOLCHAIN := go1.27.3
export GOFLAGS := -buildvcs=false

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOSEC       := github.com/securego/gosec/v2/cmd/gosec@v2.30.0
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB      := golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018

VERSION       ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS       := -X github.com/samo-brain/samo/internal/buildinfo.version=$(VERSION)
SAMO_ADDR     ?= 127.0.0.1:8080
SAMO_DATA_DIR ?= ./samo-data

.PHONY: build run test unit lint audit bench fuzz soak clean

build: ## build bin/samo
	go build -trimpath -ldflags "$(LDFLAGS)" -o bin/samo ./cmd/samo

run: build ## build and start samo serve in development mode
	SAMO_DATA_DIR=$(SAMO_DATA_DIR) SAMO_ADDR=$(SAMO_ADDR) ./bin/samo serve

lint: ## gofmt check, go vet, staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	 if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
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

soak: ## 10-minute fixed-rate soak of samo serve (SOAK_DURATION, SOAK_RATE)
	./scripts/soak.sh

clean:
	rm -rf bin
