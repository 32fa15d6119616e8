// Package sigtool is the signature authors' command, vigil-signatures:
// it runs a signature directory's Rego tests, lints signatures exactly as
// the detection processor loads them, and replays recorded events through
// them.
package sigtool

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

const usage = `usage: vigil-signatures <command> [flags] [arguments]

commands:
  test [-v] [-run REGEX] DIR...     run the *_test.rego of signature directories, as opa test does
  lint [-builtin] [-allow-insecure-permissions] [PATH...]
                                    load signatures as the detection processor does and report
                                    errors and which signatures its guards pre-filter
  replay [-builtin=false] [-signatures PATH]... FILE
                                    run recorded events (Tracee JSON or Vigil OTLP JSON, one per
                                    line) through the signatures and print the findings

Run "vigil-signatures <command> -h" for a command's flags.
`

// Main runs the command line args (without the program name) and returns
// the exit status: 0 success, 1 failures found (tests failing, signatures
// not loading), 2 bad usage.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	run, ok := map[string]func(context.Context, *flag.FlagSet, []string, io.Writer) error{
		"test":   runTest,
		"lint":   runLint,
		"replay": runReplay,
	}[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	fs := flag.NewFlagSet("vigil-signatures "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	err := run(ctx, fs, args[1:], stdout)
	switch {
	case err == nil:
		return 0
	case err == flag.ErrHelp:
		return 0
	case isUsage(err):
		if err.Error() != "" { // flag errors are printed by the flag package
			fmt.Fprintln(stderr, err)
		}
		return 2
	}
	fmt.Fprintln(stderr, strings.TrimSuffix(err.Error(), "\n"))
	return 1
}

// usageError is a command line the command cannot run.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func isUsage(err error) bool {
	_, ok := err.(usageError)
	return ok
}

// parse parses a command's flags; a flag error is a usage error.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{}
	}
	return nil
}
