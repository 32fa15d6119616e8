package guard

// Predicates returns the predicates g tests, in order, so that tests can
// tell which ones signatures share.
func Predicates(g Guard) []Guard {
	switch g := g.(type) {
	case anyOf:
		return predicatesOf(g)
	case allOf:
		return predicatesOf(g)
	}
	return []Guard{g}
}

func predicatesOf(gs []Guard) []Guard {
	var out []Guard
	for _, g := range gs {
		out = append(out, Predicates(g)...)
	}
	return out
}
