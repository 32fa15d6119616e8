// Package engine evaluates compiled signatures against Rego inputs.
//
// Records are routed by event name and origin to the signatures that
// selected them before any Rego runs. All the candidates of one route are
// then evaluated by a single query over a generated rule,
//
//	matches["<id>"] = m { m := data.tracee.<X>.tracee_match }
//
// so one evaluation serves them all and they share OPA's per-query cache:
// get_tracee_argument("pathname") is computed once per record, not once per
// signature. If that query fails (a signature's runtime error aborts the
// whole evaluation) the candidates are evaluated one by one, so the error is
// pinned on its signature and the others still match.
package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
)

// Origins, in route order.
var origins = [...]string{vigil.OriginHost, vigil.OriginContainer, vigil.OriginContainerInit}

func originIndex(o string) int {
	switch o {
	case vigil.OriginContainer:
		return 1
	case vigil.OriginContainerInit:
		return 2
	}
	return 0
}

// Group is the set of signatures one route selects, with its query.
type Group struct {
	Signatures []*signature.Signature
	query      ast.Body       // matches of all the group's signatures, in resultVar
	single     []ast.Body     // tracee_match of each signature alone, for the error path
	byID       map[string]int // signature id -> index in Signatures
}

// route maps an origin to its group (nil: no candidates).
type route [len(origins)]*Group

// Engine holds the compiled signatures and routes. It is safe for concurrent
// use; evaluation state lives in Workers.
type Engine struct {
	compiler *ast.Compiler
	store    storage.Store
	routes   map[string]*route
	wildcard *route // for event names no selector names, when "*" selectors exist
	groups   []*Group
}

const resultVar = ast.Var("__vigil_matches")

// New prepares the enabled signatures of set for evaluation.
func New(set *signature.Set, enabled []*signature.Signature) (*Engine, error) {
	e := &Engine{store: inmem.New(), routes: map[string]*route{}}

	// Event names named by any selector get their own route; the rest share
	// the wildcard route.
	names := map[string]bool{}
	for _, s := range enabled {
		for _, sel := range s.Selectors {
			if sel.Name != "*" {
				names[sel.Name] = true
			}
		}
	}
	groupsByKey := map[string]*Group{}
	build := func(name string) *route {
		var r route
		empty := true
		for oi, origin := range origins {
			var sigs []*signature.Signature
			for _, s := range enabled {
				if selects(s, name, origin) {
					sigs = append(sigs, s)
				}
			}
			if len(sigs) == 0 {
				continue
			}
			key := groupKey(sigs)
			g, ok := groupsByKey[key]
			if !ok {
				g = &Group{Signatures: sigs, byID: map[string]int{}}
				for i, s := range sigs {
					g.byID[s.ID] = i
				}
				groupsByKey[key] = g
				e.groups = append(e.groups, g)
			}
			r[oi], empty = g, false
		}
		if empty {
			return nil
		}
		return &r
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		if r := build(name); r != nil {
			e.routes[name] = r
		}
	}
	e.wildcard = build("") // "" is named by no selector: only "*" ones select it

	modules := maps.Clone(set.Modules)
	for i, g := range e.groups {
		var b strings.Builder
		fmt.Fprintf(&b, "package vigil.engine.g%d\n\n", i)
		for _, s := range g.Signatures {
			fmt.Fprintf(&b, "matches[%q] = m { m := %s }\n", s.ID, s.MatchRef)
		}
		name := fmt.Sprintf("vigil/engine/g%d.rego", i)
		mod, err := ast.ParseModuleWithOpts(name, b.String(), ast.ParserOptions{RegoVersion: ast.RegoV0})
		if err != nil {
			return nil, fmt.Errorf("engine: generated module %s: %w", name, err)
		}
		modules[name] = mod
	}
	c := ast.NewCompiler()
	c.Compile(modules)
	if c.Failed() {
		return nil, fmt.Errorf("compiling signatures: %w", c.Errors)
	}
	e.compiler = c
	qc := c.QueryCompiler()
	compileQuery := func(q string) (ast.Body, error) {
		return qc.Compile(ast.MustParseBody(q))
	}
	for i, g := range e.groups {
		var err error
		if g.query, err = compileQuery(fmt.Sprintf("%s = data.vigil.engine.g%d.matches", resultVar, i)); err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		for _, s := range g.Signatures {
			q, err := compileQuery(fmt.Sprintf("%s = %s", resultVar, s.MatchRef))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.File, err)
			}
			g.single = append(g.single, q)
		}
	}
	return e, nil
}

func selects(s *signature.Signature, name, origin string) bool {
	for _, sel := range s.Selectors {
		if (sel.Name == "*" || sel.Name == name) && (sel.Origin == "" || sel.Origin == "*" || sel.Origin == origin) {
			return true
		}
	}
	return false
}

func groupKey(sigs []*signature.Signature) string {
	ids := make([]string, len(sigs))
	for i, s := range sigs {
		ids[i] = s.ID
	}
	return strings.Join(ids, "\x00")
}

// Candidates returns the group of signatures that selected an event name
// (without the "kernel." prefix) from an origin, or nil. It allocates
// nothing, so records no signature wants cost one map lookup.
func (e *Engine) Candidates(eventName, origin string) *Group {
	r, ok := e.routes[eventName]
	if !ok {
		r = e.wildcard
	}
	if r == nil {
		return nil
	}
	return r[originIndex(origin)]
}

// SelectedEvents returns the event names the enabled signatures select by
// name, sorted; "*" selectors are not expanded.
func (e *Engine) SelectedEvents() []string {
	return slices.Sorted(maps.Keys(e.routes))
}

// Match is one signature that matched a record.
type Match struct {
	Signature *signature.Signature
	Data      ast.Object // the object tracee_match returned; nil when it returned true
}

// EvalError is a runtime error of one signature.
type EvalError struct {
	Signature *signature.Signature
	Err       error
}

// Worker evaluates queries; each goroutine needs its own.
type Worker struct {
	e   *Engine
	txn storage.Transaction
}

// NewWorker returns a worker. Close it when done.
func (e *Engine) NewWorker(ctx context.Context) (*Worker, error) {
	// A read transaction held for the worker's life: nothing writes the
	// store (signatures are rules, not data), and opening one per record
	// would cost as much as a small rule.
	txn, err := e.store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	return &Worker{e: e, txn: txn}, nil
}

// Close releases the worker's transaction.
func (w *Worker) Close(ctx context.Context) {
	w.e.store.Abort(ctx, w.txn)
}

// Eval evaluates the group's signatures on input and appends the matches to
// dst, in the group's signature order. Errors are per signature; the other
// signatures' matches are still returned.
func (w *Worker) Eval(ctx context.Context, g *Group, input ast.Value, dst []Match) ([]Match, []EvalError) {
	in := ast.NewTerm(input)
	res, err := w.run(ctx, g.query, in)
	if err == nil {
		obj, ok := res.(ast.Object)
		if !ok {
			return dst, nil // no signature matched: matches is an empty object
		}
		start := len(dst)
		obj.Foreach(func(k, v *ast.Term) {
			id, _ := k.Value.(ast.String)
			if m, ok := asMatch(g.Signatures[g.byID[string(id)]], v.Value); ok {
				dst = append(dst, m)
			}
		})
		// Report in id order whatever order the object iterates in.
		slices.SortFunc(dst[start:], func(a, b Match) int { return strings.Compare(a.Signature.ID, b.Signature.ID) })
		return dst, nil
	}
	var errs []EvalError
	for i, q := range g.single {
		v, err := w.run(ctx, q, in)
		if err != nil {
			errs = append(errs, EvalError{Signature: g.Signatures[i], Err: err})
			continue
		}
		if m, ok := asMatch(g.Signatures[i], v); ok {
			dst = append(dst, m)
		}
	}
	return dst, errs
}

// asMatch applies Tracee's reading of tracee_match: true is a match, an
// object is a match carrying data, anything else is not a match.
func asMatch(s *signature.Signature, v ast.Value) (Match, bool) {
	switch v := v.(type) {
	case ast.Boolean:
		return Match{Signature: s}, bool(v)
	case ast.Object:
		return Match{Signature: s, Data: v}, true
	}
	return Match{}, false
}

var noMetrics = metrics.NoOp()

// run evaluates a compiled query binding resultVar and returns its value,
// or nil when undefined.
func (w *Worker) run(ctx context.Context, q ast.Body, input *ast.Term) (ast.Value, error) {
	var out ast.Value
	err := topdown.NewQuery(q).
		WithCompiler(w.e.compiler).
		WithStore(w.e.store).
		WithTransaction(w.txn).
		WithInput(input).
		WithMetrics(noMetrics).
		Iter(ctx, func(qr topdown.QueryResult) error {
			if t := qr[resultVar]; t != nil {
				out = t.Value
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}
