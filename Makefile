# Vigil — build, generate, test and benchmark.
#
#   make run       build vigilcol if needed and run it with examples/default.yaml (as root)
#   make e2e       build vigilcol if needed and run the end-to-end test (as root)
#   make build-arm64  cross-build vigilcol for linux/arm64 into _build/arm64/vigilcol
#   make test-arm64   vet everything for arm64, and run the unit tests that need no
#                  kernel under qemu-user-static (installs it when root with apt)
#   make e2e-arm64    the arm64 vigilcol under qemu-user-static: every example config
#                  validated, and the replay example's detections
#   make test-kernels the bpf package's tests, capture included, and vigilcol detecting a
#                  read, on Debian 12's Linux 6.1 for arm64 and x86_64, under qemu-system
#   make test      run every test (privileged ones need root; CI sets VIGIL_REQUIRE_EBPF=1);
#                  installs the programs tests run (runc, busybox) when root with apt
#   make generate  regenerate vmlinux.h, the BPF objects and mdatagen output
#   make generate-table  rewrite the syscall rows of the event table from the running kernel
#   make bench     run the benchmarks and print the figures the READMEs quote
#   make image     build the container image IMAGE:VERSION (podman or buildah; no daemon)
#   make chart-check  render the Helm chart (deploy/helm/vigil) with each ci/ values file,
#                  decode every object strictly, validate its collector configs
#   make vigil-signatures  build the signature tool into _build/vigil-signatures

SHELL := /bin/bash
GO ?= go
TOOLS := $(CURDIR)/.tools
MDATAGEN := $(TOOLS)/mdatagen
BUILDER := $(TOOLS)/builder
BENCHSTAT := $(TOOLS)/benchstat
HELM := $(TOOLS)/helm
VMLINUX := bpf/headers/vmlinux.h

.PHONY: build-arm64 test-arm64 e2e-arm64 qemu-arm64 test-kernels vigil-signatures image image-values image-name chart-check all tools generate generate-table vmlinux test test-deps generate-deps test-short bench build run e2e fmt vet check-generated clean

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

# What make generate runs (bpf2go calls clang-14 and llvm-strip-14 and
# includes libbpf's headers; vmlinux runs bpftool): installed when missing
# where that is possible, or the target stops naming the packages.
generate-deps:
	@./scripts/need-packages.sh --required clang-14:clang-14 llvm-strip-14:llvm-14 \
		/usr/include/bpf/bpf_helpers.h:libbpf-dev bpftool:bpftool

vmlinux generate: generate-deps

generate: tools
	$(GO) generate ./...

# The syscalls' numbers and arguments as the running kernel declares them
# (internal/eventgen/syscalls.yaml, committed): run by hand, then make
# generate. It reads the kernel's syscall trace events: tracefs must be
# mounted.
generate-table:
	$(GO) run ./internal/eventgen -kernel

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# Regenerating must change nothing that is committed.
check-generated: generate
	@if [ -n "$$(git status --porcelain)" ]; then git status --short; echo "generated files are out of date: run make generate and commit"; exit 1; fi

# Programs the tests run: the container test runs busybox under runc. When
# they cannot be installed, the tests that need them skip naming the package.
test-deps:
	@./scripts/need-packages.sh runc:runc busybox:busybox-static containerd:containerd ctr:containerd gcc:gcc git:git ssh-keygen:openssh-client dpkg-deb:dpkg python3:python3-venv

# Then the replay's and the slabs' hand-offs between goroutines under the
# race detector (a chunk given back while a batcher still points into it
# shows there first; gcc, which -race needs, is in test-deps).
test: fmt vet test-deps
	$(GO) test -count=1 -timeout 20m ./...
	$(GO) test -count=1 -race -run 'Replay|Chunk|Batcher|Builders' ./receiver/kerneleventsreceiver
	$(GO) test -count=1 -race ./internal/pdataslab

bench: tools
	./scripts/bench.sh

# ocb writes the distribution's sources and binary to _build/ (git-ignored).
build: tools
	$(BUILDER) --config builder-config.yaml

# The same distribution for linux/arm64 (static: ocb builds with
# CGO_ENABLED=0), in a directory of its own so that both can be built side
# by side. output_path is the config's; ocb v0.165.0 still takes the
# deprecated --output-path flag that overrides it.
build-arm64: tools
	mkdir -p _build/arm64
	GOARCH=arm64 $(BUILDER) --config builder-config.yaml --output-path=_build/arm64

# Packages whose tests need no kernel events, no root and no x86_64
# binaries, run for arm64 under qemu-user-static: the catalog's arm64
# numbers, the loader's plans on arm64, the kernel requirements' probe list,
# the arm64 and x86_64 objects compared (bpf; its tests that load programs
# skip, VIGIL_FOREIGN_KERNEL: test-kernels runs them on an arm64 kernel),
# the event table, the Tracee formats, the Rego engine and
# signatures, the receiver's parsers; the arm64 object's CO-RE relocations
# against an arm64 kernel's BTF. qemu-aarch64 passes system calls to
# this host's kernel, so the feature probe runs against it.
ARM64_TEST_PKGS := ./catalog ./bpf ./internal/eventgen ./tracee/... ./processor/detectionprocessor/internal/... \
	$(addprefix ./receiver/kerneleventsreceiver/internal/,argparse containers proctree lossreport)

# qemu-user-static runs arm64 binaries on this host (no binfmt needed).
qemu-arm64:
	@./scripts/need-packages.sh --required qemu-aarch64-static:qemu-user-static

# Debian's cloud kernel images (~20 MB each, from apt) and static busybox:
# the arm64 kernel's BTF is what bpf's TestArm64Relocations resolves the
# arm64 object against, and test-kernels boots both.
ARM64_KERNEL := _build/arm64/kernel/vmlinuz
AMD64_KERNEL := _build/amd64/kernel/vmlinuz
_build/%/kernel/vmlinuz _build/%/kernel/busybox &:
	@./scripts/need-packages.sh --required dpkg-deb:dpkg
	./scripts/debian-kernel.sh $* _build/$*/kernel/vmlinuz

# The bpf package's tests on another kernel than this machine's: Debian 12's
# (Linux 6.1, older than this machine's 6.18; its verifier refused programs
# this one took), for arm64 and for x86_64, each booted under qemu-system
# with the test binary as its workload (scripts/kernel-vm.sh). That is the
# only place the arm64 object meets an arm64 kernel. TestCaptureProcessLife
# is left out there: the machine's shell, busybox's, runs cat without an
# exec. -timeout: the CPU is emulated, some ten times slower. Each machine
# has one emulated CPU (kernel-vm.sh's default): with two, qemu's
# emulation of code the kernel patches while the other CPU runs it failed
# (bpf/README.md, Older kernels).
KERNEL_VM_TEST_FLAGS := -test.v -test.timeout=20m -test.skip=TestCaptureProcessLife
# Then vigilcol itself on each, with examples/default.yaml: ready, a read
# of /etc/shadow detected, a clean exit (scripts/vm-detect-smoke.sh).
test-kernels: $(ARM64_KERNEL) $(AMD64_KERNEL) _build/arm64/kernel/busybox _build/amd64/kernel/busybox _build/vigilcol build-arm64
	GOARCH=arm64 CGO_ENABLED=0 $(GO) test -c -o _build/arm64/bpf.test ./bpf
	./scripts/kernel-vm.sh arm64 $(ARM64_KERNEL) bpf _build/arm64/bpf.test $(KERNEL_VM_TEST_FLAGS)
	GOARCH=amd64 CGO_ENABLED=0 $(GO) test -c -o _build/amd64/bpf.test ./bpf
	./scripts/kernel-vm.sh amd64 $(AMD64_KERNEL) bpf _build/amd64/bpf.test $(KERNEL_VM_TEST_FLAGS)
	mkdir -p _build/arm64/vm-smoke _build/amd64/vm-smoke
	cp _build/arm64/vigilcol examples/default.yaml _build/arm64/vm-smoke/
	cp _build/vigilcol examples/default.yaml _build/amd64/vm-smoke/
	./scripts/kernel-vm.sh arm64 $(ARM64_KERNEL) _build/arm64/vm-smoke scripts/vm-detect-smoke.sh
	./scripts/kernel-vm.sh amd64 $(AMD64_KERNEL) _build/amd64/vm-smoke scripts/vm-detect-smoke.sh

# -timeout 30m: under qemu the engine's tests alone took 4 minutes on a busy
# 2-core machine, too near go test's default of 10.
test-arm64: qemu-arm64 $(ARM64_KERNEL)
	GOARCH=arm64 CGO_ENABLED=0 $(GO) vet ./...
	GOARCH=arm64 CGO_ENABLED=0 $(GO) vet -tags e2e ./test/e2e
	VIGIL_FOREIGN_KERNEL=1 VIGIL_ARM64_KERNEL=$(CURDIR)/$(ARM64_KERNEL) GOARCH=arm64 CGO_ENABLED=0 \
		$(GO) test -count=1 -timeout 30m -exec qemu-aarch64-static $(ARM64_TEST_PKGS)

# The end-to-end tests that need no kernel events, on the arm64 build: its
# capture needs an arm64 kernel, which qemu-user does not provide.
e2e-arm64: build-arm64 qemu-arm64
	VIGILCOL=$(CURDIR)/scripts/vigilcol-arm64-qemu.sh $(GO) test -tags e2e -count=1 -timeout 10m \
		-run '^(TestExamplesValidate|TestReplayExample)$$' -v ./test/e2e

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
e2e: _build/vigilcol test-deps
	$(GO) vet -tags e2e ./test/e2e
	VIGILCOL=$(CURDIR)/_build/vigilcol $(GO) test -tags e2e -count=1 -timeout 15m -v ./test/e2e

clean:
	rm -rf _build $(TOOLS)

# The container image (Containerfile), tagged with the distribution's version
# from builder-config.yaml. podman, else buildah; installed from apt when
# neither is there and that is possible.
VERSION ?= $(shell awk '$$1 == "version:" {print $$2; exit}' builder-config.yaml)
IMAGE ?= localhost/vigil/vigilcol
IMAGE_BUILDER ?= $(or $(shell command -v podman),$(shell command -v buildah),podman)

# The values are checked before anything is built.
image-values:
	@[[ "$(VERSION)" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$$ ]] || { echo "make image: VERSION '$(VERSION)' is not a valid image tag (letters, digits, _ . -; at most 128; not starting with . or -)"; exit 1; }
	@[[ "$(IMAGE)" =~ ^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$$ ]] || { echo "make image: IMAGE '$(IMAGE)' is not a valid image name (lower-case [registry[:port]/]path, no tag: the tag is VERSION)"; exit 1; }
	@case "$(notdir $(IMAGE_BUILDER))" in podman|buildah) ;; *) echo "make image: IMAGE_BUILDER '$(IMAGE_BUILDER)' is neither podman nor buildah"; exit 1;; esac
	@command -v $(IMAGE_BUILDER) >/dev/null || ./scripts/need-packages.sh --required $(notdir $(IMAGE_BUILDER)):$(notdir $(IMAGE_BUILDER))

image: image-values _build/vigilcol
	@$(GO) version -m _build/vigilcol | grep -q 'CGO_ENABLED=0' || { echo "make image: _build/vigilcol was built with cgo; rebuild it with CGO_ENABLED=0 (make clean build)"; exit 1; }
	mkdir -p _build/image/log
	$(notdir $(IMAGE_BUILDER)) build --build-arg VERSION=$(VERSION) -f Containerfile -t $(IMAGE):$(VERSION) .

image-name:
	@echo $(IMAGE):$(VERSION)

# helm, from its Go module in the tools module (no binary download). Built on
# its own: the chart tests pass --kube-version, since a source build of helm
# does not know which Kubernetes release it was cut against.
$(HELM): internal/tools/go.mod internal/tools/go.sum
	cd internal/tools && $(GO) build -o $(HELM) helm.sh/helm/v3/cmd/helm

# The chart and the OpenTelemetry Operator example (internal/tools/chartcheck).
chart-check: $(HELM) _build/vigilcol
	$(HELM) lint --strict --kube-version 1.31.0 deploy/helm/vigil
	cd internal/tools && HELM=$(HELM) VIGILCOL=$(CURDIR)/_build/vigilcol $(GO) test -count=1 -v ./chartcheck/
