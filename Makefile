# Vigil — build, generate, test and benchmark.
#
#   make run       build vigilcol if needed and run it with examples/default.yaml (as root)
#   make test      run every test (privileged ones need root; CI sets VIGIL_REQUIRE_EBPF=1)
#   make generate  regenerate vmlinux.h, the BPF objects and mdatagen output
#   make bench     run the benchmarks and print the figures the READMEs quote

SHELL := /bin/bash
GO ?= go
TOOLS := $(CURDIR)/.tools
MDATAGEN := $(TOOLS)/mdatagen
BUILDER := $(TOOLS)/builder
BENCHSTAT := $(TOOLS)/benchstat
VMLINUX := bpf/headers/vmlinux.h

.PHONY: all tools generate vmlinux test test-short bench build run fmt vet check-generated clean

all: test

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

build: tools
	$(BUILDER) --config builder-config.yaml

_build/vigilcol: builder-config.yaml $(shell git ls-files '*.go' 2>/dev/null)
	$(MAKE) build

run: _build/vigilcol
	sudo -E ./_build/vigilcol --config examples/default.yaml

clean:
	rm -rf _build $(TOOLS)
