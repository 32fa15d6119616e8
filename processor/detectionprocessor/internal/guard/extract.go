package guard

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
)

// binding is what a variable of a rule body is known to hold.
type binding struct {
	src  *source
	val  ast.Value // a constant
	each ast.Value // a constant collection being iterated: any of its elements
}

const maxInline = 4

var refInput = ast.InputRootRef

// Extractor reads guards from the rules of one compiler.
type Extractor struct {
	c         *ast.Compiler
	argLookup map[string]bool // by get_tracee_argument ref (one per ruleset): whether it is the plain lookup
	keys      map[string]string
	preds     map[string]*pred       // by identity (see share)
	equals    map[string]*equalities // by source identity
}

// NewExtractor returns an extractor of the rules c compiled.
func NewExtractor(c *ast.Compiler) *Extractor {
	return &Extractor{c: c, argLookup: map[string]bool{}}
}

// Of returns the guard of the tracee_match rules at ref, or nil and why
// the signature must always be evaluated: the constructs that stopped the
// extraction, with their lines.
func (x *Extractor) Of(ref ast.Ref) (Guard, string) {
	var alts anyOf
	for _, r := range x.c.GetRulesExact(ref) {
		if r.Default {
			if ast.Boolean(false).Equal(r.Head.Value.Value) {
				continue // never a match
			}
			return nil, at(r.Location, "a default tracee_match that is not false")
		}
		if r.Else != nil {
			return nil, at(r.Location, "tracee_match has an else")
		}
		g, why := x.body(r, map[ast.Var]binding{}, 0)
		if g == nil {
			return nil, why
		}
		alts = append(alts, g)
	}
	if len(alts) == 0 {
		return nil, "no tracee_match rule that can match"
	}
	return operands(alts), ""
}

// at prefixes a note with the line it is about.
func at(loc *ast.Location, note string) string {
	if loc == nil {
		return note
	}
	return fmt.Sprintf("line %d: %s", loc.Row, note)
}

// inFile names the file of loc, for notes on rules of another file.
func inFile(loc *ast.Location) string {
	if loc == nil || loc.File == "" {
		return ""
	}
	return " (" + path.Base(loc.File) + ")"
}

// isGetArgument reports whether op is the get_tracee_argument of some
// ruleset's helpers.
func isGetArgument(op ast.Ref) bool {
	name, ok := signature.HelperName(op)
	return ok && name == "get_tracee_argument"
}

// plainLookup reports, once per ruleset, whether its get_tracee_argument
// (ref) is the plain lookup of input.args by name.
func (x *Extractor) plainLookup(ref ast.Ref) bool {
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
func (x *Extractor) intern(k string) string {
	if s, ok := x.keys[k]; ok {
		return s
	}
	if x.keys == nil {
		x.keys = map[string]string{}
	}
	x.keys[k] = k
	return k
}

// share returns the one predicate of this extractor that tests what p
// tests, numbering it on first sight: signatures repeat predicates (the
// helpers' is_file_write, the same argument compared with the same
// constants), and a record's view remembers each numbered predicate's
// result, so a shared one is tested once per record. Two predicates are the
// same when they read the same source and print the same test of it; the
// printed test names the operation and every constant.
func (x *Extractor) share(p *pred) *pred {
	id := p.src.identity() + "\x00" + p.form("")
	if q, ok := x.preds[id]; ok {
		return q
	}
	if x.preds == nil {
		x.preds = map[string]*pred{}
	}
	p.id = len(x.preds)
	x.preds[id] = p
	if p.equals != nil && p.src.indexable() {
		k := p.src.identity()
		g := x.equals[k]
		if g == nil {
			if x.equals == nil {
				x.equals = map[string]*equalities{}
			}
			g = &equalities{key: p.src.key, lower: p.src.lower, holding: map[string][]int{}}
			x.equals[k] = g
		}
		g.members = append(g.members, p.id)
		for _, v := range p.equals {
			g.holding[v] = append(g.holding[v], p.id)
		}
		p.group = g
	}
	return p
}

// body returns the conjunction of the guards found in r's body, or nil and
// the notes on the expressions that gave none.
func (x *Extractor) body(r *ast.Rule, env map[ast.Var]binding, depth int) (Guard, string) {
	var all allOf
	var notes []string
	for _, e := range r.Body {
		if e.Negated || len(e.With) > 0 {
			if e.Negated {
				notes = append(notes, at(e.Location, "a negation (not ...)"))
			} else {
				notes = append(notes, at(e.Location, "with replaces the input or data"))
			}
			continue
		}
		g, note := x.expr(e, env, depth)
		if g != nil {
			all = append(all, g)
		} else if note != "" {
			notes = append(notes, at(e.Location, note))
		}
	}
	if len(all) == 0 {
		if len(notes) == 0 {
			return nil, at(r.Location, "no condition on the record")
		}
		return nil, strings.Join(notes, "; ")
	}
	return operands(all), ""
}

// expr records the bindings e makes in env and returns the guard it
// implies, or nil and, when e is a condition (or a binding a condition may
// need) it could not read, why.
func (x *Extractor) expr(e *ast.Expr, env map[ast.Var]binding, depth int) (Guard, string) {
	if t, ok := e.Terms.(*ast.Term); ok {
		return x.membership(t, env)
	}
	if !e.IsCall() {
		return nil, "every (or another form that is not a call)"
	}
	op, args := e.Operator(), e.Operands()
	switch {
	case op.Equal(ast.Equality.Ref()) || op.Equal(ast.Equal.Ref()):
		if len(args) == 2 {
			return x.unify(args[0], args[1], env)
		}
	case isGetArgument(op):
		if !x.plainLookup(op) {
			return nil, "get_tracee_argument is not the plain lookup by name"
		}
		if len(args) == 2 {
			name, isStr := args[0].Value.(ast.String)
			v, isVar := args[1].Value.(ast.Var)
			if !isStr {
				return nil, "get_tracee_argument of a name that is not a constant string"
			}
			if isVar {
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
			return nil, op.String() + "() of a value that is not an argument or input field (or is transformed already)"
		}
		s := *b.src
		switch {
		case op.Equal(ast.Lower.Ref()):
			s.lower = true
		case s.kind == srcArg: // context fields are text, never base64
			s.base64 = true
		default:
			return nil, "base64.decode() of an input field"
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
	case op.HasPrefix(ast.DefaultRootRef):
		if depth >= maxInline {
			return nil, fmt.Sprintf("calls %s, nested more than %d calls deep", funcName(op), maxInline)
		}
		return x.inline(op, args, env, depth)
	default:
		return nil, builtinNote(op, args)
	}
	return nil, ""
}

// builtinNote says that a built-in the guards do not read is used as a
// condition; it says nothing of one whose value is bound to a variable.
func builtinNote(op ast.Ref, args []*ast.Term) string {
	b, ok := ast.BuiltinMap[op.String()]
	if !ok || b.Decl == nil || len(args) > len(b.Decl.FuncArgs().Args) {
		return ""
	}
	name := b.Name
	if b.Infix != "" {
		name = b.Infix
	}
	return fmt.Sprintf("%q is not a test the guards read", name)
}

// funcName is how a signature author names the function at ref.
func funcName(ref ast.Ref) string {
	if name, ok := signature.HelperName(ref); ok {
		return "helpers." + name
	}
	if s, ok := ref[len(ref)-1].Value.(ast.String); ok {
		return string(s)
	}
	return ref.String()
}

// resolve tells what a term holds, if that is known.
func (x *Extractor) resolve(t *ast.Term, env map[ast.Var]binding) (binding, bool) {
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

func (x *Extractor) resolveRef(r ast.Ref, env map[ast.Var]binding) (binding, bool) {
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
func (x *Extractor) constant(r ast.Ref) (ast.Value, bool) {
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

const unreadable = "a value that is not an argument or input field the guards read"

// unify handles a = b: a new binding when one side is an unbound variable,
// an equality test when one side is a source and the other a constant.
func (x *Extractor) unify(a, b *ast.Term, env map[ast.Var]binding) (Guard, string) {
	ba, okA := x.resolve(a, env)
	bb, okB := x.resolve(b, env)
	if v, isVar := a.Value.(ast.Var); isVar && !okA && okB {
		env[v] = bb
		return nil, ""
	}
	if v, isVar := b.Value.(ast.Var); isVar && !okB && okA {
		env[v] = ba
		return nil, ""
	}
	if !okA || !okB {
		return nil, "== between values the guards cannot both read (an argument or input field, and a constant)"
	}
	if ba.src == nil {
		ba, bb = bb, ba
	}
	switch {
	case ba.src == nil:
		return nil, "== of no argument or input field"
	case bb.each != nil:
		return nil, "== with an element of a constant collection (a constant set, set[x], is read)"
	case bb.val == nil:
		return nil, "== of two values read from the record"
	}
	if p := equalsPred(*ba.src, bb.val); p != nil {
		return x.share(p), ""
	}
	return nil, "== with a constant that is not a string or an integer"
}

func equalsPred(src source, c ast.Value) *pred {
	switch c := c.(type) {
	case ast.String:
		return &pred{src: src, str: func(s string) bool { return s == string(c) }, equals: []string{string(c)}, form: infix("==", c)}
	case ast.Number:
		if n, ok := c.Int64(); ok {
			return &pred{src: src, num: func(i int64) bool { return i == n }, form: infix("==", c)}
		}
	}
	return nil
}

// membership handles const_set[x] used as an expression.
func (x *Extractor) membership(t *ast.Term, env map[ast.Var]binding) (Guard, string) {
	r, ok := t.Value.(ast.Ref)
	if !ok || len(r) < 2 || !r.HasPrefix(ast.DefaultRootRef) || !r[:len(r)-1].IsGround() {
		return nil, ""
	}
	set, ok := x.constant(r[:len(r)-1])
	if !ok {
		return nil, fmt.Sprintf("%s[x] where %s is not a constant", funcName(r[:len(r)-1]), funcName(r[:len(r)-1]))
	}
	s, isSet := set.(ast.Set)
	b, bound := x.resolve(r[len(r)-1], env)
	if !isSet {
		return nil, fmt.Sprintf("%s[x] where %s is not a set", funcName(r[:len(r)-1]), funcName(r[:len(r)-1]))
	}
	if !bound || b.src == nil {
		return nil, "membership of " + unreadable
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
		return nil, "membership in a set holding values other than strings and integers"
	}
	return x.share(&pred{src: *b.src, str: func(s string) bool { return strs[s] }, num: func(i int64) bool { return nums[i] }, equals: slices.Collect(maps.Keys(strs)), form: infix("in", s)}), ""
}

func (x *Extractor) stringTest(op ast.Ref, subject, arg *ast.Term, env map[ast.Var]binding) (Guard, string) {
	b, ok := x.resolve(subject, env)
	c, okC := x.resolve(arg, env)
	name := op.String()
	if !ok || b.src == nil {
		return nil, name + " of " + unreadable
	}
	if !okC {
		return nil, name + " with an argument that is not a constant"
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
			return nil, name + " with a constant that is not a string"
		}
		consts = []string{string(s)}
	case c.each != nil:
		coll, isColl := c.each.(interface{ Foreach(func(*ast.Term)) })
		if !isColl {
			return nil, name + " with an element of a constant that is not a collection"
		}
		allStrings := true
		coll.Foreach(func(e *ast.Term) {
			s, isStr := e.Value.(ast.String)
			allStrings = allStrings && isStr
			consts = append(consts, string(s))
		})
		if !allStrings {
			return nil, name + " with an element of a collection holding values other than strings"
		}
	default:
		return nil, name + " with an argument that is not a constant"
	}
	return x.share(&pred{src: *b.src, str: func(s string) bool {
		for _, c := range consts {
			if test(s, c) {
				return true
			}
		}
		return false
	}, form: calls(name, consts)}), ""
}

func (x *Extractor) regexTest(pattern, subject *ast.Term, env map[ast.Var]binding) (Guard, string) {
	p, okP := x.resolve(pattern, env)
	b, ok := x.resolve(subject, env)
	if !ok || b.src == nil {
		return nil, "regex.match of " + unreadable
	}
	s, isStr := p.val.(ast.String)
	if !okP || !isStr {
		return nil, "regex.match with a pattern that is not a constant string"
	}
	re, err := regexp.Compile(string(s))
	if err != nil {
		return nil, "regex.match with a pattern Go's regexp does not accept: " + err.Error()
	}
	return x.share(&pred{src: *b.src, str: re.MatchString, form: regexForm(s)}), ""
}

// inline handles a call of a user function used as a condition, f(x, "c"):
// the disjunction of the guards of its bodies, with its parameters bound to
// what the arguments hold.
func (x *Extractor) inline(op ast.Ref, args []*ast.Term, env map[ast.Var]binding, depth int) (Guard, string) {
	rules := x.c.GetRulesExact(op)
	name := funcName(op)
	if len(rules) == 0 {
		return nil, "calls " + name + ", which is not a function"
	}
	var alts anyOf
	for _, r := range rules {
		if len(r.Head.Args) != len(args) {
			return nil, "uses the value " + name + " returns (only functions used as conditions are followed)"
		}
		if r.Else != nil {
			return nil, "calls " + name + ", which has an else"
		}
		if r.Default {
			if ast.Boolean(false).Equal(r.Head.Value.Value) {
				continue
			}
			return nil, "calls " + name + ", whose default is not false"
		}
		if r.Head.Value != nil && !ast.BooleanTerm(true).Equal(r.Head.Value) {
			return nil, "calls " + name + ", which returns a value other than true"
		}
		inner := map[ast.Var]binding{}
		for i, param := range r.Head.Args {
			v, isVar := param.Value.(ast.Var)
			if !isVar {
				return nil, "calls " + name + ", whose parameters are not all variables"
			}
			if b, ok := x.resolve(args[i], env); ok {
				inner[v] = b
			}
		}
		g, why := x.body(r, inner, depth+1)
		if g == nil {
			return nil, fmt.Sprintf("calls %s%s: %s", name, inFile(r.Location), why)
		}
		alts = append(alts, g)
	}
	if len(alts) == 0 {
		return nil, "calls " + name + ", which has only a false default"
	}
	return operands(alts), ""
}
