package guard

import (
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/tracee"
)

// The forms guards print are Rego's: args.<name> stands for
// get_tracee_argument("<name>"), input fields lose their "input." and x[_]
// is any element of x.

func (g anyOf) String() string { return join(g, " || ") }

func (g allOf) String() string { return join(g, " && ") }

// join prints gs separated by op, parenthesising the ones that are
// themselves several conditions.
func join(gs []Guard, op string) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = g.String()
		if len(gs) > 1 && several(g) {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, op)
}

// several reports whether g prints as more than one condition joined by
// && or || without parentheses of its own.
func several(g Guard) bool {
	for {
		var gs []Guard
		switch c := g.(type) {
		case anyOf:
			gs = c
		case allOf:
			gs = c
		default:
			return false
		}
		if len(gs) != 1 {
			return len(gs) > 1
		}
		g = gs[0]
	}
}

func (p *pred) String() string { return p.form(p.src.String()) }

func (s *source) String() string {
	var b strings.Builder
	switch s.kind {
	case srcEventName:
		b.WriteString("eventName")
	case srcContext:
		b.WriteString(contextField(s.key))
	default:
		b.WriteString("args." + strings.TrimPrefix(s.key, vigil.AttrArgPrefix))
	}
	for _, f := range s.fields {
		b.WriteString("." + f)
	}
	if s.elem {
		b.WriteString("[_]")
	}
	switch {
	case s.lower:
		return "lower(" + b.String() + ")"
	case s.base64:
		return "base64.decode(" + b.String() + ")"
	}
	return b.String()
}

// contextField is the input field read from attribute key: the first in
// trace.Event's order, as two fields (containerId, container.id) carry one.
func contextField(key string) string {
	for _, f := range tracee.Fields() {
		if f.Kind == tracee.FieldStr && f.Key == key {
			return f.Path()
		}
	}
	return key
}

// infix prints subject op c: `args.flags == 3`, `processName in {"a", "b"}`.
func infix(op string, c ast.Value) func(string) string {
	return func(subject string) string { return subject + " " + op + " " + c.String() }
}

// calls prints fn(subject, c) for each constant, as alternatives.
func calls(fn string, consts []string) func(string) string {
	return func(subject string) string {
		parts := make([]string, len(consts))
		for i, c := range consts {
			parts[i] = fn + "(" + subject + ", " + ast.String(c).String() + ")"
		}
		if len(parts) == 1 {
			return parts[0]
		}
		return "(" + strings.Join(parts, " || ") + ")"
	}
}

func regexForm(pattern ast.String) func(string) string {
	return func(subject string) string { return "regex.match(" + pattern.String() + ", " + subject + ")" }
}
