package guard

// Specialize simplifies g for records of one event name, which routing
// fixes: input.eventName tests are decided now. It returns the simplified
// guard, or, when the result no longer depends on the record, nil and its
// value.
func Specialize(g Guard, eventName string) (Guard, bool) {
	switch g := g.(type) {
	case *pred:
		if g.src.kind == srcEventName {
			return nil, g.testString(eventName)
		}
		return g, true
	case allOf:
		out, decided := specializeEach(g, eventName, true)
		if decided || len(out) == 0 {
			return nil, !decided
		}
		return operands(allOf(out)), true
	case anyOf:
		out, decided := specializeEach(g, eventName, false)
		if decided || len(out) == 0 {
			return nil, decided
		}
		return operands(anyOf(out)), true
	}
	return g, true
}

// specializeEach specialises the operands of a conjunction (identity true)
// or a disjunction (identity false). An operand decided to the identity
// drops out; one decided to its opposite decides the whole (decided).
func specializeEach(gs []Guard, eventName string, identity bool) (out []Guard, decided bool) {
	for _, e := range gs {
		s, v := Specialize(e, eventName)
		switch {
		case s != nil:
			out = append(out, s)
		case v != identity:
			return nil, true
		}
	}
	return out, false
}
