package vigil

import (
	"strconv"
	"unsafe"

	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/internal/pdataslab"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// RecordHeader is what a record says of its event besides the arguments.
// Every source of records (the eBPF capture, the replay of Tracee JSON) fills
// one and hands it to a RecordWriter, so the records they emit are the same
// by construction.
type RecordHeader struct {
	// Def is the event's catalog entry, nil for an event the catalog does
	// not know (replayed from another Tracee build).
	Def             *catalog.EventDef
	Name            string // Tracee event name
	ID              int64  // Tracee event id
	Timestamp       pcommon.Timestamp
	Observed        pcommon.Timestamp
	HostTID, TID    int64
	ThreadStartTime int64
	CPU             int64
	Compat          bool
	// Syscall is the syscall the event was raised in (its own name for a
	// syscall event), "" outside one. The record has a return value only
	// inside a syscall: Tracee's is 0 for other events.
	Syscall     string
	ReturnValue int64
}

// threadIntKeys are the keys of the thread's integer attributes, the
// first Begin writes, in their order.
var threadIntKeys = [...]string{AttrThreadID, AttrThreadVTID, AttrThreadStartTime, AttrCPU}

// headerAttrs counts the attributes Begin writes: the thread, the event id
// and flags, and, for an event raised in a syscall, the syscall and return
// value. The rest are its arguments; what describes its process is on its
// resource.
func headerAttrs(h *RecordHeader) int {
	if h.Syscall != "" {
		return 8
	}
	return 6
}

// bodyCapacity is the room a body is started with: most bodies fit.
const bodyCapacity = 96

// maxBodyChunk bounds the chunks the bodies of a writer's records share.
// A writer that writes many records allocates one per ~85 bodies instead of
// one per body; a chunk lives as long as any record whose body is in it.
const maxBodyChunk = 8 << 10

// RecordWriter writes the records of one source: Begin, the arguments, End.
// It is the one place that decides a record's event name, severity, body and
// record attributes (see the README's "The record"); WriteResource writes
// its resource. Owned by one goroutine, and not to be copied once used: a
// copy would write its bodies over the original's (see bodies).
//
// Its attributes are appended without pdata's search of the keys already
// written (linear, so quadratic over a record) wherever they are new by
// construction: the header's keys are distinct constants, and a catalog
// event's arguments have distinct keys none of which is a header's (both
// tested over the whole catalog), each written once (args). An attribute
// written under a caller's key (Str, Value) is searched for, and so are
// all that follow it.
type RecordWriter struct {
	// lr is the record being written. Its attributes' map is derived from
	// it where needed (attrs) rather than kept: each handle kept is two
	// pointers stored a record, behind write barriers while the garbage
	// collector marks.
	lr plog.LogRecord
	// def is the record's catalog entry; args has bit i set once argument
	// i is written, so that an argument the source gives twice replaces
	// its first value rather than being appended again.
	def  *catalog.EventDef
	args uint64
	// searched is set once the record may hold a key that appending would
	// repeat: Begin was given attributes, or a caller's key was written.
	searched bool
	// values holds the records' attribute arrays, and the integers,
	// strings and booleans of their attributes and bodies, in arrays
	// shared by many records: pdata would allocate each one on its own.
	values pdataslab.Slab
	// bodies holds the bodies of the records written so far, then the one
	// being written, from bodyStart to bodyEnd. Bytes before bodyStart are
	// never written again, so the bodies' strings can point into it. Its
	// length is its capacity, and the end an index: appending to the slice
	// would store it again, pointer and all, a write barrier per piece of
	// a body while the garbage collector marks.
	bodies             []byte
	bodyStart, bodyEnd int
	// lastBody is the last record's body. A flood's records repeat it:
	// equal bytes take its string (pdata never writes a string's bytes,
	// it replaces the string), and the room the repeat was written in is
	// the next body's.
	lastBody string
	// ret is the return value that ends the body of a syscall event; the
	// header is not kept, so that a source's stays on its stack.
	ret       int64
	endsInRet bool
	// validUTF8 is set by TrustUTF8.
	validUTF8 bool
}

// TrustUTF8 says that every string the writer is given from now on is
// valid UTF-8 already: it writes its arguments' strings as they are, where
// it would check each and replace its invalid bytes (see ValidUTF8), which
// changes nothing in a valid string. Only for strings whose source
// guarantees it, as tracee.Decoder's does; never for the kernel's. (Its
// string arrays, argv and env, are checked still: few lines have one.)
func (w *RecordWriter) TrustUTF8() { w.validUTF8 = true }

// Begin starts writing the record of h into the empty lr, with room for
// args arguments.
func (w *RecordWriter) Begin(lr plog.LogRecord, h *RecordHeader, args int) {
	w.lr = lr
	w.ret, w.endsInRet = h.ReturnValue, h.Syscall != "" && h.Syscall == h.Name
	if h.Def != nil {
		lr.SetEventName(h.Def.RecordName())
	} else {
		lr.SetEventName(EventNamePrefix + h.Name)
	}
	lr.SetTimestamp(h.Timestamp)
	lr.SetObservedTimestamp(h.Observed)
	lr.SetSeverityNumber(plog.SeverityNumberInfo)
	lr.SetSeverityText("INFO")

	attrs := lr.Attributes()
	w.def, w.args, w.searched = h.Def, 0, attrs.Len() > 0
	// the room needed, exactly: the attribute array is most of a record's
	// memory, and every byte of it is garbage to collect later
	w.values.EnsureCapacity(attrs, headerAttrs(h)+args)
	a := w.to(!w.searched)
	a.Ints(threadIntKeys[:], []int64{h.HostTID, h.TID, h.ThreadStartTime, h.CPU})
	a.Bool(AttrIsCompat, h.Compat)
	a.Int(AttrEventID, h.ID)
	if h.Syscall != "" {
		a.nonEmpty(AttrSyscall, h.Syscall, w.validUTF8)
		a.Int(AttrReturnValue, h.ReturnValue)
	}

	w.startBody()
	w.writeBody(h.Name)
}

// attrs returns the attributes of the record being written.
func (w *RecordWriter) attrs() pcommon.Map { return w.lr.Attributes() }

// startBody starts the body where the chunk has bodyCapacity left.
func (w *RecordWriter) startBody() {
	w.bodyStart = w.bodyEnd
	w.grow(bodyCapacity)
}

// grow makes room for n more bytes of the body. A body outgrowing its chunk
// moves to a new one, twice the size of the last up to maxBodyChunk, and
// never smaller than the body: a writer made for one record allocates about
// what its body needs, one that writes many allocates rarely. The chunk's
// earlier bodies stay where their strings point.
func (w *RecordWriter) grow(n int) {
	if len(w.bodies)-w.bodyEnd >= n {
		return
	}
	body := w.bodies[w.bodyStart:w.bodyEnd]
	w.bodies = make([]byte, max(len(body)+n, min(2*len(w.bodies), maxBodyChunk)))
	w.bodyStart, w.bodyEnd = 0, copy(w.bodies, body)
}

// writeBody appends s to the body.
func (w *RecordWriter) writeBody(s string) {
	w.grow(len(s))
	w.bodyEnd += copy(w.bodies[w.bodyEnd:], s)
}

// to returns the writer of the record's attributes, appending when fresh
// (the key known new to the record).
func (w *RecordWriter) to(fresh bool) attrWriter {
	return writerOf(&w.values, w.attrs(), fresh)
}

// strArg writes a string argument with a, which joins the body if not
// empty: the body is what a reader scans for.
func (w *RecordWriter) strArg(a attrWriter, key, s string) {
	if !w.validUTF8 {
		s = ValidUTF8(s)
	}
	a.Str(key, s)
	if s != "" {
		// one check of the room for both, and the space stored, not copied
		w.grow(1 + len(s))
		w.bodies[w.bodyEnd] = ' '
		w.bodyEnd += 1 + copy(w.bodies[w.bodyEnd+1:], s)
	}
}

// arg returns the key of argument i of the record's catalog entry, and
// the writer for it: appending if the key is new to the record.
func (w *RecordWriter) arg(i int) (attrWriter, string) {
	bit := uint64(1) << i // 0 past 63: such an argument is searched for
	fresh := !w.searched && w.args&bit == 0 && bit != 0
	w.args |= bit
	if fresh {
		// the map Begin checked: an argument's writer is not kept for the
		// next, four pointers stored a record, each behind a write barrier
		// while the garbage collector marks
		return attrWriter{w.values.AddingAgain(w.attrs())}, w.def.Args[i].AttrKey()
	}
	return w.to(false), w.def.Args[i].AttrKey()
}

// ArgStr writes argument i of the event's catalog entry (RecordHeader.Def,
// which the caller checked i against), a string (a path, or an integer in
// its parsed form, such as flag names); a non-empty one joins the body.
func (w *RecordWriter) ArgStr(i int, s string) {
	a, key := w.arg(i)
	w.strArg(a, key, s)
}

// ArgInt writes argument i, an integer (see ArgStr).
func (w *RecordWriter) ArgInt(i int, v int64) {
	a, key := w.arg(i)
	a.Int(key, v)
}

// ArgBytes writes argument i, a byte buffer (see ArgStr).
func (w *RecordWriter) ArgBytes(i int, b []byte) {
	a, key := w.arg(i)
	a.Empty(key).SetEmptyBytes().FromRaw(b)
}

// ArgStrings writes argument i, a string array such as argv (see ArgStr).
func (w *RecordWriter) ArgStrings(i int, s []string) {
	a, key := w.arg(i)
	a.stringArray(key, s)
}

// ArgMap writes argument i, a structured one such as a sockaddr (see
// ArgStr), of n attributes: the caller adds them with the returned writer,
// each key once (the writer appends without searching the map), the map
// and its room from the writer's arrays.
func (w *RecordWriter) ArgMap(i, n int) pdataslab.Writer {
	a, key := w.arg(i)
	return w.values.Adding(w.values.SetEmptyMap(a.Empty(key), n))
}

// Str writes a string attribute under key, which may be one already
// written (the record then keeps the last value); a non-empty one joins
// the body. For arguments a source names by key, not by catalog entry.
func (w *RecordWriter) Str(key, s string) {
	w.searched = true
	w.strArg(w.to(false), key, s)
}

// Value writes an attribute of any other form under key, as Str does: the
// caller sets the returned value. It stays out of the body, as structured
// values do.
func (w *RecordWriter) Value(key string) pcommon.Value {
	w.searched = true
	return w.attrs().PutEmpty(key)
}

// End finishes the record: a syscall event's body ends with its return
// value. After End, only Begin: the writer still holds the finished record
// (see below), which any other call would write into.
func (w *RecordWriter) End() {
	if w.endsInRet {
		w.writeBody(" = ")
		w.grow(len("-9223372036854775808"))
		w.bodyEnd += len(strconv.AppendInt(w.bodies[w.bodyEnd:w.bodyEnd], w.ret, 10))
	}
	body := w.bodies[w.bodyStart:w.bodyEnd]
	if string(body) == w.lastBody {
		w.bodyEnd = w.bodyStart
	} else {
		// the bytes are never written again (see bodies), as a string's must not
		w.lastBody = unsafe.String(unsafe.SliceData(body), len(body))
	}
	w.values.SetStr(w.lr.Body(), w.lastBody)
	// w keeps the record's handle and entry until the next Begin: clearing
	// them here stored three pointers a record, each a write barrier while
	// the garbage collector marks, to free one record a little sooner
}

// WriteResource writes the resource attributes of a process's records into
// m: the host name the events carry ("" for none: the source's own host
// attributes are already in m), the process, and its argv where known.
func WriteResource(m pcommon.Map, host string, p *Process, argv []string) {
	WriteResourceFrom(nil, m, host, p, argv, false, false)
}

// WriteResourceFrom is WriteResource with the values from values' arrays
// (see pdataslab), for a writer of many resources; nil allocates each.
// distinct says m holds none of the keys written: none of ProcessKeys,
// nor the host name when host is given (a writer whose resources start
// alike checks once). They are then appended without searching m's keys;
// else each is put, replacing m's value of it.
// validUTF8 says the process's own strings are valid UTF-8 already, as
// RecordWriter.TrustUTF8 does of a record's: they are written unchecked.
func WriteResourceFrom(values *pdataslab.Slab, m pcommon.Map, host string, p *Process, argv []string, distinct, validUTF8 bool) {
	a := writerOf(values, m, distinct)
	if host != "" {
		a.Str(AttrHostName, host)
	}
	p.put(a, validUTF8)
	if len(argv) > 0 {
		a.stringArray(AttrCommandArgs, argv)
	}
}
