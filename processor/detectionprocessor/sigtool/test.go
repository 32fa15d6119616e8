package sigtool

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
)

var helpersPackage = ast.MustParseRef("data.tracee.helpers")

// runTest runs the Rego tests of signature directories with OPA's test
// runner and prints the results as opa test does.
func runTest(ctx context.Context, fs *flag.FlagSet, args []string, stdout io.Writer) error {
	verbose := fs.Bool("v", false, "list every test and its result, as opa test -v")
	run := fs.String("run", "", "run only the tests whose name matches this regular expression")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"test: name at least one signature directory"}
	}
	modules, err := testModules(fs.Args())
	if err != nil {
		return err
	}
	runner := tester.NewRunner().
		SetCompiler(ast.NewCompiler().WithEnablePrintStatements(true)).
		SetStore(inmem.New()).
		SetDefaultRegoVersion(ast.RegoV0).
		CapturePrintOutput(true).
		RaiseBuiltinErrors(true)
	if *run != "" {
		runner = runner.Filter(*run)
	}
	results, err := runner.Run(ctx, modules)
	if err != nil {
		return err
	}
	// Count the failures on the way to the reporter, for the exit status.
	counted := make(chan *tester.Result)
	var failed, total int
	go func() {
		defer close(counted)
		for r := range results {
			total++
			if !r.Pass() && !r.Skip {
				failed++
			}
			counted <- r
		}
	}()
	if err := (tester.PrettyReporter{Output: stdout, Verbose: *verbose, FailureLine: true}).Report(counted); err != nil {
		return err
	}
	switch {
	case total == 0:
		return fmt.Errorf("no tests found (rules named test_* in %s)", strings.Join(fs.Args(), ", "))
	case failed > 0:
		return fmt.Errorf("%d of %d tests failed", failed, total)
	}
	return nil
}

// testModules parses every .rego file under the directories (signatures,
// helpers and tests, each as Rego v0 or, failing that, v1, as the processor
// parses them) and adds the standard helpers unless a file declares
// data.tracee.helpers itself.
func testModules(dirs []string) (map[string]*ast.Module, error) {
	modules := map[string]*ast.Module{}
	haveHelpers := false
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			mod, err := signature.Parse(p, string(b))
			if err != nil {
				return err
			}
			modules[p] = mod
			haveHelpers = haveHelpers || mod.Package.Path.Equal(helpersPackage)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(modules) == 0 {
		return nil, errors.New("no .rego files in " + strings.Join(dirs, ", "))
	}
	if !haveHelpers {
		std, err := ast.ParseModuleWithOpts("builtin/helpers.rego", signature.StandardHelpers(), ast.ParserOptions{RegoVersion: ast.RegoV0})
		if err != nil {
			return nil, err
		}
		modules["builtin/helpers.rego"] = std
	}
	return modules, nil
}
