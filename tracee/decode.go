package tracee

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/bits"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/internal/addrslot"
)

// A Decoder decodes lines of Tracee JSON into Events, giving what
// json.Unmarshal gives. encoding/json spends most of a replay's time
// (validating each line, then walking it by reflection, then once more per
// argument for UseNumber); the Decoder reads Tracee's event shape in one pass
// and hands whatever it does not expect to json.Unmarshal, which stays the
// reference: a syntax error, a number with a fraction, a key in another case,
// an escape in a key, a null argument. Its results are therefore
// json.Unmarshal's by construction on those lines, and by test on the rest.
//
// A Decoder keeps the strings and numbers events repeat (names, types,
// paths, flags, ids) to hand them out again instead of allocating each,
// already boxed as the `any` of an argument's value. It is owned by one
// goroutine.
type Decoder struct {
	data []byte
	pos  int
	// depth is the nesting of the value being read, bounded as
	// encoding/json bounds it (the slow path then reports it).
	depth int
	strs  known // string values
	// strSlot is the slot in strs of the string rawString returned last
	strSlot uint64
	numbers known     // json.Number values with a fraction or an exponent
	ints    knownInts // json.Number values of integers
	// elems holds the elements of the arrays being read, innermost last,
	// so that each is written once, at its length, when it ends.
	elems []any
	// containers holds the arrays and maps of the arguments' values,
	// reused by the next line (see Decode).
	containers containers
	// the catalog's arguments of the events seen last (see argsOf)
	eventArgs [eventArgsSlots]eventArgs
	// the order of the keys of the last event, and of the objects in it,
	// read (see keyAfter)
	orders struct {
		event, arg, file, container, kubernetes, flags keyOrder
	}
	// last holds the last line's values of the fields that lines repeat
	// most (the host, the process, the event, the container), which
	// strLike expects.
	last struct {
		hostName, containerID, syscall string
		// the fields of Container and Kubernetes, in their order
		container, kubernetes [3]string
		// whether the syscall was the event's name (see event)
		syscallNamed bool
		// the context's flags, by contextFlagsIndex
		flags int
	}
	// byID holds the values strLike expects by the line's ids (48 KiB,
	// allocated at the first line: a Decoder's zero value stays small)
	byID *expectedByID
}

// eventNameSlots is more than the ids of Tracee's events need to take
// a slot each (syscalls below 500, other events from 700 to 800 and from
// 2000 to 2100): others share them, each expecting the last one read.
const eventNameSlots = 1024

// procSlots is a slot each for the pids of a busy host's processes.
const procSlots = 1024

// expectedByID holds the values strLike expects of a line's strings by
// the ids Tracee writes before them (see event).
type expectedByID struct {
	// eventNames holds the event name last read with each event id,
	// modulo eventNameSlots
	eventNames [eventNameSlots]string
	// procs holds the process name and executable path last read with
	// each host pid, modulo procSlots
	procs [procSlots]struct{ name, path string }
}

// errSlow stops the fast path: json.Unmarshal decodes the line instead.
var errSlow = errors.New("tracee: line left to encoding/json")

// maxDepth is below encoding/json's own limit of nesting (10,000), so a
// line nested deeper is its to judge.
const maxDepth = 1000

// Values up to maxKnownLen bytes are kept for reuse, knownSlots of each
// kind at most: a new value takes the slot of the one it hashes to, so a
// stream of unique values (timestamps in strings, random paths) costs a
// fixed table, and one whose values change over the hours keeps the recent
// ones.
const (
	maxKnownLen = 128
	knownBits   = 12
	knownSlots  = 1 << knownBits
)

// Decode decodes line into ev, replacing what ev held. Its error is
// json.Unmarshal's for the line. The array of ev.Args is reused, as
// json.Unmarshal reuses a slice's: a copy of ev kept from an earlier line
// sees its arguments overwritten. So are the arrays and maps of the
// arguments' values ([]any, map[string]any: argv, env, socket addresses),
// which are the Decoder's, valid until its next Decode: a caller copies
// what it keeps of them, as a record writer does.
//
// Every string Decode writes into ev, the arguments' values and their
// maps' keys included, is valid UTF-8 (which vigil.RecordWriter.TrustUTF8
// relies on): the fast path takes only valid strings (see rawString), and
// encoding/json replaces an invalid byte, or an escaped lone surrogate,
// with U+FFFD.
func (d *Decoder) Decode(line []byte, ev *Event) error {
	if d.decodeFast(line, ev) == nil {
		return nil
	}
	// into an event of its own, copied: ev passed to json.Unmarshal would
	// escape, and the caller's event, on the heap, would take a write
	// barrier for each of its strings the fast path writes while the
	// collector marks
	slow := new(Event)
	err := json.Unmarshal(line, slow)
	*ev = *slow
	return err
}

// decodeFast decodes line into ev, or returns errSlow.
func (d *Decoder) decodeFast(line []byte, ev *Event) error {
	spare := ev.Args[:0]
	*ev = Event{}
	if o := &d.orders; o.event.keys == nil {
		d.byID = new(expectedByID)
		o.event, o.arg, o.file = newKeyOrder(eventKeys), newKeyOrder(argKeys), newKeyOrder(fileKeys)
		o.container, o.kubernetes, o.flags = newKeyOrder(containerKeys), newKeyOrder(kubernetesKeys), newKeyOrder(contextFlagsKeys)
	}
	d.data, d.pos, d.depth = line, 0, 0
	d.containers.arrays, d.containers.maps = 0, 0
	err := d.event(ev, spare)
	if d.space(); err == nil && d.pos != len(d.data) {
		err = errSlow
	}
	d.data = nil // the line is the caller's again (set here: a defer cost as much as a field)
	return err
}

// event reads the event into ev; its arguments go into spare's array if
// they fit. Its fields are read in a loop, not through a callback per
// field (see fields): the event is most of a line.
func (d *Decoder) event(ev *Event, spare []Arg) error {
	o := &d.orders.event
	more, key, i, err := d.firstField(o)
	for more {
		switch i { // the key's index in eventKeys
		case fieldTimestamp:
			err = d.int(&ev.Timestamp)
		case fieldThreadStartTime:
			err = d.int(&ev.ThreadStartTime)
		case fieldProcessorID:
			err = d.int(&ev.ProcessorID)
		case fieldProcessID:
			err = d.int(&ev.ProcessID)
		case fieldCgroupID:
			err = d.uint(&ev.CgroupID)
		case fieldThreadID:
			err = d.int(&ev.ThreadID)
		case fieldParentProcessID:
			err = d.int(&ev.ParentProcessID)
		case fieldHostProcessID:
			err = d.int(&ev.HostProcessID)
		case fieldHostThreadID:
			err = d.int(&ev.HostThreadID)
		case fieldHostParentProcessID:
			err = d.int(&ev.HostParentProcessID)
		case fieldUserID:
			err = d.int(&ev.UserID)
		case fieldMountNS:
			err = d.int(&ev.MountNS)
		case fieldPIDNS:
			err = d.int(&ev.PIDNS)
		case fieldProcessName:
			// Tracee writes hostProcessId before them: a process's name
			// and executable are expected to be those last read with its
			// pid, rather than the line before's, another process's in a
			// busy stream
			err = d.strLike(&ev.ProcessName, &d.byID.procs[uint64(ev.HostProcessID)%procSlots].name)
		case fieldExecutable:
			err = d.executable(&ev.Executable, &d.byID.procs[uint64(ev.HostProcessID)%procSlots].path)
		case fieldHostName:
			err = d.strLike(&ev.HostName, &d.last.hostName)
		case fieldContainerID:
			err = d.strLike(&ev.ContainerID, &d.last.containerID)
		case fieldContainer:
			err = d.container(&ev.Container, ev.ContainerID)
		case fieldKubernetes:
			err = d.kubernetes(&ev.Kubernetes)
		case fieldEventID:
			err = d.quotedInt(&ev.EventID)
		case fieldEventName:
			// Tracee writes eventId before it: the name last read with
			// the id, rather than the line before's, which a stream
			// mixing events changes most lines
			err = d.strLike(&ev.EventName, &d.byID.eventNames[uint64(ev.EventID)%eventNameSlots])
		case fieldMatchedPolicies:
			err = d.strings(&ev.MatchedPolicies)
		case fieldThreadEntityID:
			err = d.uint32(&ev.ThreadEntityID)
		case fieldProcessEntityID:
			err = d.uint32(&ev.ProcessEntityID)
		case fieldParentEntityID:
			err = d.uint32(&ev.ParentEntityID)
		case fieldArgsNum:
			err = d.int(&ev.ArgsNum)
		case fieldReturnValue:
			err = d.int(&ev.ReturnValue)
		case fieldSyscall:
			// a syscall's event is named after it (another's, a
			// security_* one, keeps the syscall that caused it): expected
			// to be the event's name when the line before's was
			if d.last.syscallNamed {
				d.last.syscall = ev.EventName
			}
			err = d.strLike(&ev.Syscall, &d.last.syscall)
			d.last.syscallNamed = ev.Syscall == ev.EventName
		case fieldContextFlags:
			err = d.contextFlags(&ev.ContextFlags)
		case fieldArgs:
			err = d.args(&ev.Args, spare, ev.ArgsNum, ev.EventName)
		default:
			err = d.skipField(key, eventKeys...)
		}
		if err != nil {
			break
		}
		// nextField, its expected key compared here, without a call: the
		// event's fields are most of a line's
		if r := o.after[i+1]; r != nil && r.at(d.data, d.pos) {
			d.pos += r.n
			i, key = r.key, nil
			continue
		}
		more, key, i, err = d.otherField(o, i)
	}
	return err
}

// executable reads the executable into f, expecting its path to be
// *last (see strLike).
func (d *Decoder) executable(f *File, last *string) error {
	return d.fields(&d.orders.file, func(i int, key []byte) error {
		if i == filePath {
			return d.strLike(&f.Path, last)
		}
		return d.skipField(key, fileKeys...)
	})
}

// container reads the container of an event whose containerId is id,
// which its own id is expected to be.
func (d *Decoder) container(c *Container, id string) error {
	d.last.container[0] = id
	if d.emptyObject() { // a host's process has none: told before strFields's closure is set up
		return nil
	}
	return d.strFields(&d.orders.container, containerKeys, &d.last.container, [3]*string{&c.ID, &c.Name, &c.Image})
}

func (d *Decoder) kubernetes(k *Kubernetes) error {
	if d.emptyObject() {
		return nil
	}
	return d.strFields(&d.orders.kubernetes, kubernetesKeys, &d.last.kubernetes, [3]*string{&k.PodName, &k.PodNamespace, &k.PodUID})
}

// strFields reads an object of string fields: the one of key keys[i]
// into into[i], expecting last[i] (see strLike), keys being the object's
// in its struct's order.
func (d *Decoder) strFields(o *keyOrder, keys []string, last *[3]string, into [3]*string) error {
	return d.fields(o, func(i int, key []byte) error {
		if i >= 0 {
			return d.strLike(into[i], &last[i])
		}
		return d.skipField(key, keys...)
	})
}

// contextFlags reads the context's flags into f. Tracee writes each of
// the four the same way: compared whole with those texts, the line
// before's first, then the one whose container started differs (a stream
// that mixes a host's processes with containers'), they are read without
// the object's field by field reading (some 400 instructions a line).
func (d *Decoder) contextFlags(f *ContextFlags) error {
	for _, flip := range [...]int{0, 2, 1, 3} {
		i := d.last.flags ^ flip
		if t := contextFlagsTexts[i]; len(d.data)-d.pos >= len(t) && string(d.data[d.pos:d.pos+len(t)]) == t {
			d.pos += len(t)
			*f = contextFlagsOf(i)
			d.last.flags = i
			return nil
		}
	}
	err := d.fields(&d.orders.flags, func(i int, key []byte) error {
		switch i {
		case flagContainerStarted:
			return d.bool(&f.ContainerStarted)
		case flagIsCompat:
			return d.bool(&f.IsCompat)
		}
		return d.skipField(key, contextFlagsKeys...)
	})
	d.last.flags = contextFlagsIndex(*f)
	return err
}

// contextFlagsTexts holds the object encoding/json writes, as Tracee
// does, for each of the four ContextFlags, by contextFlagsIndex.
var contextFlagsTexts = func() (texts [4]string) {
	for i := range texts {
		text, err := json.Marshal(contextFlagsOf(i))
		if err != nil {
			panic(err)
		}
		texts[i] = string(text)
	}
	return texts
}()

// contextFlagsIndex numbers the four ContextFlags; contextFlagsOf is its
// inverse.
func contextFlagsIndex(f ContextFlags) int {
	i := 0
	if f.ContainerStarted {
		i |= 2
	}
	if f.IsCompat {
		i |= 1
	}
	return i
}

func contextFlagsOf(i int) ContextFlags {
	return ContextFlags{ContainerStarted: i&2 != 0, IsCompat: i&1 != 0}
}

// fields reads an object of o's keys (see keyAfter), calling field with
// each key's index, or -1 and the key itself for one not among them. For
// the small objects of an event: the event's own fields and an
// argument's, most of a line, are read in loops of their own, without a
// call through a closure per field.
func (d *Decoder) fields(o *keyOrder, field func(i int, key []byte) error) error {
	more, key, i, err := d.firstField(o)
	for ; more; more, key, i, err = d.nextField(o, i) {
		if err = field(i, key); err != nil {
			break
		}
	}
	return err
}

// The index of each of Event's fields in eventKeys, which is its order:
// TestDecoderReadsEveryField decodes each key alone into its field.
const (
	fieldTimestamp = iota
	fieldThreadStartTime
	fieldProcessorID
	fieldProcessID
	fieldCgroupID
	fieldThreadID
	fieldParentProcessID
	fieldHostProcessID
	fieldHostThreadID
	fieldHostParentProcessID
	fieldUserID
	fieldMountNS
	fieldPIDNS
	fieldProcessName
	fieldExecutable
	fieldHostName
	fieldContainerID
	fieldContainer
	fieldKubernetes
	fieldEventID
	fieldEventName
	fieldMatchedPolicies
	fieldArgsNum
	fieldReturnValue
	fieldSyscall
	fieldContextFlags
	fieldThreadEntityID
	fieldProcessEntityID
	fieldParentEntityID
	fieldArgs
)

// The index of the fields of File and ContextFlags in their keys.
const filePath = 0

const (
	flagContainerStarted = iota
	flagIsCompat
)

// The index of each of Arg's fields in argKeys.
const (
	argName = iota
	argType
	argValue
)

// The JSON keys of Event and of the structs in it, read from their tags
// as encoding/json reads them: a field added to one of them is a key here
// at once, and TestDecoderReadsEveryField fails until the switch above
// (or the one for its struct) has a case for it.
var (
	eventKeys        = jsonKeys(reflect.TypeFor[Event]())
	fileKeys         = jsonKeys(reflect.TypeFor[File]())
	containerKeys    = jsonKeys(reflect.TypeFor[Container]())
	kubernetesKeys   = jsonKeys(reflect.TypeFor[Kubernetes]())
	contextFlagsKeys = jsonKeys(reflect.TypeFor[ContextFlags]())
	argKeys          = jsonKeys(reflect.TypeFor[Arg]())
)

// jsonKeys returns the JSON keys of struct type t's exported fields, which
// come before any other: each tag's name, or the field's own name if the
// tag gives none.
func jsonKeys(t reflect.Type) []string {
	var keys []string
	for f := range t.Fields() {
		if !f.IsExported() { // not encoding/json's; last (see Arg)
			break
		}
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if key == "" {
			key = f.Name
		}
		keys = append(keys, key)
	}
	return keys
}

// maxArgsRoom bounds the room args makes from argsNum, which a line could
// set to anything.
const maxArgsRoom = 64

// args reads Event.Args into spare's array, or into a new one with room
// for argsNum of them if argsNum says more: null empties them, as
// encoding/json does. The names and types that the catalog's entry for
// event gives are handed out as the catalog's strings, compared rather
// than hashed.
func (d *Decoder) args(args *[]Arg, spare []Arg, argsNum int64, event string) error {
	if d.null() {
		*args = nil
		return nil
	}
	out := spare
	// Tracee writes argsNum before args: room for them at once
	if room := min(max(argsNum, 0), maxArgsRoom); cap(out) < int(room) || out == nil {
		out = make([]Arg, 0, room)
	}
	expected := d.argsOf(event)
	more, err := d.openArray()
	for more {
		if d.pos < len(d.data) && d.data[d.pos] != '{' {
			err = errSlow // a null argument, say: encoding/json calls Arg.UnmarshalJSON with it
			break
		}
		want := &unexpectedArg // Tracee's order is the catalog's
		if i := len(out); i < len(expected) {
			want = &expected[i]
		}
		// the next element, holding what an earlier line left there:
		// arg writes each of its fields (zeroed first, each pointer was
		// one more write barrier while the collector marks)
		if len(out) < cap(out) {
			out = out[:len(out)+1]
		} else {
			out = append(out, Arg{})
		}
		if err = d.arg(&out[len(out)-1], want); err != nil {
			break
		}
		// the comma Tracee writes before the next argument, read here:
		// moreElems was a call an argument
		if d.pos < len(d.data) && d.data[d.pos] == ',' {
			d.pos++
			continue
		}
		more, err = d.moreElems()
	}
	*args = out
	return err
}

// unexpectedArg is expected of an argument the catalog does not give.
var unexpectedArg expectedArg

// expectedArg is an argument of a catalog entry as Tracee writes it: its
// name, its type, and the text before its value.
type expectedArg struct {
	name, typ string
	prefix    string // `{"name":"<name>","type":"<type>","value":`
}

// expectedArgs holds the arguments of each event of the catalog, by name.
var expectedArgs = func() map[string][]expectedArg {
	m := map[string][]expectedArg{}
	for _, ev := range catalog.Events() {
		args := make([]expectedArg, len(ev.Args))
		for i, a := range ev.Args {
			args[i] = expectedArg{name: a.Name, typ: a.Type, prefix: `{"name":"` + a.Name + `","type":"` + a.Type + `","value":`}
		}
		m[ev.Name] = args
	}
	return m
}()

// argsOf is the arguments the catalog gives event, none for an event it
// does not know. The events seen last keep theirs, by the address of
// their name's bytes: the Decoder hands out the same string for a name
// each line (the one it kept, see strLike and known), so a stream that
// mixes a few events finds theirs with a comparison of two words, where
// a look-up in expectedArgs hashed the name (about 150 instructions a
// line on the mixed stream). A slot holds the name it was found by, so
// no other text can take its address meanwhile.
func (d *Decoder) argsOf(event string) []expectedArg {
	e := &d.eventArgs[addrslot.Of(event, eventArgsBits)]
	if !addrslot.Same(e.event, event) || e.args == nil {
		*e = eventArgs{event, expectedArgs[event]}
	}
	return e.args
}

// eventArgs is a slot of argsOf's: the arguments of event.
type eventArgs struct {
	event string
	args  []expectedArg
}

const (
	eventArgsBits  = 5
	eventArgsSlots = 1 << eventArgsBits
)

// arg reads an argument into a, whatever a held. One that starts as
// want's does (the catalog's name and type, in Tracee's order: nearly
// every one) is read from its value on, each of a's fields written once;
// any other field by field, a zeroed first, its name and type want's when
// they are.
func (d *Decoder) arg(a *Arg, want *expectedArg) error {
	o := &d.orders.arg
	var more bool
	var key []byte
	var i int
	var err error
	if p := want.prefix; p != "" && len(d.data)-d.pos >= len(p) && string(d.data[d.pos:d.pos+len(p)]) == p {
		d.pos += len(p)
		d.depth++ // in the argument's object, as open would be
		a.Name, a.Type = want.name, want.typ
		if err = d.argValue(a); err != nil {
			return err
		}
		if d.pos < len(d.data) && d.data[d.pos] == '}' { // the end, as Tracee writes it
			d.pos++
			d.depth--
			return nil
		}
		more, key, i, err = d.nextField(o, argValue)
	} else {
		*a = Arg{}
		more, key, i, err = d.firstField(o)
	}
	for ; more; more, key, i, err = d.nextField(o, i) {
		switch i { // the key's index in argKeys
		case argName:
			err = d.strAs(&a.Name, want.name)
		case argType:
			err = d.strAs(&a.Type, want.typ)
		case argValue:
			err = d.argValue(a)
		default:
			err = d.skipField(key, argKeys...)
		}
		if err != nil {
			break
		}
	}
	return err
}

// argValue reads an argument's value into a.Value, and into a.integer
// the integer of a json.Number as intOf would parse it (see Arg), or none.
func (d *Decoder) argValue(a *Arg) error {
	if start := d.pos; start < len(d.data) && (d.data[start] == '-' || d.data[start]-'0' <= 9) {
		if neg, u, ok := d.integer(); ok {
			a.Value = d.ints.get(neg, u, d.data[start:d.pos])
			a.integer = parsedInteger{}
			// intOf's: a negative one within int64, any other as its
			// bits (a uint64 past int64 wraps)
			if !neg || u <= 1<<63 {
				n := int64(u)
				if neg {
					n = -n
				}
				a.integer = parsedInteger{of: (*eface)(unsafe.Pointer(&a.Value)).data, n: n}
			}
			return nil
		}
	}
	a.integer = parsedInteger{}
	var err error
	a.Value, err = d.value()
	return err
}

func (d *Decoder) strings(s *[]string) error {
	if d.null() {
		*s = nil
		return nil
	}
	out := []string{}
	more, err := d.openArray()
	for ; more; more, err = d.moreElems() {
		var e string
		err = d.str(&e)
		out = append(out, e)
		if err != nil {
			break
		}
	}
	*s = out
	return err
}

// open reads the start of an object, and reports whether a field follows
// (see key): not for null, which leaves the fields as they are, nor for
// {}. A loop over the fields breaks at a field's error: its post
// statement, more, would overwrite it.
func (d *Decoder) open() (bool, error) {
	if d.null() {
		return false, nil
	}
	if !d.consume('{') {
		return false, errSlow
	}
	if d.depth++; d.depth > maxDepth {
		return false, errSlow
	}
	if d.consume('}') {
		d.depth--
		return false, nil
	}
	return true, nil
}

// key reads the key of a field and its colon, positioned at its value.
// The key is raw: an escaped or non-ASCII key is left to the slow path.
func (d *Decoder) key() ([]byte, error) {
	d.space()
	key, ok := d.rawString()
	if !ok || !d.consume(':') {
		return nil, errSlow
	}
	d.space()
	return key, nil
}

// keyOrder is the order in which the keys of an object (the event, an
// argument) came last: after[i+1] is the text of the key that followed
// key i, after[0] of the first; nil for none known. Tracee writes its
// keys in one order, so that firstField and nextField, expecting each key
// where it came last, compare it in place, with the brace or comma before
// it and the colon after it, instead of scanning it. The texts themselves,
// not their indexes, so that the key's text needs no second look-up, and
// no second bounds check, a field.
type keyOrder struct {
	keys  []string
	first []textRun // `{"key":` for each key, as Tracee writes them
	next  []textRun // `,"key":`
	after []*textRun
}

func newKeyOrder(keys []string) keyOrder {
	o := keyOrder{keys: keys, first: make([]textRun, len(keys)), next: make([]textRun, len(keys)), after: make([]*textRun, len(keys)+1)}
	for i, k := range keys {
		o.first[i] = newTextRun(`{"`+k+`":`, i)
		o.next[i] = newTextRun(`,"`+k+`":`, i)
	}
	return o
}

// firstField reads the start of an object of o's keys and its first key,
// positioned at its value: the key's index in o.keys, or -1 and the key
// itself for one not in them. It reports whether a field follows: not for
// null, which leaves the fields as they are, nor for {}. A loop over the
// fields breaks at a field's error: its post statement, nextField, would
// overwrite it.
func (d *Decoder) firstField(o *keyOrder) (more bool, key []byte, i int, err error) {
	if r := o.after[0]; r != nil && r.at(d.data, d.pos) {
		if d.depth++; d.depth > maxDepth {
			return false, nil, -1, errSlow
		}
		d.pos += r.n
		return true, nil, r.key, nil
	}
	if d.emptyObject() {
		return false, nil, -1, nil
	}
	if more, err = d.open(); !more {
		return false, nil, -1, err
	}
	return d.keyAfter(o, -1)
}

// emptyObject consumes {}, Tracee's empty container and kubernetes, if
// it comes next.
func (d *Decoder) emptyObject() bool {
	if d.pos+2 <= len(d.data) && string(d.data[d.pos:d.pos+2]) == "{}" {
		d.pos += 2
		return true
	}
	return false
}

// nextField reads what follows the value of field prev (its index in
// o.keys) as firstField reads the first: the next key, or the object's end.
// The expected key is compared inline, the rest is a call.
func (d *Decoder) nextField(o *keyOrder, prev int) (more bool, key []byte, i int, err error) {
	if r := o.after[prev+1]; r != nil && r.at(d.data, d.pos) {
		d.pos += r.n
		return true, nil, r.key, nil
	}
	return d.otherField(o, prev)
}

// otherField is nextField's when the next key is not the one expected:
// most often none, the object ending there.
func (d *Decoder) otherField(o *keyOrder, prev int) (more bool, key []byte, i int, err error) {
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return false, nil, -1, nil
	}
	if more, err = d.more(); !more {
		return false, nil, -1, err
	}
	return d.keyAfter(o, prev)
}

// keyAfter reads the key after o.keys[prev] (prev -1 for the first), which
// was not the one expected, as key does, and learns it as the one to
// expect there next.
func (d *Decoder) keyAfter(o *keyOrder, prev int) (more bool, key []byte, i int, err error) {
	if key, err = d.key(); err != nil {
		return false, nil, -1, err
	}
	i = slices.Index(o.keys, string(key))
	o.after[prev+1] = nil
	if i >= 0 {
		runs := o.next
		if prev < 0 {
			runs = o.first
		}
		o.after[prev+1] = &runs[i]
		key = nil
	}
	return true, key, i, nil
}

// A textRun is text of up to 24 bytes a line is expected to hold at a
// place, kept as three eight-byte words and the masks of the bytes the text
// fills in them, so that it is compared in place by three loads, without a
// call, a loop or more than one bounds check. A place less than 24 bytes
// from the end of the line never holds it: the caller reads the text there
// as it would any other.
type textRun struct {
	n        int // 0 for a text that is empty or longer than 24 bytes: never there
	key      int // the index of the text's key in its keyOrder
	w, masks [3]uint64
}

func newTextRun(text string, key int) textRun {
	if len(text) > 24 {
		return textRun{key: key}
	}
	r := textRun{n: len(text), key: key}
	for i := range len(text) {
		r.w[i/8] |= uint64(text[i]) << (8 * (i % 8))
		r.masks[i/8] |= 0xff << (8 * (i % 8))
	}
	return r
}

// at reports whether data holds r's text at pos.
func (r *textRun) at(data []byte, pos int) bool {
	// pos tested on both sides, so that the slice below needs no check of
	// its own (pos+24 > len(data) left pos < 0 to it): at is inlined at
	// each of a line's thirty-odd keys
	if r.n == 0 || pos < 0 || pos > len(data)-24 {
		return false
	}
	b := data[pos : pos+24]
	return (binary.LittleEndian.Uint64(b)^r.w[0])&r.masks[0]|
		(binary.LittleEndian.Uint64(b[8:])^r.w[1])&r.masks[1]|
		(binary.LittleEndian.Uint64(b[16:])^r.w[2])&r.masks[2] == 0
}

// more reads what follows a field's value, and reports whether another
// field follows, or the object ends.
func (d *Decoder) more() (bool, error) {
	if d.consume(',') {
		return true, nil
	}
	if d.next('}') { // consume skipped the white space
		d.depth--
		return false, nil
	}
	return false, errSlow
}

// object reads an object, calling field with each key positioned at its
// value (see open).
func (d *Decoder) object(field func(key []byte) error) error {
	more, err := d.open()
	for ; more; more, err = d.more() {
		var key []byte
		if key, err = d.key(); err != nil {
			return err
		}
		if err = field(key); err != nil {
			break
		}
	}
	return err
}

// openArray reads the start of an array, and reports whether an element
// follows, positioned at it.
func (d *Decoder) openArray() (bool, error) {
	if !d.consume('[') {
		return false, errSlow
	}
	if d.depth++; d.depth > maxDepth {
		return false, errSlow
	}
	if d.consume(']') {
		d.depth--
		return false, nil
	}
	d.space()
	return true, nil
}

// moreElems reads what follows an element, and reports whether another
// follows, positioned at it, or the array ends.
func (d *Decoder) moreElems() (bool, error) {
	if d.consume(',') {
		d.space()
		return true, nil
	}
	if d.next(']') { // consume skipped the white space
		d.depth--
		return false, nil
	}
	return false, errSlow
}

// array reads an array, calling elem positioned at each element.
func (d *Decoder) array(elem func() error) error {
	more, err := d.openArray()
	for ; more; more, err = d.moreElems() {
		if err = elem(); err != nil {
			break
		}
	}
	return err
}

// skipField reads past the value of a key the event has no field for. A
// key that matches one of names but for case is a field to encoding/json:
// the slow path decodes it.
func (d *Decoder) skipField(key []byte, names ...string) error {
	for _, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			return errSlow
		}
	}
	_, err := d.valueAs(false)
	return err
}

// value reads any JSON value as encoding/json does into an `any` with
// UseNumber.
func (d *Decoder) value() (any, error) { return d.valueAs(true) }

// valueAs reads a value, building it only if keep (otherwise checking it).
func (d *Decoder) valueAs(keep bool) (any, error) {
	d.space()
	if d.pos >= len(d.data) {
		return nil, errSlow
	}
	switch c := d.data[d.pos]; {
	case c == '"':
		s, ok := d.rawString()
		if !ok || !keep {
			return nil, okOrSlow(ok)
		}
		return d.strs.getAt(s, d.strSlot, boxString), nil
	case c == '-' || (c >= '0' && c <= '9'):
		// an integer, nearly always: found by its value, not its text
		if start := d.pos; keep {
			if neg, u, ok := d.integer(); ok {
				return d.ints.get(neg, u, d.data[start:d.pos]), nil
			}
		}
		n, ok := d.number()
		if !ok || !keep {
			return nil, okOrSlow(ok)
		}
		return d.numbers.get(n, boxNumber), nil
	case c == '{':
		var m map[string]any
		if keep {
			m = d.containers.emptyMap()
		}
		err := d.object(func(key []byte) error {
			v, err := d.valueAs(keep)
			if keep {
				m[d.intern(key)] = v
			}
			return err
		})
		if !keep {
			return nil, err
		}
		return m, err
	case c == '[':
		start := len(d.elems)
		err := d.array(func() error {
			v, err := d.valueAs(keep)
			if keep {
				d.elems = append(d.elems, v)
			}
			return err
		})
		if !keep {
			return nil, err
		}
		s := d.containers.array(d.elems[start:])
		clear(d.elems[start:]) // the values are s's now: the stack should not keep them
		d.elems = d.elems[:start]
		return s, err
	case d.literal("true"):
		return true, nil
	case d.literal("false"):
		return false, nil
	case d.literal("null"):
		return nil, nil
	}
	return nil, errSlow
}

// containers are the arrays and maps a Decoder gives as arguments'
// values, kept from one line to the next: a new []any and its box (the
// slice's header, which an interface holds by pointer), or a new map, for
// each, were two allocations an exec's line (argv, env) and one and a half
// a connect's. A line takes them in its order of reading; the nth array or
// map of the line is the one the line before had nth.
type containers struct {
	arrays, maps int // those of the line taken so far
	// arrayList holds the arrays' headers: each boxed as it is, in place
	arrayList []*[]any
	mapList   []map[string]any
}

// What a Decoder keeps from line to line is bounded, so that one large
// line (file.max_line_bytes may be hundreds of MiB) does not hold its
// memory for the rest of a replay: a line's arrays and maps past the
// first keptContainers, and an array or map of more than keptElems
// elements, are the line's own.
const (
	keptContainers = 16
	keptElems      = 1024
)

// array returns a []any of elems, boxed: the next of the kept arrays,
// its elements overwritten (and those past them cleared, so that it keeps
// no value of an earlier line alive).
func (c *containers) array(elems []any) any {
	if c.arrays == keptContainers || len(elems) > keptElems {
		return append(make([]any, 0, len(elems)), elems...)
	}
	if c.arrays == len(c.arrayList) {
		c.arrayList = append(c.arrayList, new([]any))
	}
	s := c.arrayList[c.arrays]
	c.arrays++
	if *s == nil {
		*s = make([]any, 0, len(elems)) // empty, not nil, as encoding/json's
	}
	was := len(*s)
	*s = append((*s)[:0], elems...)
	if was > len(*s) {
		clear((*s)[len(*s):was])
	}
	// boxed without a copy: the interface points at the kept header
	var v any
	*(*eface)(unsafe.Pointer(&v)) = eface{typ: anyArrayType, data: unsafe.Pointer(s)}
	return v
}

// emptyMap returns the next of the kept maps, emptied (a new one where
// the kept one had grown past keptElems: clear does not shrink a map).
func (c *containers) emptyMap() map[string]any {
	if c.maps == keptContainers {
		return map[string]any{}
	}
	if c.maps == len(c.mapList) {
		c.mapList = append(c.mapList, map[string]any{})
	}
	m := c.mapList[c.maps]
	if len(m) > keptElems {
		m = map[string]any{}
		c.mapList[c.maps] = m
	}
	c.maps++
	clear(m)
	return m
}

// eface is how Go lays out an interface{}.
type eface struct {
	typ, data unsafe.Pointer
}

// anyArrayType is the type word of an interface holding a []any.
var anyArrayType = func() unsafe.Pointer {
	var v any = []any(nil)
	return (*eface)(unsafe.Pointer(&v)).typ
}()

func okOrSlow(ok bool) error {
	if ok {
		return nil
	}
	return errSlow
}

func (d *Decoder) str(s *string) error { return d.strAs(s, "") }

// strAs reads a string into s: want itself when the line spells it
// plainly, compared in place (neither scanned nor hashed), else interned.
// want must be plain, as rawString's strings are: valid UTF-8 without '"',
// '\\' or control bytes (the catalog's names and types are, by
// TestCatalogIsPlain).
func (d *Decoder) strAs(s *string, want string) error {
	data, pos := d.data, d.pos
	if end := pos + len(want) + 2; end <= len(data) && data[pos] == '"' && data[end-1] == '"' &&
		string(data[pos+1:end-1]) == want {
		d.pos = end
		*s = want
		return nil
	}
	if d.null() {
		return nil
	}
	raw, ok := d.rawString()
	if !ok {
		return errSlow
	}
	*s = d.strs.getAt(raw, d.strSlot, boxString).(string)
	return nil
}

// strLike reads a string into s, expecting *last, the field's value in
// the line before, and keeps it there for the next line.
func (d *Decoder) strLike(s, last *string) error {
	err := d.strAs(s, *last)
	*last = *s
	return err
}

// intern returns b as a string, the same one each time for short ones.
func (d *Decoder) intern(b []byte) string { return d.strs.get(b, boxString).(string) }

// rawString reads a string of printable, valid UTF-8 without escapes and
// returns its content; anything else (an escape, which needs decoding; an
// invalid byte, which encoding/json replaces) is the slow path's. Its
// callers have skipped the white space before it.
func (d *Decoder) rawString() ([]byte, bool) {
	// data and pos in locals, d.pos written once: through d, every step
	// would store it
	data, pos := d.data, d.pos
	if pos >= len(data) || data[pos] != '"' {
		return nil, false
	}
	pos++
	start := pos
	// eight bytes at a time to the first byte that is not plain ASCII: the
	// closing quote, for nearly every string; hashed on the way, for the
	// table of known values
	h := uint64(0)
	for pos+8 <= len(data) {
		w := binary.LittleEndian.Uint64(data[pos:])
		if stops := plainStops(w); stops != 0 {
			k := bits.TrailingZeros64(stops) / 8
			pos += k
			if data[pos] == '"' {
				d.pos = pos + 1
				d.strSlot = slotFrom(h, w&(1<<(8*k)-1), pos-start)
				return data[start:pos], true
			}
			break
		}
		h = mixWord(h, w)
		pos += 8
	}
	// near the end of the line, or past a byte that is not plain: one at
	// a time
	ascii := true
	for ; pos < len(data); pos++ {
		switch c := data[pos]; {
		case c == '"':
			d.pos = pos + 1
			s := data[start:pos]
			d.strSlot = slotOf(s)
			return s, ascii || utf8.Valid(s)
		case c == '\\' || c < 0x20:
			d.pos = pos
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	d.pos = pos
	return nil, false
}

// plainStops marks, by the top bit of its byte, the first byte of w
// (little-endian) that is not plain ASCII, which a string holds as it is:
// a control byte, a non-ASCII byte, '"' or '\\'. It is 0 when all eight
// are plain. A byte past the first mark may be marked wrongly (a
// subtraction borrows upwards from a byte below the threshold), never one
// before it: the bytes below the first stop borrow nothing. Fewer
// operations than marks exact for every byte, and the scan needs only the
// first.
func plainStops(w uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := w^'"'*ones, w^'\\'*ones
	return ((w-' '*ones)&^w | (quote-ones)&^quote | (backslash-ones)&^backslash | w) & highs
}

// known holds values a Decoder hands out again, by their JSON text, boxed
// in the `any` an argument's value is: a direct-mapped cache, one hash and
// one comparison a look-up.
type known struct {
	slots *[knownSlots]knownValue // allocated at the first value
}

type knownValue struct {
	text string
	v    any
}

// get returns the value of text b, box's of it: the same one while it
// keeps its slot, for short ones.
func (k *known) get(b []byte, box func(string) any) any { return k.getAt(b, slotOf(b), box) }

// getAt is get for a text whose slotOf is slot, computed by the scan.
func (k *known) getAt(b []byte, slot uint64, box func(string) any) any {
	if len(b) > maxKnownLen {
		return box(string(b))
	}
	if k.slots == nil {
		k.slots = new([knownSlots]knownValue)
	}
	kv := &k.slots[slot%knownSlots]
	if kv.v != nil && kv.text == string(b) {
		return kv.v
	}
	text := string(b)
	*kv = knownValue{text, box(text)}
	return kv.v
}

// slotOf is the slot of text b: a hash of its eight-byte words, the last
// one padded with zeros, and of its length, which rawString computes as it
// scans a string. Each word is mixed by a multiply, which carries every
// bit upwards, and the slot is the top bits.
func slotOf(b []byte) uint64 {
	h, i := uint64(0), 0
	for ; i+8 <= len(b); i += 8 {
		h = mixWord(h, binary.LittleEndian.Uint64(b[i:]))
	}
	var tail uint64
	for j := len(b) - 1; j >= i; j-- {
		tail = tail<<8 | uint64(b[j])
	}
	return slotFrom(h, tail, len(b))
}

// mixWord mixes the next eight bytes of a text into its hash h.
func mixWord(h, w uint64) uint64 { return (h ^ w) * 0xff51afd7ed558ccd }

// slotFrom is the slot of a text of n bytes whose words before the last
// hashed to h, and whose last, up to seven bytes padded with zeros, is
// tail.
func slotFrom(h, tail uint64, n int) uint64 {
	return ((mixWord(h, tail) ^ uint64(n)) * 0x9e3779b97f4a7c15) >> (64 - knownBits)
}

// knownInts holds the integers a Decoder hands out again, as json.Number
// values, by sign and magnitude: an integer's text (digits, no leading
// zero, '-' for a negative) follows from them, so a look-up compares two
// words where known compares the text, and its hash is the magnitude the
// parse computed, not a second pass over the digits.
type knownInts struct {
	slots *[knownSlots]knownInt // allocated at the first value
}

type knownInt struct {
	u   uint64
	neg bool
	v   any // nil for an empty slot
}

// get returns the json.Number of text, the integer of sign neg and
// magnitude u: the same one while it keeps its slot.
func (k *knownInts) get(neg bool, u uint64, text []byte) any {
	if k.slots == nil {
		k.slots = new([knownSlots]knownInt)
	}
	h := u
	if neg {
		h = ^h
	}
	slot := &k.slots[(h*0x9e3779b97f4a7c15)>>(64-knownBits)]
	if slot.v != nil && slot.u == u && slot.neg == neg {
		return slot.v
	}
	*slot = knownInt{u, neg, boxedNumber(text)}
	return slot.v
}

// boxedNumber returns json.Number(text), boxed, text being an integer's
// (at most 20 bytes): its bytes, and the string header the interface
// points at, are one object, where the conversion and the boxing
// allocated one each (a new integer is most of a line's allocations: a
// file's inode, a child's pid).
func boxedNumber(text []byte) any {
	if len(text) > maxIntText {
		return json.Number(text)
	}
	n := new(struct {
		s      json.Number // first: the interface's data points at it
		digits [maxIntText]byte
	})
	copy(n.digits[:], text)
	n.s = json.Number(unsafe.String(&n.digits[0], len(text)))
	var v any
	*(*eface)(unsafe.Pointer(&v)) = eface{typ: numberType, data: unsafe.Pointer(&n.s)}
	return v
}

// maxIntText is the longest text of an int64 or a uint64:
// -9223372036854775808, or 18446744073709551615.
const maxIntText = 20

// numberType is the type word of an interface holding a json.Number.
var numberType = func() unsafe.Pointer {
	var v any = json.Number("")
	return (*eface)(unsafe.Pointer(&v)).typ
}()

func boxString(s string) any { return s }
func boxNumber(s string) any { return json.Number(s) }

// number reads a JSON number and returns its text.
func (d *Decoder) number() ([]byte, bool) {
	start := d.pos
	d.next('-')
	switch {
	case d.next('0'):
	case d.digits() == 0:
		return nil, false
	}
	if d.next('.') && d.digits() == 0 {
		return nil, false
	}
	if d.next('e') || d.next('E') {
		if !d.next('+') {
			d.next('-')
		}
		if d.digits() == 0 {
			return nil, false
		}
	}
	return d.data[start:d.pos], true
}

func (d *Decoder) digits() int {
	start := d.pos
	for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
		d.pos++
	}
	return d.pos - start
}

// int reads an integer into i; null leaves it.
func (d *Decoder) int(i *int64) error {
	if n, ok := d.plainInt(); ok {
		*i = n
		return nil
	}
	neg, u, ok := d.integer()
	if !ok {
		return d.nullOrSlow()
	}
	return signed(neg, u, i)
}

// nullOrSlow reads a null where integer found no integer; anything else
// is the slow path's.
func (d *Decoder) nullOrSlow() error {
	if d.null() {
		return nil
	}
	return errSlow
}

// digitsAt reads the decimal digits of data from pos on: their value,
// wrapped past 19 of them, and where they end.
func digitsAt(data []byte, pos uint) (u uint64, end uint) {
	// the position unsigned, so that pos < len(data) proves data[pos] in
	// bounds (an int could be negative): a check less a digit
	for pos < uint(len(data)) && data[pos]-'0' <= 9 {
		u = u*10 + uint64(data[pos]-'0')
		pos++
	}
	return u, pos
}

// plainInt reads what nearly every integer of a line is: digits, the
// first not 0 unless alone, within int64, and then ',' or '}', the end of
// a field, so that no fraction or exponent follows. It does without
// integer's sign and its other cases (some 30 instructions of a call, a
// line reading 20 integers); ok false leaves the position where it was,
// for integer to read whatever is there.
func (d *Decoder) plainInt() (i int64, ok bool) {
	data, start := d.data, uint(d.pos)
	u, end := digitsAt(data, start)
	switch n := end - start; {
	case n-1 >= 19: // none, or too many for int64
		return 0, false
	case end >= uint(len(data)) || data[end] != ',' && data[end] != '}':
		return 0, false
	case n > 1 && data[start] == '0', u >= 1<<63:
		return 0, false
	}
	d.pos = int(end)
	return int64(u), true
}

// integer reads a JSON integer, its sign and magnitude, in one pass. A
// fraction, an exponent, a leading zero or a magnitude past uint64 is not
// ok: the slow path's (an error there, or a number it refuses for an
// integer), and leaves the position where it was.
func (d *Decoder) integer() (neg bool, u uint64, ok bool) {
	// locals, as in rawString
	data, pos := d.data, uint(d.pos)
	if pos < uint(len(data)) && data[pos] == '-' {
		neg = true
		pos++
	}
	start := pos
	u, pos = digitsAt(data, pos)
	n := pos - start
	switch {
	case n == 0 || n > 1 && data[start] == '0':
		return neg, 0, false
	case pos < uint(len(data)) && (data[pos] == '.' || data[pos]|0x20 == 'e'):
		return neg, 0, false
	case n > 19: // u may have wrapped: parse again, checking
		if u, ok = parseDigits(data[start:pos]); !ok {
			return neg, 0, false
		}
	}
	d.pos = int(pos)
	return neg, u, true
}

// signed stores the integer of sign neg and magnitude u into i: one out of
// int64's range is the slow path's (an error there).
func signed(neg bool, u uint64, i *int64) error {
	switch {
	case neg && u <= 1<<63:
		*i = -int64(u)
	case !neg && u < 1<<63:
		*i = int64(u)
	default:
		return errSlow
	}
	return nil
}

// uint reads an unsigned integer into u; null leaves it.
func (d *Decoder) uint(u *uint64) error {
	neg, v, ok := d.integer()
	switch {
	case !ok:
		return d.nullOrSlow()
	case neg:
		return errSlow
	}
	*u = v
	return nil
}

// uint32 reads an unsigned 32-bit integer into u; null leaves it, and a
// larger one is the slow path's (an error there).
func (d *Decoder) uint32(u *uint32) error {
	if d.null() {
		return nil
	}
	var v uint64
	if err := d.uint(&v); err != nil {
		return err
	}
	if v > 1<<32-1 {
		return errSlow
	}
	*u = uint32(v)
	return nil
}

// parseDigits parses decimal digits only, failing on anything else and on
// overflow.
func parseDigits[T string | []byte](n T) (uint64, bool) {
	if len(n) == 0 || len(n) > 20 {
		return 0, false
	}
	var u uint64
	for i := range len(n) {
		c := n[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		next := u*10 + uint64(c-'0')
		if u > (1<<64-1)/10 || next < u*10 {
			return 0, false
		}
		u = next
	}
	return u, true
}

// quotedInt reads an integer in a string (the `,string` option, Tracee's
// eventId), read in place between its quotes: anything else in the
// string (an escape, a sign alone, white space) is the slow path's.
func (d *Decoder) quotedInt(i *int64) error {
	if !d.next('"') {
		return errSlow
	}
	neg, u, ok := d.integer()
	if !ok || !d.next('"') {
		return errSlow
	}
	return signed(neg, u, i)
}

// bool reads a boolean into b; null leaves it.
func (d *Decoder) bool(b *bool) error {
	switch {
	case d.null():
	case d.literal("true"):
		*b = true
	case d.literal("false"):
		*b = false
	default:
		return errSlow
	}
	return nil
}

func (d *Decoder) null() bool { return d.literal("null") }

// literal consumes lit if it comes next.
func (d *Decoder) literal(lit string) bool {
	// the first byte alone rules out nearly every call (null() before each
	// value)
	if d.pos >= len(d.data) || d.data[d.pos] != lit[0] || !bytes.HasPrefix(d.data[d.pos:], []byte(lit)) {
		return false
	}
	d.pos += len(lit)
	return true
}

// consume skips white space and c if c comes next.
func (d *Decoder) consume(c byte) bool {
	d.space()
	return d.next(c)
}

// next skips c if it is the next byte.
func (d *Decoder) next(c byte) bool {
	if d.pos < len(d.data) && d.data[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

func (d *Decoder) space() {
	// Tracee writes none: one comparison says so
	if d.pos < len(d.data) && d.data[d.pos] > ' ' {
		return
	}
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}
