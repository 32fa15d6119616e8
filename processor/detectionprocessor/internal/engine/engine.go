// Package engine evaluates compiled signatures against records.
//
// A record goes through three filters, each cheaper than the next:
//
//  1. routing: its event name and origin select the signatures that asked
//     for them (one map lookup; records nobody selected stop here);
//  2. guards: necessary conditions read off each candidate's compiled rules
//     (package guard), tested in Go on the record's attributes;
//  3. Rego: for the candidates whose guards hold, the Rego input is built
//     once, straight from pdata, and each one's prepared tracee_match query
//     runs on it. The queries share one virtual cache per record, so
//     get_tracee_argument("pathname") is computed once, not per signature.
//
// The guards' verdicts on a record are remembered per worker (verdicts.go),
// keyed on the values the group's guards read: the records of a flood
// differ only in values no guard reads, and each costs one look-up there
// instead of every candidate's guards.
//
// The candidates' results are remembered with them (results.go), keyed
// also on the attributes feeding the input members the candidates read: a
// repeated record is answered there without building any member. Groups
// with a candidate reading a member not made of attributes alone
// (timestamp), and records missing there, look each candidate's result
// up in the worker's memo (memo.go), keyed on the members it reads: a
// flood of repeated records is answered there, without building the whole
// input.
//
// Evaluating the candidates of a route with one generated query (a partial
// object over every candidate's tracee_match) was measured first; it cannot
// skip candidates per record, and cost about 60 µs per file-open record with
// the built-in signatures. Guards make most records need no Rego at all.
package engine

import (
	"context"
	"hash/maphash"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/guard"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/regoinput"
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

// compiled is one signature ready to evaluate.
type compiled struct {
	sig    *signature.Signature
	query  ast.Body    // resultVar = data.tracee.<X>.tracee_match
	guard  guard.Guard // nil: always evaluate
	except Exception   // nil: no exceptions
	state  *state      // shared by the signature's copies in every route
	// reads are the input's members the signature reads (see inputReads),
	// which its memoised results are keyed on, resolved here once rather
	// than by key on every record; readsAll: its results are not memoised.
	reads    []regoinput.Member
	readsAll bool
}

// Exception tells which records are excepted from a signature. It is tested
// after the signature's guard and before its Rego, so an excepted record
// costs the signature no Rego evaluation.
type Exception interface {
	Excepts(vigil.Attrs) bool
}

// state is what the engine learns of a signature while it runs.
type state struct {
	id       int          // the signature's index, distinguishing its memoised results
	overruns atomic.Int32 // consecutive evaluations cancelled for exceeding the budget
	disabled atomic.Bool
}

// Group is the set of signatures one route selects, in id order.
type Group struct {
	id   int // distinguishes its remembered verdicts
	sigs []*compiled
	// The attributes its guards read, and whether they read the event
	// name: their verdicts on a record are remembered under these values
	// (verdicts.go). remember is false without guards or memo.
	reads     []string
	readsName bool
	remember  bool
	// The attributes feeding the members its candidates read, besides
	// the guards' (whether every argument: resultArgs; the event name:
	// always): their results on a record are remembered under these and
	// the guards' values (results.go), so that a repeated record is
	// answered without building any member. results is false when a
	// candidate reads a member not made of attributes alone.
	resultReads []string
	resultArgs  bool
	results     bool
}

// route maps an origin to its group (nil: no candidates).
type route [len(origins)]*Group

// Engine holds the compiled signatures and routes. It is safe for concurrent
// use; evaluation state lives in Workers.
type Engine struct {
	compiler *ast.Compiler
	store    storage.Store
	routes   map[string]*route
	wildcard *route               // for event names no selector names, when "*" selectors exist
	guards   map[string]extracted // by signature id
	guarded  int
	opts     Options
}

// extracted is a signature's guard as read off its rules, before routing
// specialises it, or why it has none.
type extracted struct {
	guard     guard.Guard
	unguarded string
}

const resultVar = ast.Var("__vigil_match")

// Options change how the engine evaluates; the zero value evaluates
// without a budget.
type Options struct {
	// NoGuards evaluates every candidate in Rego. Tests compare against it.
	NoGuards bool
	// Budget bounds one evaluation of one signature on one record; an
	// evaluation running longer is cancelled (an overrun). 0: no bound.
	Budget time.Duration
	// MaxOverruns consecutive overruns of a signature disable it; 0: never.
	MaxOverruns int
	// Exceptions of signatures, by signature id.
	Exceptions map[string]Exception
	// NoMemo evaluates every record in Rego, remembering no results
	// and no records' args.
	// Tests and benchmarks compare against it.
	NoMemo bool
}

// New prepares the enabled signatures of set (compiled by set.Compiler).
func New(set *signature.Set, enabled []*signature.Signature, opts Options) (*Engine, error) {
	e := &Engine{compiler: set.Compiler, store: inmem.New(), routes: map[string]*route{}, guards: map[string]extracted{}, opts: opts}
	x := guard.NewExtractor(set.Compiler)
	qc := set.Compiler.QueryCompiler()
	bySig := map[*signature.Signature]*compiled{}
	for i, s := range enabled {
		q, err := qc.Compile(ast.NewBody(ast.Equality.Expr(ast.VarTerm(string(resultVar)), ast.RefTerm(s.MatchRef...))))
		if err != nil {
			return nil, err
		}
		c := &compiled{sig: s, query: q, except: opts.Exceptions[s.ID], state: &state{id: i}, readsAll: true}
		if !opts.NoMemo {
			var keys []string
			keys, c.readsAll = inputReads(set.Compiler, s.MatchRef)
			for _, k := range keys {
				c.reads = append(c.reads, regoinput.MemberOf(k))
			}
		}
		if !opts.NoGuards {
			var why string
			if c.guard, why = x.Of(s.MatchRef); c.guard != nil {
				e.guarded++
			}
			e.guards[s.ID] = extracted{guard: c.guard, unguarded: why}
		}
		bySig[s] = c
	}

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
	groups := map[string]*Group{}
	build := func(name string) *route {
		var r route
		empty := true
		for oi, origin := range origins {
			var sigs []*compiled
			ids := []string{name}
			for _, s := range enabled {
				if !s.Selects(name, origin) {
					continue
				}
				c := bySig[s]
				if name != "" && c.guard != nil {
					// The route fixes the event name: decide the guard's
					// eventName tests now, and leave out signatures that
					// cannot match this event at all.
					g, holds := guard.Specialize(c.guard, name)
					if g == nil && !holds {
						continue
					}
					specialized := *c
					specialized.guard = g
					c = &specialized
				}
				sigs = append(sigs, c)
				ids = append(ids, s.ID)
			}
			if len(sigs) == 0 {
				continue
			}
			key := strings.Join(ids, "\x00")
			if groups[key] == nil {
				groups[key] = newGroup(len(groups), sigs, !opts.NoMemo)
			}
			r[oi], empty = groups[key], false
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
	e.wildcard = build("") // no selector names "": only "*" ones select it
	return e, nil
}

// newGroup returns the group of sigs, with what their guards read when
// their verdicts are remembered.
func newGroup(id int, sigs []*compiled, remember bool) *Group {
	g := &Group{id: id, sigs: sigs}
	for _, c := range sigs {
		if c.guard == nil {
			continue
		}
		var name bool
		g.reads, name = guard.Reads(c.guard, g.reads)
		g.readsName = g.readsName || name
		g.remember = remember
	}
	if remember {
		g.rememberResults()
	}
	return g
}

// rememberResults makes the group remember its candidates' results when
// every member they read is made of attributes (regoinput.Sources).
func (g *Group) rememberResults() {
	var reads []string
	var args bool
	for _, c := range g.sigs {
		if c.readsAll {
			return
		}
		for _, m := range c.reads {
			attrs, a, known := regoinput.Sources(m)
			if !known {
				return
			}
			args = args || a
			for _, k := range attrs {
				if !slices.Contains(g.reads, k) && !slices.Contains(reads, k) {
					reads = append(reads, k)
				}
			}
		}
	}
	g.resultReads, g.resultArgs, g.results = reads, args, true
	g.remember = true // the results' key extends the verdicts'
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

// Guarded returns how many signatures have a guard.
func (e *Engine) Guarded() int { return e.guarded }

// Guard describes the guard of the enabled signature id, as read off its
// rules (before routing decides its eventName tests): its Rego-like form,
// or "" and why the signature is always evaluated in Rego.
func (e *Engine) Guard(id string) (form, unguarded string) {
	x, ok := e.guards[id]
	switch {
	case e.opts.NoGuards:
		return "", "guards are off (NoGuards)"
	case !ok:
		return "", "not an enabled signature"
	case x.guard == nil:
		return "", x.unguarded
	}
	return x.guard.String(), ""
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
	// Overrun: the evaluation exceeded the budget and was cancelled.
	Overrun bool
	// Disabled: this overrun was the last one allowed; the signature is off
	// from now on.
	Disabled bool
}

// Worker evaluates records; each goroutine needs its own.
type Worker struct {
	e           *Engine
	txn         storage.Transaction
	watch       *watch                 // nil without a budget
	cancel      topdown.Cancel         // watch, or nil
	survivors   []int                  // indices in the group's sigs
	verdicts    *verdicts              // nil: NoMemo
	held        []int                  // candidates whose guards held, when not remembered
	excepted    []*signature.Signature // of the last Eval
	memo        *memo
	input       regoinput.Record     // of the record being evaluated
	args        *regoinput.ArgsCache // nil: NoMemo
	members     []*ast.Term          // a key's members, reused
	memoHits    int                  // results remembered (results.go or the memo), for tests
	verdictHits int                  // guard verdicts taken from verdicts, for tests
	view        guard.Record         // what the guards read of the record being evaluated
}

// NewWorker returns a worker. Close it when done.
func (e *Engine) NewWorker(ctx context.Context) (*Worker, error) {
	// A read transaction held for the worker's life: nothing writes the
	// store (signatures are rules, not data), and opening one per query
	// would cost as much as a small rule.
	txn, err := e.store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	w := &Worker{e: e, txn: txn, memo: newMemo()}
	if !e.opts.NoMemo {
		w.args = regoinput.NewArgsCache()
		w.verdicts = &verdicts{seed: maphash.MakeSeed(), slots: newSlotTable[verdictSlot](verdictSlots), results: newSlotTable[resultSlot](resultSlots)}
	}
	if e.opts.Budget > 0 {
		w.watch = newWatch(e.opts.Budget)
		w.cancel = w.watch
	}
	return w, nil
}

// Bind counts the budget of the evaluations the calling goroutine runs on
// this worker, until the returned function is called, in CPU time of its
// thread rather than wall time, so that a busy machine does not overrun
// signatures (see watch). Call it once per batch, not per record.
func (w *Worker) Bind() (unbind func()) {
	if w.watch == nil {
		return func() {}
	}
	return w.watch.bind()
}

// Close releases the worker's transaction and stops its watchdog.
func (w *Worker) Close(ctx context.Context) {
	w.e.store.Abort(ctx, w.txn)
	if w.watch != nil {
		w.watch.close()
	}
}

// Eval evaluates the group's signatures on a record (of resource res) and
// appends the matches to dst in id order. Errors are per signature; the
// other signatures' matches are still returned.
func (w *Worker) Eval(ctx context.Context, g *Group, lr plog.LogRecord, res pcommon.Resource, dst []Match) ([]Match, []EvalError) {
	attrs := vigil.AttrsOf(lr, res)
	w.survivors, w.excepted = w.survivors[:0], w.excepted[:0]
	eventName := strings.TrimPrefix(lr.EventName(), vigil.EventNamePrefix)
	for _, i := range w.guardsHeld(g, attrs, eventName) {
		c := g.sigs[i]
		switch {
		case c.state.disabled.Load():
		case c.except != nil && c.except.Excepts(attrs):
			w.excepted = append(w.excepted, c.sig)
		default:
			w.survivors = append(w.survivors, i)
		}
	}
	if len(w.survivors) == 0 {
		return dst, nil
	}
	var s *resultSlot // the record's remembered results; nil: none
	if g.results {
		s = w.verdicts.resultsOf(g, attrs, eventName)
	}
	w.input.Reset(lr, res, w.args)
	// The whole input and the cache are made for the first evaluation in
	// Rego: a record whose results are all in the memo needs neither.
	var input *ast.Term
	var cache topdown.VirtualCache
	var errs []EvalError
	for _, i := range w.survivors {
		c := g.sigs[i]
		if v, ok := s.result(i); ok {
			w.memoHits++
			dst = appendMatch(dst, c, v)
			continue
		}
		k, memoised := keyOf(c, &w.input, w.members[:0])
		if memoised {
			w.members = k.members
			if v, ok := w.memo.get(&k); ok {
				w.memoHits++
				s.remember(i, len(g.sigs), v)
				dst = appendMatch(dst, c, v)
				continue
			}
		}
		if input == nil {
			input, cache = ast.NewTerm(w.input.Input()), topdown.NewVirtualCache()
		}
		v, err := w.run(ctx, c.query, input, cache)
		if err != nil {
			if topdown.IsCancel(err) && ctx.Err() == nil {
				errs = append(errs, w.e.overrun(c, err))
				// The cancelled evaluation stopped part-way: the record's
				// other signatures start from an empty cache.
				cache = topdown.NewVirtualCache()
			} else {
				errs = append(errs, EvalError{Signature: c.sig, Err: err})
			}
			continue
		}
		if c.state.overruns.Load() != 0 {
			c.state.overruns.Store(0)
		}
		if memoised {
			w.memo.put(&k, v)
		}
		s.remember(i, len(g.sigs), v)
		dst = appendMatch(dst, c, v)
	}
	return dst, errs
}

// guardsHeld returns the indices in g.sigs of the candidates whose guards
// hold on the record (all of the unguarded ones), from the worker's
// verdicts when it has seen the values they read. Exceptions and disabled
// signatures are decided afresh: they are not functions of those values.
func (w *Worker) guardsHeld(g *Group, attrs vigil.Attrs, eventName string) []int {
	var s *verdictSlot
	if g.remember {
		var known bool
		if s, known = w.verdicts.slot(g, attrs, eventName); known {
			w.verdictHits++
			return s.held
		}
	}
	w.view.Reset(attrs, eventName)
	held := w.held[:0]
	for i, c := range g.sigs {
		if c.guard == nil || c.guard.Holds(&w.view) {
			held = append(held, i)
		}
	}
	w.held = held
	if s != nil {
		s.held = append(s.held, held...)
	}
	return held
}

// appendMatch appends to dst the match of c when v, its tracee_match's
// value, is one.
func appendMatch(dst []Match, c *compiled, v ast.Value) []Match {
	switch v := v.(type) {
	case ast.Boolean: // Tracee: true is a match, false is not
		if v {
			dst = append(dst, Match{Signature: c.sig})
		}
	case ast.Object: // a match carrying data
		dst = append(dst, Match{Signature: c.sig, Data: v})
	}
	return dst
}

// Excepted returns the signatures the last Eval skipped because an exception
// excepted the record after their guard held; valid until the next Eval.
func (w *Worker) Excepted() []*signature.Signature { return w.excepted }

// overrun records an overrun of c, disabling it after MaxOverruns in a row.
func (e *Engine) overrun(c *compiled, err error) EvalError {
	n := c.state.overruns.Add(1)
	disabled := e.opts.MaxOverruns > 0 && int(n) >= e.opts.MaxOverruns && c.state.disabled.CompareAndSwap(false, true)
	return EvalError{Signature: c.sig, Err: err, Overrun: true, Disabled: disabled}
}

var noMetrics = metrics.NoOp()

// run evaluates a compiled query binding resultVar and returns its value,
// or nil when undefined.
func (w *Worker) run(ctx context.Context, q ast.Body, input *ast.Term, cache topdown.VirtualCache) (ast.Value, error) {
	var out ast.Value
	if w.watch != nil {
		w.watch.begin()
		defer w.watch.end()
	}
	err := topdown.NewQuery(q).
		WithCancel(w.cancel).
		WithCompiler(w.e.compiler).
		WithStore(w.e.store).
		WithTransaction(w.txn).
		WithInput(input).
		WithVirtualCache(cache).
		WithMetrics(noMetrics).
		Iter(ctx, func(qr topdown.QueryResult) error {
			if t := qr[resultVar]; t != nil {
				out = t.Value
			}
			return nil
		})
	return out, err
}
