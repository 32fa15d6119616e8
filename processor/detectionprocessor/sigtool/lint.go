package sigtool

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/vigil-sec/vigil/processor/detectionprocessor"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
)

// signatureFlags are the flags selecting signatures as the processor's
// signatures section does.
type signatureFlags struct {
	builtin  *bool
	paths    pathList
	insecure *bool
}

func addSignatureFlags(fs *flag.FlagSet, builtinDefault bool, builtinUsage string) *signatureFlags {
	f := &signatureFlags{
		builtin:  fs.Bool("builtin", builtinDefault, builtinUsage),
		insecure: fs.Bool("allow-insecure-permissions", false, "load paths others can write, as signatures.allow_insecure_permissions"),
	}
	return f
}

// config is the processor's default configuration with these signatures.
func (f *signatureFlags) config(paths []string) *detectionprocessor.Config {
	cfg := detectionprocessor.NewFactory().CreateDefaultConfig().(*detectionprocessor.Config)
	cfg.Signatures.Builtin = *f.builtin
	cfg.Signatures.Paths = paths
	cfg.Signatures.AllowInsecurePermissions = *f.insecure
	return cfg
}

// pathList is a repeatable flag.
type pathList []string

func (l *pathList) String() string     { return strings.Join(*l, ",") }
func (l *pathList) Set(v string) error { *l = append(*l, v); return nil }

// runLint loads signatures with the processor's loader (so its allow-list,
// permission checks and error messages) and reports, for each, whether the
// engine's guards pre-filter it and why not.
func runLint(ctx context.Context, fs *flag.FlagSet, args []string, stdout io.Writer) error {
	sf := addSignatureFlags(fs, false, "lint the built-in signatures too (they alone when no PATH is given)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg := sf.config(fs.Args())
	cfg.Signatures.Builtin = cfg.Signatures.Builtin || fs.NArg() == 0
	eng, sigs, err := detectionprocessor.LoadSignatures(ctx, cfg)
	if err != nil {
		return err
	}
	guarded := 0
	for _, s := range sigs {
		fmt.Fprintf(stdout, "%s %q (%s)\n  selects: %s\n", s.ID, s.Name, s.File, selectorList(s.Selectors))
		if form, why := eng.Guard(s.ID); form != "" {
			guarded++
			fmt.Fprintf(stdout, "  pre-filtered by its guard: %s\n", form)
		} else {
			fmt.Fprintf(stdout, "  not pre-filtered, always evaluated in Rego: %s\n", why)
		}
	}
	fmt.Fprintf(stdout, "%d signatures load; %d pre-filtered by guards, %d always evaluated in Rego\n", len(sigs), guarded, len(sigs)-guarded)
	return nil
}

func selectorList(sels []signature.Selector) string {
	out := make([]string, len(sels))
	for i, s := range sels {
		origin := s.Origin
		if origin == "" {
			origin = "*"
		}
		out[i] = s.Name + " (origin " + origin + ")"
	}
	return strings.Join(out, ", ")
}
