// Package signature loads Tracee v0.22.6-format Rego signatures: it finds the
// files, parses them (Rego v0, or v1 when a file is only valid as v1),
// compiles them together with the helpers, and reads each signature's
// metadata (__rego_metadoc__) and event selectors (tracee_selected_events).
//
// Signatures are untrusted code: they may call only the allowed built-ins
// (builtins.go), their metadata is evaluated within a budget, and each
// ruleset (the built-in signatures, each configured path) sees its own
// helpers, so that one ruleset's helpers cannot change another's signatures.
package signature

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Rule names of the Tracee contract.
const (
	RuleMetadoc  = "__rego_metadoc__"
	RuleSelected = "tracee_selected_events"
	RuleMatch    = "tracee_match"
)

// helpersRef is the package of the helper functions, as signatures name it.
var helpersRef = ast.MustParseRef("data.tracee.helpers")

// privateRoot is the root under which each ruleset's helpers packages are
// moved, to data.__vigil__["<ruleset>"].<package>; no user file may declare
// a package under it.
const privateRoot = "__vigil__"

// standardHelpers are the helper functions always available to signatures.
//
//go:embed helpers.rego
var standardHelpers string

// StandardHelpers returns the source of the standard helpers package,
// data.tracee.helpers, for running signature tests outside the processor.
func StandardHelpers() string { return standardHelpers }

// Selector is one element of tracee_selected_events.
type Selector struct {
	Source string // "tracee"
	Name   string // event name, or "*"
	Origin string // "*", "host", "container" or "container-init"; "" means any
}

// Signature is one loaded signature.
type Signature struct {
	ID          string
	Version     string
	Name        string
	EventName   string
	Description string
	Tags        []string
	Severity    int
	Tactic      string // MITRE ATT&CK tactic
	Technique   string // MITRE ATT&CK technique id, or its name when no id is given
	Properties  map[string]any
	Selectors   []Selector
	Ruleset     string  // where it was loaded from: "builtin" or the configured path
	File        string  // file name, for messages
	Package     ast.Ref // data.tracee.<X>
	MatchRef    ast.Ref // data.tracee.<X>.tracee_match
	Module      *ast.Module
}

// Source is a tree of signature files.
type Source struct {
	FS      fs.FS
	Root    string // directory inside FS
	Ruleset string // recorded on each signature as its ruleset name
	Prefix  string // shown before the file's path in messages
	Field   string // the configuration field naming the source, for messages
}

// file is one parsed Rego file.
type file struct {
	name    string
	field   string // the source's configuration field
	ruleset string
	module  *ast.Module
	helpers bool
}

// Set is a compiled set of signatures.
type Set struct {
	Compiler   *ast.Compiler
	Signatures []*Signature // in id order
}

// Load reads every signature and helpers file of the sources, compiles them
// and reads their metadata, each evaluation within budget. Any error names
// the file (and line) at fault. A source without a signature is an error.
func Load(ctx context.Context, sources []Source, budget time.Duration) (*Set, error) {
	var files []file
	for _, src := range sources {
		fsFiles, err := readSource(src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src.Field, err)
		}
		if !slices.ContainsFunc(fsFiles, func(f file) bool { return !f.helpers }) {
			return nil, fmt.Errorf("%s: %s holds no signature (only helpers, *_test.rego or no .rego files)", src.Field, path.Join(src.Prefix, src.Root))
		}
		files = append(files, fsFiles...)
	}
	return compile(ctx, files, budget)
}

func readSource(src Source) ([]file, error) {
	var out []file
	err := fs.WalkDir(src.FS, src.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading signatures: %w", err)
		}
		base := d.Name()
		if d.IsDir() || !strings.HasSuffix(base, ".rego") || strings.HasSuffix(base, "_test.rego") {
			return nil
		}
		b, err := fs.ReadFile(src.FS, p)
		if err != nil {
			return fmt.Errorf("reading signature: %w", err)
		}
		name := path.Join(src.Prefix, p)
		mod, err := Parse(name, string(b))
		if err != nil {
			return err
		}
		out = append(out, file{name: name, field: src.Field, ruleset: src.Ruleset, module: mod, helpers: strings.HasSuffix(base, "helpers.rego")})
		return nil
	})
	return out, err
}

// Parse parses a Rego file as v0 (Tracee's syntax), or as v1 when it is not
// valid v0 but valid v1. The v0 error is reported when neither parses, since
// Tracee-format files are v0.
func Parse(name, src string) (*ast.Module, error) {
	mod, errV0 := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV0})
	if errV0 == nil {
		return mod, nil
	}
	mod, errV1 := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if errV1 == nil {
		return mod, nil
	}
	return nil, fmt.Errorf("parsing signature (as Rego v0; as v1 it fails too): %w", errV0)
}

func compile(ctx context.Context, files []file, budget time.Duration) (*Set, error) {
	modules := map[string]*ast.Module{}
	var errs []error
	for _, f := range files {
		if _, dup := modules[f.name]; dup {
			return nil, fmt.Errorf("%s: %s: loaded twice; list each signature directory once", f.field, f.name)
		}
		modules[f.name] = f.module
		if err := checkBuiltins(f.name, f.module); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.field, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var rulesets []string
	for _, f := range files {
		if !slices.Contains(rulesets, f.ruleset) {
			rulesets = append(rulesets, f.ruleset)
		}
	}
	for _, rs := range rulesets {
		helpers, err := isolate(rs, files)
		if err != nil {
			return nil, err
		}
		modules[rs+":builtin/helpers.rego"] = helpers
	}

	c := ast.NewCompiler().WithEnablePrintStatements(false).WithCapabilities(Capabilities())
	c.Compile(modules)
	if c.Failed() {
		return nil, fmt.Errorf("signatures: compiling: %w", c.Errors)
	}
	if err := checkCompiled(c); err != nil {
		return nil, fmt.Errorf("signatures: %w", err)
	}

	set := &Set{Compiler: c}
	store := inmem.New()
	byPackage := map[string]string{}
	for _, f := range files {
		if f.helpers {
			continue
		}
		sig, err := describe(ctx, c, store, f, budget)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.field, err)
		}
		if other, dup := byPackage[sig.Package.String()]; dup {
			return nil, fmt.Errorf("%s: %s: package %s is also declared by %s; each signature needs its own package", f.field, f.name, sig.Package, other)
		}
		byPackage[sig.Package.String()] = f.name
		set.Signatures = append(set.Signatures, sig)
	}
	ids := map[string]string{}
	for _, s := range set.Signatures {
		if other, dup := ids[s.ID]; dup {
			return nil, fmt.Errorf("signatures: %s: signature id %q is also used by %s", s.File, s.ID, other)
		}
		ids[s.ID] = s.File
	}
	sort.Slice(set.Signatures, func(i, j int) bool { return set.Signatures[i].ID < set.Signatures[j].ID })
	return set, nil
}

// isolate gives a ruleset its own helpers: the packages its helpers files
// declare, and tracee.helpers, move to data.__vigil__["<ruleset>"], and its
// modules' references to them follow. It returns the ruleset's copy of the
// standard helpers, less the functions its own tracee.helpers files define:
// those (Tracee's own helpers.rego, copied next to its signatures) take
// over instead of conflicting, and the rest stay available.
func isolate(ruleset string, files []file) (*ast.Module, error) {
	moved := []ast.Ref{helpersRef}
	defined := map[string]bool{}
	for _, f := range files {
		pkg := f.module.Package.Path
		if f.ruleset != ruleset || !f.helpers {
			continue
		}
		if len(pkg) > 1 && pkg[1].Equal(ast.StringTerm(privateRoot)) {
			return nil, fmt.Errorf("%s: %s:%d: package %s is reserved", f.field, f.name, f.module.Package.Location.Row, strings.TrimPrefix(pkg.String(), "data."))
		}
		if pkg.Equal(helpersRef) {
			for _, r := range f.module.Rules {
				defined[r.Head.Name.String()] = true
			}
		}
		if !slices.ContainsFunc(moved, func(r ast.Ref) bool { return r.Equal(pkg) }) {
			moved = append(moved, pkg)
		}
	}
	std, err := ast.ParseModuleWithOpts("builtin/helpers.rego", standardHelpers, ast.ParserOptions{RegoVersion: ast.RegoV0})
	if err != nil {
		panic("signature: standard helpers do not parse: " + err.Error())
	}
	std.Rules = slices.DeleteFunc(std.Rules, func(r *ast.Rule) bool { return defined[r.Head.Name.String()] })
	for _, f := range files {
		if f.ruleset == ruleset {
			relocate(f.module, ruleset, moved)
		}
	}
	relocate(std, ruleset, moved)
	return std, nil
}

// relocate moves the packages in moved, and every reference to them, under
// the ruleset's private root.
func relocate(mod *ast.Module, ruleset string, moved []ast.Ref) {
	move := func(ref ast.Ref) ast.Ref {
		for _, p := range moved {
			if ref.HasPrefix(p) {
				return append(rulesetPackage(ruleset, p), ref[len(p):]...)
			}
		}
		return ref
	}
	mod.Package.Path = move(mod.Package.Path)
	_, _ = ast.TransformRefs(mod, func(ref ast.Ref) (ast.Value, error) { return move(ref), nil })
}

// rulesetPackage is where a ruleset's package pkg is moved.
func rulesetPackage(ruleset string, pkg ast.Ref) ast.Ref {
	out := ast.Ref{ast.DefaultRootDocument, ast.StringTerm(privateRoot), ast.StringTerm(ruleset)}
	return append(out, pkg[1:].Copy()...)
}

// HelperName returns the name of the function ref names when it is a
// function of some ruleset's helpers package.
func HelperName(ref ast.Ref) (string, bool) {
	if len(ref) != len(helpersRef)+3 || !ref[0].Equal(ast.DefaultRootDocument) || !ref[1].Equal(ast.StringTerm(privateRoot)) ||
		!ref[3:len(ref)-1].Equal(helpersRef[1:]) {
		return "", false
	}
	name, ok := ref[len(ref)-1].Value.(ast.String)
	return string(name), ok
}

// describe reads the metadata of the signature in f.
func describe(ctx context.Context, c *ast.Compiler, store storage.Store, f file, budget time.Duration) (*Signature, error) {
	pkg := f.module.Package.Path
	if len(pkg) != 3 || !pkg[1].Equal(ast.StringTerm("tracee")) {
		return nil, fmt.Errorf("%s:%d: package %s: a signature's package must be tracee.<name>", f.name, f.module.Package.Location.Row, strings.TrimPrefix(pkg.String(), "data."))
	}
	rows := map[string]int{}
	for _, r := range f.module.Rules {
		if _, seen := rows[r.Head.Name.String()]; !seen {
			rows[r.Head.Name.String()] = r.Location.Row
		}
	}
	for _, rule := range []string{RuleMetadoc, RuleSelected, RuleMatch} {
		if _, ok := rows[rule]; !ok {
			return nil, fmt.Errorf("%s: no %s rule; a Tracee signature defines %s, %s and %s", f.name, rule, RuleMetadoc, RuleSelected, RuleMatch)
		}
	}
	eval := func(rule string) (any, error) {
		v, err := evalRule(ctx, c, store, pkg.Append(ast.StringTerm(rule)), budget)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: evaluating %s: %w", f.name, rows[rule], rule, err)
		}
		if v == nil {
			return nil, fmt.Errorf("%s:%d: %s is undefined", f.name, rows[rule], rule)
		}
		return ast.JSON(v)
	}
	doc, err := eval(RuleMetadoc)
	if err != nil {
		return nil, err
	}
	sig, err := fromMetadoc(doc)
	if err != nil {
		return nil, fmt.Errorf("%s:%d: %s: %w", f.name, rows[RuleMetadoc], RuleMetadoc, err)
	}
	sel, err := eval(RuleSelected)
	if err != nil {
		return nil, err
	}
	if sig.Selectors, err = selectors(sel); err != nil {
		return nil, fmt.Errorf("%s:%d: %s: %w", f.name, rows[RuleSelected], RuleSelected, err)
	}
	sig.Ruleset, sig.File, sig.Module = f.ruleset, f.name, f.module
	sig.Package = pkg
	sig.MatchRef = pkg.Append(ast.StringTerm(RuleMatch))
	return sig, nil
}

// evalRule evaluates a rule without input, as the processor evaluates
// signatures (the same compiler, so the same built-ins) and cancelled after
// budget: loading must not hang on a signature either. It returns nil when
// the rule is undefined.
func evalRule(ctx context.Context, c *ast.Compiler, store storage.Store, ref ast.Ref, budget time.Duration) (ast.Value, error) {
	const result = ast.Var("__vigil_value")
	q, err := c.QueryCompiler().Compile(ast.NewBody(ast.Equality.Expr(ast.VarTerm(string(result)), ast.RefTerm(ref...))))
	if err != nil {
		return nil, err
	}
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	defer store.Abort(ctx, txn)
	cancel := topdown.NewCancel()
	timer := time.AfterFunc(budget, cancel.Cancel)
	defer timer.Stop()
	var out ast.Value
	err = topdown.NewQuery(q).WithCompiler(c).WithStore(store).WithTransaction(txn).WithCancel(cancel).
		Iter(ctx, func(qr topdown.QueryResult) error {
			out = qr[result].Value
			return nil
		})
	if topdown.IsCancel(err) {
		return nil, fmt.Errorf("did not finish within the evaluation budget (%s)", budget)
	}
	return out, err
}

func fromMetadoc(doc any) (*Signature, error) {
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want an object, got %T", doc)
	}
	str := func(k string, required bool) (string, error) {
		v, present := m[k]
		s, isStr := v.(string)
		switch {
		case !present && !required:
			return "", nil
		case !isStr || (required && s == ""):
			return "", fmt.Errorf("%q must be a non-empty string", k)
		}
		return s, nil
	}
	sig := &Signature{}
	var err error
	for _, f := range []struct {
		key      string
		dst      *string
		required bool
	}{{"id", &sig.ID, true}, {"name", &sig.Name, true}, {"version", &sig.Version, false}, {"eventName", &sig.EventName, false}, {"description", &sig.Description, false}} {
		if *f.dst, err = str(f.key, f.required); err != nil {
			return nil, err
		}
	}
	if tags, present := m["tags"]; present {
		list, ok := tags.([]any)
		if !ok {
			return nil, errors.New(`"tags" must be an array of strings`)
		}
		for _, t := range list {
			s, ok := t.(string)
			if !ok {
				return nil, errors.New(`"tags" must be an array of strings`)
			}
			sig.Tags = append(sig.Tags, s)
		}
	}
	sig.Properties, _ = m["properties"].(map[string]any)
	if sev, present := sig.Properties["Severity"]; present {
		n, ok := sev.(interface{ Int64() (int64, error) })
		v, err := int64(0), errors.New("not a number")
		if ok {
			v, err = n.Int64()
		}
		if err != nil || v < 0 || v > 4 {
			return nil, fmt.Errorf(`properties "Severity" must be an integer 0-4, got %v`, sev)
		}
		sig.Severity = int(v)
	}
	sig.Tactic, sig.Technique = mitre(sig.Properties)
	return sig, nil
}

// mitre reads the MITRE ATT&CK tactic and technique from a metadoc's
// properties: Tracee's Rego signatures write "MITRE ATT&CK": "Tactic:
// Technique"; its newer ones add "Category" and "external_id".
func mitre(props map[string]any) (tactic, technique string) {
	if s, ok := props["MITRE ATT&CK"].(string); ok {
		tactic, technique, _ = strings.Cut(s, ":")
		tactic, technique = strings.TrimSpace(tactic), strings.TrimSpace(technique)
	}
	if s, ok := props["Category"].(string); ok && s != "" {
		tactic = s
	}
	if s, ok := props["external_id"].(string); ok && s != "" {
		technique = s
	}
	return tactic, technique
}

func selectors(v any) ([]Selector, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, errors.New("want a non-empty set of {source, name, origin} objects")
	}
	var out []Selector
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("want {source, name, origin} objects, got %v", e)
		}
		s := Selector{}
		s.Source, _ = m["source"].(string)
		s.Name, _ = m["name"].(string)
		s.Origin, _ = m["origin"].(string)
		if s.Name == "" {
			return nil, fmt.Errorf("selector %v has no name", e)
		}
		switch s.Origin {
		case "", "*", "host", "container", "container-init":
		default:
			return nil, fmt.Errorf("selector %v: origin must be *, host, container or container-init", e)
		}
		out = append(out, s)
	}
	return out, nil
}

// Filter returns the signatures to run: those whose id or a tag is in
// include (all when include is empty), less those whose id or a tag is in
// exclude.
func Filter(sigs []*Signature, include, exclude []string) []*Signature {
	named := func(s *Signature, list []string) bool { return slices.ContainsFunc(list, s.namedBy) }
	var out []*Signature
	for _, s := range sigs {
		if (len(include) == 0 || named(s, include)) && !named(s, exclude) {
			out = append(out, s)
		}
	}
	return out
}

// Unmatched returns the indexes of the entries of list that name no
// signature's id or tag: a misspelt include would enable less than meant,
// a misspelt exclude would leave on what was meant off.
func Unmatched(sigs []*Signature, list []string) []int {
	var out []int
	for i, entry := range list {
		if !slices.ContainsFunc(sigs, func(s *Signature) bool { return s.namedBy(entry) }) {
			out = append(out, i)
		}
	}
	return out
}

// Selects reports whether one of s's selectors picks events named name
// (without the "kernel." prefix) from origin.
func (s *Signature) Selects(name, origin string) bool {
	for _, sel := range s.Selectors {
		if (sel.Name == "*" || sel.Name == name) && (sel.Origin == "" || sel.Origin == "*" || sel.Origin == origin) {
			return true
		}
	}
	return false
}

// namedBy reports whether an include or exclude entry names s, by id or tag.
func (s *Signature) namedBy(entry string) bool {
	return s.ID == entry || slices.Contains(s.Tags, entry)
}
