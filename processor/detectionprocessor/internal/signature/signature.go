// Package signature loads Tracee v0.22.6-format Rego signatures: it finds the
// files, parses them (Rego v0, or v1 when a file is only valid as v1),
// compiles them together with the helpers, and reads each signature's
// metadata (__rego_metadoc__) and event selectors (tracee_selected_events).
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

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// Rule names of the Tracee contract.
const (
	RuleMetadoc  = "__rego_metadoc__"
	RuleSelected = "tracee_selected_events"
	RuleMatch    = "tracee_match"
)

// HelpersPackage is the package of the shared helper functions.
const HelpersPackage = "tracee.helpers"

// standardHelpers are the helper functions always available to signatures.
//
//go:embed helpers.rego
var standardHelpers string

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
}

// file is one parsed Rego file.
type file struct {
	name    string
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
// and reads their metadata. Any error names the file (and line) at fault.
func Load(ctx context.Context, sources []Source) (*Set, error) {
	var files []file
	for _, src := range sources {
		fsFiles, err := readSource(src)
		if err != nil {
			return nil, err
		}
		files = append(files, fsFiles...)
	}
	return compile(ctx, files)
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
		out = append(out, file{name: name, ruleset: src.Ruleset, module: mod, helpers: strings.HasSuffix(base, "helpers.rego")})
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

func compile(ctx context.Context, files []file) (*Set, error) {
	modules := map[string]*ast.Module{}
	userHelpers := map[string]bool{} // functions the user's helpers files define
	for _, f := range files {
		if _, dup := modules[f.name]; dup {
			return nil, fmt.Errorf("%s: loaded twice; list each signature directory once", f.name)
		}
		modules[f.name] = f.module
		if f.helpers && f.module.Package.Path.String() == "data."+HelpersPackage {
			for _, r := range f.module.Rules {
				userHelpers[r.Head.Name.String()] = true
			}
		}
	}
	modules["builtin/helpers.rego"] = standardHelpersWithout(userHelpers)

	c := ast.NewCompiler().WithEnablePrintStatements(false)
	c.Compile(modules)
	if c.Failed() {
		return nil, fmt.Errorf("compiling signatures: %w", c.Errors)
	}

	set := &Set{Compiler: c}
	byPackage := map[string]string{}
	for _, f := range files {
		if f.helpers {
			continue
		}
		sig, err := describe(ctx, c, f)
		if err != nil {
			return nil, err
		}
		if other, dup := byPackage[sig.Package.String()]; dup {
			return nil, fmt.Errorf("%s: package %s is also declared by %s; each signature needs its own package", f.name, sig.Package, other)
		}
		byPackage[sig.Package.String()] = f.name
		set.Signatures = append(set.Signatures, sig)
	}
	ids := map[string]string{}
	for _, s := range set.Signatures {
		if other, dup := ids[s.ID]; dup {
			return nil, fmt.Errorf("%s: signature id %q is also used by %s", s.File, s.ID, other)
		}
		ids[s.ID] = s.File
	}
	sort.Slice(set.Signatures, func(i, j int) bool { return set.Signatures[i].ID < set.Signatures[j].ID })
	return set, nil
}

// standardHelpersWithout returns the standard helpers less the functions
// the user's helpers define: those (Tracee's own helpers.rego, copied next
// to its signatures) take over instead of conflicting, and the rest stay
// available.
func standardHelpersWithout(defined map[string]bool) *ast.Module {
	mod, err := ast.ParseModuleWithOpts("builtin/helpers.rego", standardHelpers, ast.ParserOptions{RegoVersion: ast.RegoV0})
	if err != nil {
		panic("signature: standard helpers do not parse: " + err.Error())
	}
	mod.Rules = slices.DeleteFunc(mod.Rules, func(r *ast.Rule) bool { return defined[r.Head.Name.String()] })
	return mod
}

// describe reads the metadata of the signature in f.
func describe(ctx context.Context, c *ast.Compiler, f file) (*Signature, error) {
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
		rs, err := rego.New(rego.Compiler(c), rego.Query(pkg.Append(ast.StringTerm(rule)).String())).Eval(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: evaluating %s: %w", f.name, rows[rule], rule, err)
		}
		if len(rs) == 0 || len(rs[0].Expressions) == 0 {
			return nil, fmt.Errorf("%s:%d: %s is undefined", f.name, rows[rule], rule)
		}
		return rs[0].Expressions[0].Value, nil
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
	named := func(s *Signature, list []string) bool {
		if slices.Contains(list, s.ID) {
			return true
		}
		for _, t := range s.Tags {
			if slices.Contains(list, t) {
				return true
			}
		}
		return false
	}
	var out []*Signature
	for _, s := range sigs {
		if (len(include) == 0 || named(s, include)) && !named(s, exclude) {
			out = append(out, s)
		}
	}
	return out
}
