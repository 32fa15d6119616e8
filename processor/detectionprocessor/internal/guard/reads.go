package guard

import "slices"

// Reads returns what g reads of a record: the attributes (their keys, each
// once, appended to keys) and whether it reads the event name. A guard's
// result is a function of these alone (each attribute's value, or its
// absence), which lets the engine remember it for a repeated record.
func Reads(g Guard, keys []string) (_ []string, eventName bool) {
	switch g := g.(type) {
	case *pred:
		if g.src.kind == srcEventName {
			return keys, true
		}
		if !slices.Contains(keys, g.src.key) {
			keys = append(keys, g.src.key)
		}
		return keys, false
	case allOf:
		return readsOf(g, keys)
	case anyOf:
		return readsOf(g, keys)
	}
	panic("guard: unknown guard type")
}

func readsOf(gs []Guard, keys []string) ([]string, bool) {
	name := false
	for _, g := range gs {
		var n bool
		keys, n = Reads(g, keys)
		name = name || n
	}
	return keys, name
}
