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
		var out allOf
		for _, e := range g {
			s, v := Specialize(e, eventName)
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
			s, v := Specialize(e, eventName)
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
