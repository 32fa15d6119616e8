package engine

import (
	"regexp"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"go.opentelemetry.io/collector/pdata/pcommon"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/regoinput"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
)

// A guard is a necessary condition of a signature's match, read off its
// compiled tracee_match rules and tested in Go on the record before any Rego
// runs. A tracee_match body is a conjunction, so each expression of the
// forms below that it contains must hold for it to succeed:
//
//	startswith(x, "c")  endswith(x, "c")  contains(x, "c")  regex.match("re", x)
//	x == "c"  x == 3  const_set[x]  startswith(x, const_list[_])  f(x) (inlined)
//
// where x is an argument (get_tracee_argument("name"), when that helper is
// the plain lookup Tracee's and the standard helpers define; a field or an
// element of it; lower() or base64.decode() of it) or a string field of the
// input (processName, executable.path, eventName, ...). A signature's guard
// is the disjunction over its bodies; a body with no such expression, a
// default rule that is not false, or an else leave the signature unguarded:
// it is always evaluated. Whenever a value's
// Rego form is not certain (doubles, bytes, negative ints that may be
// uint64), a guard holds, so it can only skip evaluations that could not
// match. The engine's tests check the guarded and unguarded engines agree.
type guard interface {
	holds(r *recordView) bool
}

type anyOf []guard

func (g anyOf) holds(r *recordView) bool {
	for _, e := range g {
		if e.holds(r) {
			return true
		}
	}
	return false
}

type allOf []guard

func (g allOf) holds(r *recordView) bool {
	for _, e := range g {
		if !e.holds(r) {
			return false
		}
	}
	return true
}

// recordView is what guards read. It remembers the attributes looked up
// for the record, since many guards read the same few arguments and a
// lookup scans the record's attributes (and its resource's).
type recordView struct {
	attrs     vigil.Attrs
	eventName string
	memo      []lookup
}

type lookup struct {
	key   string
	value pcommon.Value
	found bool
	text  string // the value's string as the input carries it, once computed
	valid bool   // text is computed
	lower string // lower(text), once computed
	lowOK bool   // lower is computed
}

func (r *recordView) get(key string) *lookup {
	for i := range r.memo {
		if r.memo[i].key == key {
			return &r.memo[i]
		}
	}
	v, ok := r.attrs.Get(key)
	r.memo = append(r.memo, lookup{key: key, value: v, found: ok})
	return &r.memo[len(r.memo)-1]
}

// str returns the looked-up string value with invalid UTF-8 replaced, as
// regoinput does.
func (l *lookup) str() string {
	if !l.valid {
		l.text, l.valid = regoinput.ValidUTF8(l.value.Str()), true
	}
	return l.text
}

// lowered returns lower() of str(): is_file_write and is_file_read lower
// the same flags for every signature.
func (l *lookup) lowered() string {
	if !l.lowOK {
		l.lower, l.lowOK = strings.ToLower(l.str()), true
	}
	return l.lower
}

type sourceKind uint8

const (
	srcArg       sourceKind = iota // an argument attribute
	srcContext                     // a string field of the input, from an attribute
	srcEventName                   // input.eventName
)

// source says where a guarded value comes from.
type source struct {
	kind   sourceKind
	key    string   // attribute key
	fields []string // map fields below the argument (sockaddr.sun_path)
	elem   bool     // any element of the value
	lower  bool     // lower() of the value
	base64 bool     // base64.decode() of the value
}

// plain reports whether no transformation applies yet.
func (s *source) plain() bool { return !s.elem && !s.lower && !s.base64 }

// contextFields are the string fields of the input a guard can read, with
// the attributes regoinput builds them from.
var contextFields = map[string]string{
	"processName":     vigil.AttrExecutableName,
	"executable.path": vigil.AttrExecutablePath,
	"containerId":     vigil.AttrContainerID,
	"syscall":         vigil.AttrSyscall,
}

// pred tests one value.
type pred struct {
	src source
	str func(string) bool // nil: no string satisfies it
	num func(int64) bool  // nil: no number satisfies it
}

func (p *pred) holds(r *recordView) bool {
	switch p.src.kind {
	case srcEventName:
		return p.testString(r.eventName)
	case srcContext:
		s := ""
		if l := r.get(p.src.key); l.found {
			s = l.value.AsString()
		}
		return p.testString(s)
	}
	l := r.get(p.src.key)
	if !l.found {
		return false // get_tracee_argument is undefined
	}
	if len(p.src.fields) == 0 && !p.src.elem && l.value.Type() == pcommon.ValueTypeStr && !p.src.base64 {
		if p.str == nil {
			return false
		}
		if p.src.lower {
			return p.str(l.lowered())
		}
		return p.str(l.str())
	}
	v, ok := l.value, true
	for _, f := range p.src.fields {
		if v.Type() != pcommon.ValueTypeMap {
			return false
		}
		if v, ok = v.Map().Get(f); !ok {
			return false
		}
	}
	if !p.src.elem {
		return p.testValue(v)
	}
	switch v.Type() {
	case pcommon.ValueTypeSlice:
		for _, e := range v.Slice().All() {
			if p.testValue(e) {
				return true
			}
		}
		return false
	case pcommon.ValueTypeMap:
		return true // iterating an object: not worth guarding
	}
	return false
}

func (p *pred) testValue(v pcommon.Value) bool {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if p.src.base64 {
			return true // whatever the text decodes to
		}
		return p.testString(v.Str())
	case pcommon.ValueTypeInt:
		i := v.Int()
		switch {
		case p.num == nil || p.src.lower || p.src.base64:
			return false
		case i < 0:
			return true // may be a uint64 in the input
		}
		return p.num(i)
	case pcommon.ValueTypeBytes:
		if p.src.base64 && p.str != nil {
			return p.str(string(v.Bytes().AsRaw())) // base64.decode gives back the raw bytes
		}
		return true // base64 text in the input: be conservative
	case pcommon.ValueTypeDouble:
		return true
	}
	return false // null, bool, array, object: none of the tests accepts them
}

func (p *pred) testString(s string) bool {
	if p.str == nil {
		return false
	}
	s = regoinput.ValidUTF8(s)
	if p.src.lower {
		s = strings.ToLower(s)
	}
	return p.str(s)
}

// binding is what a variable of a rule body is known to hold.
type binding struct {
	src  *source
	val  ast.Value // a constant
	each ast.Value // a constant collection being iterated: any of its elements
}

const maxInline = 4

var refInput = ast.InputRootRef

// extractor reads guards from compiled rules.
type extractor struct {
	c         *ast.Compiler
	argLookup map[string]bool // by get_tracee_argument ref (one per ruleset): whether it is the plain lookup
	keys      map[string]string
}

func newExtractor(c *ast.Compiler) *extractor {
	return &extractor{c: c, argLookup: map[string]bool{}}
}

// isGetArgument reports whether op is the get_tracee_argument of some
// ruleset's helpers.
func isGetArgument(op ast.Ref) bool {
	name, ok := signature.HelperName(op)
	return ok && name == "get_tracee_argument"
}

// plainLookup reports, once per ruleset, whether its get_tracee_argument
// (ref) is the plain lookup of input.args by name.
func (x *extractor) plainLookup(ref ast.Ref) bool {
	k := ref.String()
	v, ok := x.argLookup[k]
	if !ok {
		v = isArgumentLookup(x.c, ref)
		x.argLookup[k] = v
	}
	return v
}

// isArgumentLookup reports whether the compiled get_tracee_argument (ref)
// is exactly the lookup Tracee's helpers (and the standard ones) define,
// one rule of the form
//
//	get_tracee_argument(name) = v { a := input.args[_]; a.name == name; v := a.value }
//
// so that a call of it reads the argument attribute of that name.
func isArgumentLookup(c *ast.Compiler, ref ast.Ref) bool {
	rules := c.GetRulesExact(ref)
	if len(rules) != 1 {
		return false
	}
	r := rules[0]
	if r.Default || r.Else != nil || len(r.Head.Args) != 1 || r.Head.Value == nil || len(r.Body) != 3 {
		return false
	}
	param, ok1 := r.Head.Args[0].Value.(ast.Var)
	result, ok2 := r.Head.Value.Value.(ast.Var)
	if !ok1 || !ok2 {
		return false
	}
	var elem ast.Var
	for i, e := range r.Body {
		if e.Negated || len(e.With) > 0 || !e.IsCall() || !(e.Operator().Equal(ast.Equality.Ref()) || e.Operator().Equal(ast.Equal.Ref())) {
			return false
		}
		ops := e.Operands()
		if len(ops) != 2 {
			return false
		}
		switch i {
		case 0: // a = input.args[_]
			a, isVar := ops[0].Value.(ast.Var)
			ref, isRef := ops[1].Value.(ast.Ref)
			if !isVar || !isRef || len(ref) != 3 || !ref[:2].Equal(ast.MustParseRef("input.args")) {
				return false
			}
			if _, wild := ref[2].Value.(ast.Var); !wild {
				return false
			}
			elem = a
		case 1: // a.name = name
			if !isField(ops[0], elem, "name") || !ops[1].Equal(ast.VarTerm(string(param))) {
				if !isField(ops[1], elem, "name") || !ops[0].Equal(ast.VarTerm(string(param))) {
					return false
				}
			}
		case 2: // v = a.value
			if !ops[0].Equal(ast.VarTerm(string(result))) || !isField(ops[1], elem, "value") {
				return false
			}
		}
	}
	return true
}

// isField reports whether t is the ref v.field.
func isField(t *ast.Term, v ast.Var, field string) bool {
	ref, ok := t.Value.(ast.Ref)
	return ok && len(ref) == 2 && ref[0].Equal(ast.VarTerm(string(v))) && ref[1].Equal(ast.StringTerm(field))
}

// intern returns one copy of each attribute key, so that the record view's
// memo compares keys by pointer in the common case.
func (x *extractor) intern(k string) string {
	if s, ok := x.keys[k]; ok {
		return s
	}
	if x.keys == nil {
		x.keys = map[string]string{}
	}
	x.keys[k] = k
	return k
}

// signatureGuard returns the guard of the rules at ref, or nil when the
// signature must always be evaluated.
func (x *extractor) signatureGuard(ref ast.Ref) guard {
	var alts anyOf
	for _, r := range x.c.GetRulesExact(ref) {
		if r.Default {
			if ast.Boolean(false).Equal(r.Head.Value.Value) {
				continue // never a match
			}
			return nil
		}
		if r.Else != nil {
			return nil
		}
		g := x.body(r.Body, map[ast.Var]binding{}, 0)
		if g == nil {
			return nil
		}
		alts = append(alts, g)
	}
	if len(alts) == 0 {
		return nil
	}
	return alts
}

// body returns the conjunction of the guards found in b, or nil.
func (x *extractor) body(b ast.Body, env map[ast.Var]binding, depth int) guard {
	var all allOf
	for _, e := range b {
		if e.Negated || len(e.With) > 0 {
			continue
		}
		if g := x.expr(e, env, depth); g != nil {
			all = append(all, g)
		}
	}
	if len(all) == 0 {
		return nil
	}
	return all
}

// expr records the bindings e makes in env and returns the guard it
// implies, or nil.
func (x *extractor) expr(e *ast.Expr, env map[ast.Var]binding, depth int) guard {
	if t, ok := e.Terms.(*ast.Term); ok {
		return x.membership(t, env)
	}
	if !e.IsCall() {
		return nil
	}
	op, args := e.Operator(), e.Operands()
	switch {
	case op.Equal(ast.Equality.Ref()) || op.Equal(ast.Equal.Ref()):
		if len(args) == 2 {
			return x.unify(args[0], args[1], env)
		}
	case isGetArgument(op):
		if x.plainLookup(op) && len(args) == 2 {
			name, isStr := args[0].Value.(ast.String)
			if v, isVar := args[1].Value.(ast.Var); isStr && isVar {
				env[v] = binding{src: &source{kind: srcArg, key: x.intern(vigil.AttrArgPrefix + string(name))}}
			}
		}
	case op.Equal(ast.Lower.Ref()), op.Equal(ast.Base64Decode.Ref()):
		if len(args) != 2 {
			break
		}
		b, ok := x.resolve(args[0], env)
		v, isVar := args[1].Value.(ast.Var)
		if !ok || !isVar || b.src == nil || !b.src.plain() {
			break
		}
		s := *b.src
		switch {
		case op.Equal(ast.Lower.Ref()):
			s.lower = true
		case s.kind == srcArg: // context fields are text, never base64
			s.base64 = true
		default:
			return nil
		}
		env[v] = binding{src: &s}
	case op.Equal(ast.StartsWith.Ref()), op.Equal(ast.EndsWith.Ref()), op.Equal(ast.Contains.Ref()):
		if len(args) == 2 {
			return x.stringTest(op, args[0], args[1], env)
		}
	case op.Equal(ast.RegexMatch.Ref()):
		if len(args) == 2 {
			return x.regexTest(args[0], args[1], env)
		}
	case op.HasPrefix(ast.DefaultRootRef) && depth < maxInline:
		return x.inline(op, args, env, depth)
	}
	return nil
}

// resolve tells what a term holds, if that is known.
func (x *extractor) resolve(t *ast.Term, env map[ast.Var]binding) (binding, bool) {
	switch v := t.Value.(type) {
	case ast.Var:
		b, ok := env[v]
		return b, ok
	case ast.String, ast.Number, ast.Boolean:
		return binding{val: v}, true
	case ast.Ref:
		return x.resolveRef(v, env)
	}
	return binding{}, false
}

func (x *extractor) resolveRef(r ast.Ref, env map[ast.Var]binding) (binding, bool) {
	switch {
	case r.HasPrefix(refInput) && r.IsGround():
		path := make([]string, 0, len(r)-1)
		for _, t := range r[1:] {
			s, ok := t.Value.(ast.String)
			if !ok {
				return binding{}, false
			}
			path = append(path, string(s))
		}
		p := strings.Join(path, ".")
		if p == "eventName" {
			return binding{src: &source{kind: srcEventName}}, true
		}
		if key, ok := contextFields[p]; ok {
			return binding{src: &source{kind: srcContext, key: key}}, true
		}
	case r.HasPrefix(ast.DefaultRootRef):
		if r.IsGround() {
			if v, ok := x.constant(r); ok {
				return binding{val: v}, true
			}
			return binding{}, false
		}
		// const_list[_]: iteration over a constant collection.
		last, isVar := r[len(r)-1].Value.(ast.Var)
		if _, bound := env[last]; isVar && !bound && r[:len(r)-1].IsGround() {
			if v, ok := x.constant(r[:len(r)-1]); ok {
				return binding{each: v}, true
			}
		}
	default:
		head, isVar := r[0].Value.(ast.Var)
		b, bound := env[head]
		if !isVar || !bound || b.src == nil || b.src.kind != srcArg || !b.src.plain() {
			return binding{}, false
		}
		s := *b.src
		s.fields = append([]string(nil), s.fields...)
		for i, t := range r[1:] {
			switch v := t.Value.(type) {
			case ast.String:
				s.fields = append(s.fields, string(v))
				continue
			case ast.Var:
				if _, bound := env[v]; !bound && i == len(r)-2 {
					s.elem = true
					continue
				}
			}
			return binding{}, false
		}
		return binding{src: &s}, true
	}
	return binding{}, false
}

// constant returns the value of a rule that is a constant: one complete
// definition with an empty body and a ground value.
func (x *extractor) constant(r ast.Ref) (ast.Value, bool) {
	rules := x.c.GetRulesExact(r)
	if len(rules) != 1 {
		return nil, false
	}
	rule := rules[0]
	if rule.Default || rule.Else != nil || len(rule.Head.Args) > 0 || rule.Head.Value == nil || !rule.Head.Value.IsGround() {
		return nil, false
	}
	if len(rule.Body) != 1 || !rule.Body[0].IsGround() || !ast.BooleanTerm(true).Equal(rule.Body[0].Terms.(*ast.Term)) {
		return nil, false
	}
	return rule.Head.Value.Value, true
}

// unify handles a = b: a new binding when one side is an unbound variable,
// an equality test when one side is a source and the other a constant.
func (x *extractor) unify(a, b *ast.Term, env map[ast.Var]binding) guard {
	ba, okA := x.resolve(a, env)
	bb, okB := x.resolve(b, env)
	if v, isVar := a.Value.(ast.Var); isVar && !okA && okB {
		env[v] = bb
		return nil
	}
	if v, isVar := b.Value.(ast.Var); isVar && !okB && okA {
		env[v] = ba
		return nil
	}
	if !okA || !okB {
		return nil
	}
	if ba.src == nil {
		ba, bb = bb, ba
	}
	if ba.src == nil || bb.val == nil {
		return nil
	}
	return equalsPred(*ba.src, bb.val)
}

func equalsPred(src source, c ast.Value) guard {
	switch c := c.(type) {
	case ast.String:
		return &pred{src: src, str: func(s string) bool { return s == string(c) }}
	case ast.Number:
		if n, ok := c.Int64(); ok {
			return &pred{src: src, num: func(i int64) bool { return i == n }}
		}
	}
	return nil
}

// membership handles const_set[x] used as an expression.
func (x *extractor) membership(t *ast.Term, env map[ast.Var]binding) guard {
	r, ok := t.Value.(ast.Ref)
	if !ok || len(r) < 2 || !r.HasPrefix(ast.DefaultRootRef) || !r[:len(r)-1].IsGround() {
		return nil
	}
	set, ok := x.constant(r[:len(r)-1])
	if !ok {
		return nil
	}
	s, isSet := set.(ast.Set)
	b, bound := x.resolve(r[len(r)-1], env)
	if !isSet || !bound || b.src == nil {
		return nil
	}
	strs, nums := map[string]bool{}, map[int64]bool{}
	mixed := false
	s.Foreach(func(e *ast.Term) {
		switch v := e.Value.(type) {
		case ast.String:
			strs[string(v)] = true
		case ast.Number:
			if n, ok := v.Int64(); ok {
				nums[n] = true
				return
			}
			mixed = true
		default:
			mixed = true
		}
	})
	if mixed {
		return nil
	}
	return &pred{src: *b.src, str: func(s string) bool { return strs[s] }, num: func(i int64) bool { return nums[i] }}
}

func (x *extractor) stringTest(op ast.Ref, subject, arg *ast.Term, env map[ast.Var]binding) guard {
	b, ok := x.resolve(subject, env)
	c, okC := x.resolve(arg, env)
	if !ok || !okC || b.src == nil {
		return nil
	}
	var test func(s, c string) bool
	switch {
	case op.Equal(ast.StartsWith.Ref()):
		test = strings.HasPrefix
	case op.Equal(ast.EndsWith.Ref()):
		test = strings.HasSuffix
	default:
		test = strings.Contains
	}
	var consts []string
	switch {
	case c.val != nil:
		s, isStr := c.val.(ast.String)
		if !isStr {
			return nil
		}
		consts = []string{string(s)}
	case c.each != nil:
		coll, isColl := c.each.(interface{ Foreach(func(*ast.Term)) })
		if !isColl {
			return nil
		}
		allStrings := true
		coll.Foreach(func(e *ast.Term) {
			s, isStr := e.Value.(ast.String)
			allStrings = allStrings && isStr
			consts = append(consts, string(s))
		})
		if !allStrings {
			return nil
		}
	default:
		return nil
	}
	return &pred{src: *b.src, str: func(s string) bool {
		for _, c := range consts {
			if test(s, c) {
				return true
			}
		}
		return false
	}}
}

func (x *extractor) regexTest(pattern, subject *ast.Term, env map[ast.Var]binding) guard {
	p, okP := x.resolve(pattern, env)
	b, ok := x.resolve(subject, env)
	if !okP || !ok || b.src == nil {
		return nil
	}
	s, isStr := p.val.(ast.String)
	if !isStr {
		return nil
	}
	re, err := regexp.Compile(string(s))
	if err != nil {
		return nil
	}
	return &pred{src: *b.src, str: re.MatchString}
}

// inline handles a call of a user function used as a condition, f(x, "c"):
// the disjunction of the guards of its bodies, with its parameters bound to
// what the arguments hold.
func (x *extractor) inline(op ast.Ref, args []*ast.Term, env map[ast.Var]binding, depth int) guard {
	rules := x.c.GetRulesExact(op)
	if len(rules) == 0 {
		return nil
	}
	var alts anyOf
	for _, r := range rules {
		if len(r.Head.Args) != len(args) || r.Else != nil {
			return nil
		}
		if r.Default {
			if ast.Boolean(false).Equal(r.Head.Value.Value) {
				continue
			}
			return nil
		}
		if r.Head.Value != nil && !ast.BooleanTerm(true).Equal(r.Head.Value) {
			return nil // a function with a value other than true
		}
		inner := map[ast.Var]binding{}
		for i, param := range r.Head.Args {
			v, isVar := param.Value.(ast.Var)
			if !isVar {
				return nil
			}
			if b, ok := x.resolve(args[i], env); ok {
				inner[v] = b
			}
		}
		g := x.body(r.Body, inner, depth+1)
		if g == nil {
			return nil
		}
		alts = append(alts, g)
	}
	if len(alts) == 0 {
		return nil
	}
	return alts
}

// specialize simplifies g for records of one event name, which routing
// fixes: input.eventName tests are decided now. It returns the simplified
// guard, or, when the result no longer depends on the record, nil and its
// value.
func specialize(g guard, eventName string) (guard, bool) {
	switch g := g.(type) {
	case *pred:
		if g.src.kind == srcEventName {
			return nil, g.testString(eventName)
		}
		return g, true
	case allOf:
		var out allOf
		for _, e := range g {
			s, v := specialize(e, eventName)
			if s == nil && !v {
				return nil, false
			}
			if s != nil {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			return nil, true
		}
		return out, true
	case anyOf:
		var out anyOf
		for _, e := range g {
			s, v := specialize(e, eventName)
			if s == nil && v {
				return nil, true
			}
			if s != nil {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			return nil, false
		}
		return out, true
	}
	return g, true
}
