// Package tracee is the codec between Tracee v0.22.6 events (their JSON,
// trace.Event) and Vigil's records: RecordFromEvent writes a record with the
// schema's RecordWriter, EventFromRecord rebuilds the event, and Fields is
// the one table of which attribute carries which trace.Event field, which
// the detection processor's Rego input and guards read records through too.
package tracee

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/internal/addrslot"
	"github.com/vigil-sec/vigil/internal/pdataslab"
	"math"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Event is the JSON shape of a Tracee v0.22.6 trace.Event, limited to
// the fields a record carries. The json tags are Tracee's, so tracee-ebpf
// output decodes into it and its encoding is what Tracee signatures see as
// `input`.
type Event struct {
	Timestamp           int64        `json:"timestamp"`
	ThreadStartTime     int64        `json:"threadStartTime"`
	ProcessorID         int64        `json:"processorId"`
	ProcessID           int64        `json:"processId"`
	CgroupID            uint64       `json:"cgroupId"`
	ThreadID            int64        `json:"threadId"`
	ParentProcessID     int64        `json:"parentProcessId"`
	HostProcessID       int64        `json:"hostProcessId"`
	HostThreadID        int64        `json:"hostThreadId"`
	HostParentProcessID int64        `json:"hostParentProcessId"`
	UserID              int64        `json:"userId"`
	MountNS             int64        `json:"mountNamespace"`
	PIDNS               int64        `json:"pidNamespace"`
	ProcessName         string       `json:"processName"`
	Executable          File         `json:"executable"`
	HostName            string       `json:"hostName"`
	ContainerID         string       `json:"containerId"`
	Container           Container    `json:"container"`
	Kubernetes          Kubernetes   `json:"kubernetes"`
	EventID             int64        `json:"eventId,string"`
	EventName           string       `json:"eventName"`
	MatchedPolicies     []string     `json:"matchedPolicies,omitempty"`
	ArgsNum             int64        `json:"argsNum"`
	ReturnValue         int64        `json:"returnValue"`
	Syscall             string       `json:"syscall"`
	ContextFlags        ContextFlags `json:"contextFlags"`
	ThreadEntityID      uint32       `json:"threadEntityId"`
	ProcessEntityID     uint32       `json:"processEntityId"`
	ParentEntityID      uint32       `json:"parentEntityId"`
	Args                []Arg        `json:"args"`
}

// File is Tracee's trace.File (the executable).
type File struct {
	Path string `json:"path"`
}

// Container is Tracee's trace.Container.
type Container struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Image string `json:"image,omitempty"`
}

// Kubernetes is Tracee's trace.Kubernetes.
type Kubernetes struct {
	PodName      string `json:"podName,omitempty"`
	PodNamespace string `json:"podNamespace,omitempty"`
	PodUID       string `json:"podUID,omitempty"`
}

// ContextFlags is Tracee's trace.ContextFlags.
type ContextFlags struct {
	ContainerStarted bool `json:"containerStarted"`
	IsCompat         bool `json:"isCompat"`
}

// Arg is one element of a Tracee event's args.
type Arg struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Value any    `json:"value"`
	// integer is Value's integer where the Decoder parsed one: WriteRecord
	// takes it from here rather than parse the json.Number again, reading
	// the number itself, often in memory not touched since the number was
	// first met. Last, and no JSON key (see jsonKeys).
	integer parsedInteger
}

// parsedInteger is the integer of a json.Number, as intOf gives it, and
// the data word of the Value that held the number when it was parsed: a
// Value set since then (by a caller, or by encoding/json) is not taken
// for it. A pointer, not an address, so that the number it identifies
// cannot be collected and another allocated in its place.
type parsedInteger struct {
	of unsafe.Pointer // nil for none
	n  int64
}

// parsedInt returns the integer of a.Value, a json.Number, if the Decoder
// parsed it; false otherwise, intOf then parsing it.
func (a *Arg) parsedInt() (int64, bool) {
	v := (*eface)(unsafe.Pointer(&a.Value))
	if a.integer.of == nil || v.data != a.integer.of || v.typ != numberType {
		return 0, false
	}
	return a.integer.n, true
}

// UnmarshalJSON decodes numbers as json.Number so that 64-bit integers
// (inodes, addresses, ctimes) survive the trip exactly instead of passing
// through float64.
func (a *Arg) UnmarshalJSON(data []byte) error {
	var raw struct {
		Name  string          `json:"name"`
		Type  string          `json:"type"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	a.Name, a.Type, a.Value, a.integer = raw.Name, raw.Type, nil, parsedInteger{}
	if len(raw.Value) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw.Value))
	dec.UseNumber()
	return dec.Decode(&a.Value)
}

func (ev *Event) containerID() string {
	if ev.ContainerID != "" {
		return ev.ContainerID
	}
	return ev.Container.ID
}

// Process returns what the resource of ev's record says of its process.
func (ev *Event) Process() vigil.Process {
	return vigil.Process{
		PID:              ev.HostProcessID,
		ParentPID:        ev.HostParentProcessID,
		VPID:             ev.ProcessID,
		ParentVPID:       ev.ParentProcessID,
		UserID:           ev.UserID,
		CgroupID:         ev.CgroupID,
		MountNS:          ev.MountNS,
		PIDNS:            ev.PIDNS,
		Name:             ev.ProcessName,
		ExecutablePath:   ev.Executable.Path,
		ContainerID:      ev.containerID(),
		ContainerName:    ev.Container.Name,
		ContainerImage:   ev.Container.Image,
		PodName:          ev.Kubernetes.PodName,
		PodNamespace:     ev.Kubernetes.PodNamespace,
		PodUID:           ev.Kubernetes.PodUID,
		ContainerStarted: ev.ContextFlags.ContainerStarted,
	}
}

// RecordFromEvent writes the record of ev into the empty lr with the
// RecordWriter the eBPF source uses too (see the README's "The record"); its
// resource is WriteResource's of ev.HostName and ev.Process(). The observed
// time is the event's own: when Tracee saw it. Argument values keep Tracee's
// parsed forms: strings and flag strings as strings, integers as ints,
// string arrays as slices, sockaddrs as maps, and "bytes" arguments (base64
// in JSON) as bytes.
func RecordFromEvent(ev *Event, lr plog.LogRecord) {
	var w vigil.RecordWriter
	WriteRecord(&w, ev, lr)
}

// WriteRecord is RecordFromEvent with the caller's writer: the records of
// one writer share the chunks of their bodies, one allocation for many.
func WriteRecord(w *vigil.RecordWriter, ev *Event, lr plog.LogRecord) {
	h := header(ev)
	k := knowledgeOf(ev)
	// room for the arguments and what the event knows besides: the
	// attribute array is sized once
	w.Begin(lr, &h, len(ev.Args)+k.attrs())
	for i := range ev.Args {
		arg := &ev.Args[i]
		switch j := argIndex(h.Def, i, arg.Name); {
		case j < 0:
			writeArg(w, vigil.AttrArgPrefix+arg.Name, arg)
		case !writeCatalogArg(w, j, arg):
			writeArg(w, h.Def.Args[j].AttrKey(), arg)
		}
	}
	w.End()
	k.put(lr.Attributes())
}

// header is what the record of ev says besides its arguments.
func header(ev *Event) vigil.RecordHeader {
	ts := pcommon.Timestamp(ev.Timestamp)
	h := vigil.RecordHeader{
		Name:            ev.EventName,
		ID:              ev.EventID,
		Timestamp:       ts,
		Observed:        ts,
		HostTID:         ev.HostThreadID,
		TID:             ev.ThreadID,
		ThreadStartTime: ev.ThreadStartTime,
		CPU:             ev.ProcessorID,
		Compat:          ev.ContextFlags.IsCompat,
		Syscall:         ev.Syscall,
		ReturnValue:     ev.ReturnValue,
	}
	if def, ok := catalog.LookupEvent(ev.EventName); ok {
		h.Def = def
	}
	return h
}

// writeArg writes arg under key with the writer's searching setters: the
// form of an argument the catalog does not know.
func writeArg(w *vigil.RecordWriter, key string, arg *Arg) {
	if s, ok := arg.Value.(string); ok && arg.Type != catalog.TypeBytes {
		w.Str(key, s)
		return
	}
	setArgValue(w.Value(key), arg.Type, arg.Value)
}

// maxStringsRoom is how many strings of an array writeCatalogArg collects
// on its stack (argv, envp): a longer array takes one allocation.
const maxStringsRoom = 32

// writeCatalogArg writes arg as argument i of the record's catalog entry,
// appended rather than searched for (RecordWriter's Arg*), in the form
// setArgValue gives it. It reports false, having written nothing, for a
// value of a form the Arg* setters have no counterpart for (null, a
// boolean, a fraction, an array of anything but strings, bytes that are
// not base64): the caller writes that one by key.
func writeCatalogArg(w *vigil.RecordWriter, i int, arg *Arg) bool {
	if n, ok := arg.parsedInt(); ok {
		w.ArgInt(i, n)
		return true
	}
	switch x := arg.Value.(type) {
	case string:
		if arg.Type != catalog.TypeBytes {
			w.ArgStr(i, x)
			return true
		}
		b, err := base64.StdEncoding.DecodeString(x)
		if err != nil {
			return false
		}
		w.ArgBytes(i, b)
	case json.Number:
		n, ok := intOf(x)
		if !ok {
			return false
		}
		w.ArgInt(i, n)
	case []any:
		var room [maxStringsRoom]string
		s := room[:0]
		for _, e := range x {
			str, ok := e.(string)
			if !ok {
				return false
			}
			s = append(s, str)
		}
		w.ArgStrings(i, s)
	case map[string]any:
		putMap(w.ArgMap(i, len(x)), x)
	default:
		return false
	}
	return true
}

// knowledge is what an event knows beyond what its record derives: the
// entity ids that differ from those derived from the thread (see task),
// and the matched policies. An id of 0 is not known (an event that left
// it out): Tracee's ids are hashes, never 0 but by a 2^-32 chance.
type knowledge struct {
	ids      [3]entityAttr
	n        int // the ids to write, ids[:n]
	policies []string
}

type entityAttr struct {
	key string
	id  uint32
}

func knowledgeOf(ev *Event) knowledge {
	k := knowledge{policies: ev.MatchedPolicies}
	if ev.ThreadEntityID == 0 && ev.ProcessEntityID == 0 && ev.ParentEntityID == 0 {
		return k // none given: none to derive (two hashes)
	}
	t := task{tid: ev.HostThreadID, pid: ev.HostProcessID, startTime: ev.ThreadStartTime}
	thread, process := t.entityIDs()
	for _, id := range [...]struct {
		key            string
		given, derived uint32
	}{
		{vigil.AttrThreadEntityID, ev.ThreadEntityID, thread},
		{vigil.AttrProcessEntityID, ev.ProcessEntityID, process},
		{vigil.AttrParentEntityID, ev.ParentEntityID, 0},
	} {
		if id.given != 0 && id.given != id.derived {
			k.ids[k.n] = entityAttr{id.key, id.given}
			k.n++
		}
	}
	return k
}

// attrs is how many attributes put writes.
func (k *knowledge) attrs() int {
	if len(k.policies) > 0 {
		return k.n + 1
	}
	return k.n
}

// put writes the knowledge into a record's attributes.
func (k *knowledge) put(attrs pcommon.Map) {
	for _, id := range k.ids[:k.n] {
		attrs.PutInt(id.key, int64(id.id))
	}
	if len(k.policies) > 0 {
		vigil.PutStrings(attrs.PutEmptySlice(vigil.AttrMatchedPolicies), k.policies)
	}
}

// argIndex is the index in def's arguments of the argument named name, the
// i-th of its event: i itself when Tracee wrote them in the catalog's
// order, as it does, found by name otherwise; -1 when def (nil for an
// event the catalog does not know) has no such argument.
func argIndex(def *catalog.EventDef, i int, name string) int {
	switch {
	case def == nil:
		return -1
	case i < len(def.Args) && sameString(def.Args[i].Name, name):
		return i
	}
	return def.ArgIndex(name)
}

// sameString is a == b, the same bytes first compared by address: the
// Decoder names the arguments it expects with the catalog's own strings,
// and == calls memequal (spilling the caller's registers around it) even
// then.
func sameString(a, b string) bool {
	return addrslot.Same(a, b) || a == b
}

// setArgValue stores a decoded argument value. It accepts what encoding/json
// produces (with or without UseNumber) and the Go types a decoder in this
// module builds directly.
func setArgValue(v pcommon.Value, typ string, x any) {
	switch x := x.(type) {
	case nil:
		// left empty: Tracee's null
	case string:
		if typ == catalog.TypeBytes {
			if b, err := base64.StdEncoding.DecodeString(x); err == nil {
				v.SetEmptyBytes().FromRaw(b)
				return
			}
		}
		v.SetStr(x)
	case bool:
		v.SetBool(x)
	case json.Number:
		if i, ok := intOf(x); ok {
			v.SetInt(i)
		} else {
			f, _ := x.Float64()
			v.SetDouble(f)
		}
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			v.SetInt(int64(x))
		} else {
			v.SetDouble(x)
		}
	case int:
		v.SetInt(int64(x))
	case int32:
		v.SetInt(int64(x))
	case int64:
		v.SetInt(x)
	case uint:
		v.SetInt(int64(x))
	case uint16:
		v.SetInt(int64(x))
	case uint32:
		v.SetInt(int64(x))
	case uint64:
		v.SetInt(int64(x))
	case []byte:
		v.SetEmptyBytes().FromRaw(x)
	case []string:
		vigil.PutStrings(v.SetEmptySlice(), x)
	case []any:
		s := v.SetEmptySlice()
		s.EnsureCapacity(len(x))
		for _, e := range x {
			setArgValue(s.AppendEmpty(), "", e)
		}
	case map[string]string:
		m := v.SetEmptyMap()
		m.EnsureCapacity(len(x))
		var room [sortedKeysRoom]string
		for _, k := range sortedKeys(x, room[:0]) {
			m.PutStr(k, x[k])
		}
	case map[string]any:
		m := v.SetEmptyMap()
		m.EnsureCapacity(len(x))
		putMap(noSlab.Adding(m), x)
	default:
		// An unknown Go type: keep its JSON text rather than lose it.
		b, _ := json.Marshal(x)
		v.SetStr(string(b))
	}
}

// intOf returns the integer of n, a uint64 past int64's range as its bit
// pattern (ArgValueFromAttr restores it for unsigned types); ok is false
// for a number with a fraction or out of uint64's range.
func intOf(n json.Number) (int64, bool) {
	// digits, or '-' and digits, as the Decoder's numbers are, parsed in
	// one pass; strconv's ParseInt and then ParseUint decide the rest
	digits, neg := strings.CutPrefix(string(n), "-")
	if u, ok := shortDigits(digits); ok && (!neg || u <= 1<<63) {
		if neg {
			return -int64(u), true
		}
		return int64(u), true
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, true
	}
	if u, err := strconv.ParseUint(string(n), 10, 64); err == nil {
		return int64(u), true
	}
	return 0, false
}

// shortDigits parses 1 to 19 decimal digits, too few to overflow a
// uint64: without parseDigits's check of it at each digit, a third of
// intOf's instructions (an argument's integer is parsed here a second
// time, from the json.Number the Decoder gives). ok is false for anything
// else, longer numbers included.
func shortDigits(s string) (u uint64, ok bool) {
	if len(s) == 0 || len(s) > 19 {
		return 0, false
	}
	for i := range len(s) {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		u = u*10 + uint64(c)
	}
	return u, true
}

// putMap adds x to an empty map with w in its keys' order: Go maps have
// no order; records should. Strings, a sockaddr's, are w's values; the
// rest are setArgValue's.
func putMap(w pdataslab.Writer, x map[string]any) {
	var room [sortedKeysRoom]string
	for _, k := range sortedKeys(x, room[:0]) {
		switch v := x[k].(type) {
		case string:
			w.Str(k, v)
		default:
			setArgValue(w.Empty(k), "", v)
		}
	}
}

// noSlab is the slab of a map written with pdata's own setters.
var noSlab *pdataslab.Slab

// sortedKeysRoom is room for the keys of a sockaddr (family, address,
// port, flow info, scope id) on the caller's stack.
const sortedKeysRoom = 8

// sortedKeys appends the keys of m to keys and sorts them: given room on
// the caller's stack, a small map's keys cost no allocation.
func sortedKeys[V any](m map[string]V, keys []string) []string {
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// IsUnsignedArgType reports whether a Tracee argument type is unsigned, so a
// negative int64 in the record is a uint64 whose top bit is set. The types
// are those Tracee's trace.Argument decodes as unsigned: pointers (any type
// ending in "*") and off_t among them.
func IsUnsignedArgType(typ string) bool {
	switch typ {
	case catalog.TypeUInt, catalog.TypeULong, catalog.TypeSizeT, catalog.TypeOffT, catalog.TypeU64, catalog.TypeDevT,
		"u32", "mode_t", "unsigned long long", "unsigned short", "old_uid_t", "old_gid_t", catalog.TypeModeT, "u16", "uint16", "u8", "uint8":
		return true
	}
	return strings.HasSuffix(typ, "*")
}

// ArgValueFromAttr returns the Tracee JSON value of an argument attribute:
// the inverse of what RecordFromEvent stores. Bytes come back as
// []byte, which encoding/json writes as base64, as Tracee does.
func ArgValueFromAttr(v pcommon.Value, typ string) any {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str()
	case pcommon.ValueTypeInt:
		i := v.Int()
		if i < 0 && IsUnsignedArgType(typ) {
			return uint64(i)
		}
		return i
	case pcommon.ValueTypeDouble:
		return v.Double()
	case pcommon.ValueTypeBool:
		return v.Bool()
	case pcommon.ValueTypeBytes:
		return v.Bytes().AsRaw()
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		out := make([]any, s.Len())
		for i := range out {
			out[i] = ArgValueFromAttr(s.At(i), "")
		}
		return out
	case pcommon.ValueTypeMap:
		out := make(map[string]any, v.Map().Len())
		for k, e := range v.Map().All() {
			out[k] = ArgValueFromAttr(e, "")
		}
		return out
	}
	return nil
}

// StringType is the type Tracee gives an argument it parsed from a number
// into text (open flags, a ptrace request, a socket type).
const StringType = "string"

// ArgType returns the Tracee type of a catalog argument of type typ holding
// v: typ, or StringType when an argument of a non-string type holds text,
// as Tracee's argument parsing retypes it.
func ArgType(typ string, v pcommon.Value) string {
	if v.Type() != pcommon.ValueTypeStr {
		return typ
	}
	switch typ {
	case catalog.TypeStr, catalog.TypeCharPtr, catalog.TypeBytes:
		return typ
	}
	return StringType
}

// ArgTypeOf guesses the Tracee type of an argument that is not in the
// catalog from its value's kind.
func ArgTypeOf(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return catalog.TypeStr
	case pcommon.ValueTypeInt:
		return catalog.TypeInt
	case pcommon.ValueTypeBool:
		return catalog.TypeBool
	case pcommon.ValueTypeBytes:
		return catalog.TypeBytes
	case pcommon.ValueTypeSlice:
		return catalog.TypeStrArr
	case pcommon.ValueTypeMap:
		return catalog.TypeSockaddr
	case pcommon.ValueTypeDouble:
		return "float"
	}
	return ""
}

// EventFromRecord rebuilds the Tracee event of a record: the inverse of
// RecordFromEvent and WriteResource. The fields are Fields';
// arguments follow the catalog's order and types when the event is known,
// attribute order (types guessed from the values) for the rest.
func EventFromRecord(lr plog.LogRecord, res pcommon.Resource) Event {
	at := vigil.AttrsOf(lr, res)
	ev := Event{
		Timestamp: int64(lr.Timestamp()),
		EventName: strings.TrimPrefix(lr.EventName(), vigil.EventNamePrefix),
		Args:      []Arg{},
	}
	var d Derivation
	d.Reset(at)
	for i := range traceeFields {
		traceeFields[i].setFrom(&ev, &d)
	}
	def, known := catalog.LookupEvent(ev.EventName)
	if v, ok := at.Get(vigil.AttrEventID); ok && v.Type() == pcommon.ValueTypeInt {
		ev.EventID = v.Int()
	} else if known {
		ev.EventID = int64(def.ID)
	}
	args := lr.Attributes()
	if known {
		for _, ad := range def.Args {
			if v, ok := args.Get(ad.AttrKey()); ok {
				typ := ArgType(ad.Type, v)
				ev.Args = append(ev.Args, Arg{Name: ad.Name, Type: typ, Value: ArgValueFromAttr(v, typ)})
			}
		}
	}
	for k, v := range args.All() {
		name, isArg := strings.CutPrefix(k, vigil.AttrArgPrefix)
		if !isArg || (known && def.ArgIndex(name) >= 0) {
			continue
		}
		typ := ArgTypeOf(v)
		ev.Args = append(ev.Args, Arg{Name: name, Type: typ, Value: ArgValueFromAttr(v, typ)})
	}
	ev.ArgsNum = int64(len(ev.Args))
	return ev
}
