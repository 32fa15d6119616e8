// Command vigil-signatures helps write detection signatures: it runs their
// Rego tests, lints them as the detection processor loads them, and replays
// recorded events through them. See "Writing a signature" in the README.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/vigil-sec/vigil/processor/detectionprocessor/sigtool"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := sigtool.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
