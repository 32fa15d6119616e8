//go:build tools

// Package tools pins the code generators and builders the Makefile runs.
// They live in their own module so their dependencies never leak into the
// collector components' go.mod.
package tools

import (
	_ "go.opentelemetry.io/collector/cmd/builder"
	_ "go.opentelemetry.io/collector/cmd/mdatagen"
	_ "golang.org/x/perf/cmd/benchstat"
	_ "helm.sh/helm/v3/cmd/helm"
)
