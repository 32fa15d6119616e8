//go:build e2e

// Package e2e tests vigilcol from the kernel to an OTLP backend: it runs the
// distribution built by `make build` twice (a node with examples/otlp.yaml
// and a backend with examples/gateway.yaml), performs real suspicious actions
// on this machine, and checks what the backend wrote.
//
// It is behind the e2e build tag because it needs the built binary, root and
// minutes; run it with `make e2e`.
package e2e

import (
	"os"
	"testing"
)

// TestMain doubles as the runner of the suspicious actions: the test re-runs
// its own binary with actionEnv set, so each action happens in a process
// whose pid the test knows and can look for in the detections.
func TestMain(m *testing.M) {
	if name := os.Getenv(actionEnv); name != "" {
		os.Exit(runAction(name, os.Getenv(actionArgEnv)))
	}
	os.Exit(m.Run())
}
