package kerneleventsreceiver

import (
	"github.com/vigil-sec/vigil/bpf"
	"github.com/vigil-sec/vigil/catalog"
)

// findArg returns the decoded argument of ev that the catalog names argName.
func findArg(ev *bpf.Event, event, argName string) *bpf.Arg {
	def, ok := catalog.LookupEvent(event)
	if !ok {
		return nil
	}
	idx := def.ArgIndex(argName)
	for i := range ev.Args {
		if int(ev.Args[i].Index) == idx {
			return &ev.Args[i]
		}
	}
	return nil
}

func argUint(ev *bpf.Event, event, name string) uint64 {
	if a := findArg(ev, event, name); a != nil {
		return uintValue(a)
	}
	return 0
}

// uintValue is an integer argument's value, its bit pattern for a signed one.
func uintValue(a *bpf.Arg) uint64 {
	if a.Kind == bpf.ArgInt {
		return uint64(a.Int)
	}
	return a.Uint
}

func argString(ev *bpf.Event, event, name string) string {
	if a := findArg(ev, event, name); a != nil {
		return a.Str
	}
	return ""
}

func argStrings(ev *bpf.Event, event, name string) []string {
	if a := findArg(ev, event, name); a != nil && len(a.Strs) > 0 {
		// Copy: the decoder reuses the event's slices for the next record.
		return append([]string(nil), a.Strs...)
	}
	return nil
}
