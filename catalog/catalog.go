// Package catalog is the table of the events Vigil knows: their Tracee ids,
// names, sets and arguments. It is data only, no pdata, so that the BPF
// loader reads it without the record schema (the root package, which uses it).
package catalog

// The catalog (catalog_gen.go) is generated with the BPF side's header and
// tables from one table, internal/eventgen/events.yaml.
//go:generate go run ../internal/eventgen ..

import "sort"

// The names a record gives an event and its arguments. They are the record
// schema's (vigil.EventNamePrefix, vigil.AttrArgPrefix, which are these),
// defined here so that each definition builds them once.
const (
	// EventNamePrefix is prepended to the Tracee event name to form the
	// LogRecord's EventName, e.g. "kernel.openat".
	EventNamePrefix = "kernel."
	// AttrArgPrefix prefixes each event argument's attribute, under its
	// Tracee name.
	AttrArgPrefix = "kernel.args."
)

// EventID is a Tracee v0.22.6 event id. For syscalls it is the x86_64 syscall
// number; derived and scheduler events use Tracee's own numbering.
type EventID int32

// ArgDef names one event argument and its Tracee type string ("int",
// "const char*", "const char**", "struct sockaddr*", ...). The type is what
// Tracee puts in args[].type, and decides the parsed form of the value.
type ArgDef struct {
	Name string
	Type string

	attrKey string // AttrArgPrefix + Name, built once
}

// AttrKey is the record attribute that holds the argument, "kernel.args.<name>".
func (a *ArgDef) AttrKey() string { return a.attrKey }

// EventDef describes one event of the catalog.
type EventDef struct {
	ID      EventID
	Name    string   // Tracee event name, without the "kernel." prefix
	Syscall bool     // a syscall event (its id is the syscall number)
	Sets    []string // Tracee-style sets the event belongs to
	Args    []ArgDef

	recordName string // EventNamePrefix + Name, built once
}

// RecordName is the LogRecord EventName of the event, "kernel.<name>".
func (d *EventDef) RecordName() string { return d.recordName }

// ArgIndex returns the position of the named argument, or -1.
func (d *EventDef) ArgIndex(name string) int {
	for i, a := range d.Args {
		if a.Name == name {
			return i
		}
	}
	return -1
}

var (
	eventsByName = map[string]*EventDef{}
	eventsByID   = map[EventID]*EventDef{}
)

func init() {
	for i := range catalog {
		d := &catalog[i]
		if _, dup := eventsByName[d.Name]; dup {
			panic("catalog: duplicate event name in catalog: " + d.Name)
		}
		if _, dup := eventsByID[d.ID]; dup {
			panic("catalog: duplicate event id in catalog: " + d.Name)
		}
		d.recordName = EventNamePrefix + d.Name
		for j := range d.Args {
			d.Args[j].attrKey = AttrArgPrefix + d.Args[j].Name
		}
		eventsByName[d.Name] = d
		eventsByID[d.ID] = d
	}
}

// LookupEvent returns the definition of a Tracee event name (without the
// "kernel." prefix).
func LookupEvent(name string) (*EventDef, bool) {
	d, ok := eventsByName[name]
	return d, ok
}

// LookupEventID returns the definition of an event id.
func LookupEventID(id EventID) (*EventDef, bool) {
	d, ok := eventsByID[id]
	return d, ok
}

// Events returns every event of the catalog, ordered by id.
func Events() []*EventDef {
	out := make([]*EventDef, 0, len(catalog))
	for i := range catalog {
		out = append(out, &catalog[i])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// SetAll is the set of every event of the catalog.
const SetAll = "all"

// EventsInSet returns the names of the events that belong to a set, sorted.
// SetAll has them all.
func EventsInSet(set string) []string {
	var names []string
	for i := range catalog {
		if set == SetAll {
			names = append(names, catalog[i].Name)
			continue
		}
		for _, s := range catalog[i].Sets {
			if s == set {
				names = append(names, catalog[i].Name)
				break
			}
		}
	}
	sort.Strings(names)
	return names
}
