# SAMO — the two set-up commands are `make run` and `make test`.
# Machines start on their own Go; the toolchain pinned in go.mod is used
# everywhere through GOTOOLCHAIN.
export GOTOOLCHAIN := go1.27.3
export GOFLAGS := -buildvcs=false

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOSEC       := github.com/securego/gosec/v2/cmd/gosec@v2.30.0
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB      := golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018

SAMO_ADDR     ?= 127.0.0.1:8080
SAMO_DATA_DIR ?= ./samo-data

.PHONY: build run test unit lint audit bench fuzz clean

build: ## build bin/samo
	go build -trimpath -o bin/samo ./cmd/samo

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

clean:
	rm -rf bin
