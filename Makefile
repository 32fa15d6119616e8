# Vigil — build, generate, test and benchmark.
#
#   make run       build vigilcol if needed and run it with examples/default.yaml (as root)
#   make e2e       build vigilcol if needed and run the end-to-end test (as root)
#   make test      run every test (privileged ones need root; CI sets VIGIL_REQUIRE_EBPF=1)
#   make generate  regenerate vmlinux.h, the BPF objects and mdatagen output
#   make bench     run the benchmarks and print the figures the READMEs quote
#   make vigil-signatures  build the signature tool into _build/vigil-signatures

SHELL := /bin/bash
GO ?= go
TOOLS := $(CURDIR)/.tools
MDATAGEN := $(TOOLS)/mdatagen
BUILDER := $(TOOLS)/builder
BENCHSTAT := $(TOOLS)/benchstat
VMLINUX := bpf/headers/vmlinux.h

.PHONY: all vigil-signatures tools generate vmlinux test test-short bench build run e2e fmt vet check-generated clean

all: test vigil-signatures

# The signature authors' tool: test, lint and replay signatures.
vigil-signatures:
	$(GO) build -o _build/vigil-signatures ./cmd/vigil-signatures

$(MDATAGEN) $(BUILDER) $(BENCHSTAT): internal/tools/go.mod internal/tools/go.sum
	cd internal/tools && $(GO) build -o $(TOOLS)/ \
		go.opentelemetry.io/collector/cmd/mdatagen \
		go.opentelemetry.io/collector/cmd/builder \
		golang.org/x/perf/cmd/benchstat
	@touch $(MDATAGEN) $(BUILDER) $(BENCHSTAT)

tools: $(MDATAGEN) $(BUILDER) $(BENCHSTAT)

# vmlinux.h describes the running kernel's types; CO-RE relocates field
# offsets at load time, so one committed header serves other kernels too.
vmlinux:
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > $(VMLINUX)

generate: tools
	$(GO) generate ./...

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# Regenerating must change nothing that is committed.
check-generated: generate
	@if [ -n "$$(git status --porcelain)" ]; then git status --short; echo "generated files are out of date: run make generate and commit"; exit 1; fi

test: fmt vet
	$(GO) test -count=1 -timeout 20m ./...

bench: tools
	./scripts/bench.sh

# ocb writes the distribution's sources and binary to _build/ (git-ignored).
build: tools
	$(BUILDER) --config builder-config.yaml

# Rebuild only when the distribution or the components' sources change: the
# signatures and the BPF object are embedded, so they count as sources; tests
# are not built in.
_build/vigilcol: builder-config.yaml go.mod go.sum $(shell git ls-files -- '*.go' '*.rego' '*.o' ':(exclude)*_test.go' 2>/dev/null)
	$(MAKE) build

# Capturing kernel events needs root; sudo only when not root already.
run: _build/vigilcol
	$(if $(filter 0,$(shell id -u)),,sudo -E) ./_build/vigilcol --config examples/default.yaml

# The end-to-end test: kernel -> vigilcol -> OTLP -> a second vigilcol (the
# backend), as root. It also validates every example config.
e2e: _build/vigilcol
	$(GO) vet -tags e2e ./test/e2e
	VIGILCOL=$(CURDIR)/_build/vigilcol $(GO) test -tags e2e -count=1 -timeout 15m -v ./test/e2e

clean:
	rm -rf _build $(TOOLS)
