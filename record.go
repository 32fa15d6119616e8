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

// fixedRecordAttrs counts the attributes a record has whatever its event:
// the thread, the event id and flags, and the syscall and return value (an
// event raised outside a syscall has neither). The rest are its arguments;
// what describes its process is on its resource.
const fixedRecordAttrs = 6 + 2

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
type RecordWriter struct {
	lr    plog.LogRecord
	attrs pcommon.Map
	// values holds the records' attribute arrays, and the integers,
	// strings and booleans of their attributes and bodies, in arrays
	// shared by many records: pdata would allocate each one on its own.
	values pdataslab.Slab
	// bodies holds the bodies of the records written so far, then the one
	// being written, from bodyStart on. Bytes before bodyStart are never
	// written again, so the bodies' strings can point into it.
	bodies    []byte
	bodyStart int
	// ret is the return value that ends the body of a syscall event; the
	// header is not kept, so that a source's stays on its stack.
	ret       int64
	endsInRet bool
}

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

	w.attrs = lr.Attributes()
	// the room needed (two spare at most, for events without a syscall):
	// the attribute array is most of a record's memory, and every byte of
	// it is garbage to collect later
	w.values.EnsureCapacity(w.attrs, fixedRecordAttrs+args)
	w.values.PutInt(w.attrs, AttrThreadID, h.HostTID)
	w.values.PutInt(w.attrs, AttrThreadVTID, h.TID)
	w.values.PutInt(w.attrs, AttrThreadStartTime, h.ThreadStartTime)
	w.values.PutInt(w.attrs, AttrCPU, h.CPU)
	w.values.PutBool(w.attrs, AttrIsCompat, h.Compat)
	w.values.PutInt(w.attrs, AttrEventID, h.ID)
	if h.Syscall != "" {
		w.values.PutStr(w.attrs, AttrSyscall, h.Syscall)
		w.values.PutInt(w.attrs, AttrReturnValue, h.ReturnValue)
	}

	w.startBody()
	w.writeBody(h.Name)
}

// startBody starts the body where the chunk has bodyCapacity left.
func (w *RecordWriter) startBody() {
	w.bodyStart = len(w.bodies)
	w.grow(bodyCapacity)
}

// grow makes room for n more bytes of the body. A body outgrowing its chunk
// moves to a new one, twice the size of the last up to maxBodyChunk, and
// never smaller than the body: a writer made for one record allocates about
// what its body needs, one that writes many allocates rarely. The chunk's
// earlier bodies stay where their strings point.
func (w *RecordWriter) grow(n int) {
	body := w.bodies[w.bodyStart:]
	if cap(body)-len(body) >= n {
		return
	}
	w.bodies = make([]byte, len(body), max(len(body)+n, min(2*cap(w.bodies), maxBodyChunk)))
	copy(w.bodies, body)
	w.bodyStart = 0
}

// writeBody appends s to the body.
func (w *RecordWriter) writeBody(s string) {
	w.grow(len(s))
	w.bodies = append(w.bodies, s...)
}

// Str writes a string argument (a path, or an integer in its parsed form,
// such as flag names) under key; a non-empty one joins the body, which is
// what a reader scans for.
func (w *RecordWriter) Str(key, s string) {
	w.values.PutStr(w.attrs, key, s)
	if s != "" {
		w.writeBody(" ")
		w.writeBody(s)
	}
}

// Int writes an integer argument under key.
func (w *RecordWriter) Int(key string, i int64) { w.values.PutInt(w.attrs, key, i) }

// Bytes writes a byte-buffer argument under key.
func (w *RecordWriter) Bytes(key string, b []byte) { w.attrs.PutEmptyBytes(key).FromRaw(b) }

// Strings writes a string-array argument (argv, envp) under key.
func (w *RecordWriter) Strings(key string, s []string) {
	putStrings(&w.values, w.attrs.PutEmptySlice(key), s)
}

// Map writes a structured argument (a sockaddr) under key: the caller fills
// the returned map.
func (w *RecordWriter) Map(key string) pcommon.Map { return w.attrs.PutEmptyMap(key) }

// Value writes an argument of any other form under key: the caller sets the
// returned value. It stays out of the body, as structured values do.
func (w *RecordWriter) Value(key string) pcommon.Value { return w.attrs.PutEmpty(key) }

// End finishes the record: a syscall event's body ends with its return value.
func (w *RecordWriter) End() {
	if w.endsInRet {
		w.writeBody(" = ")
		w.grow(len("-9223372036854775808"))
		w.bodies = strconv.AppendInt(w.bodies, w.ret, 10)
	}
	body := w.bodies[w.bodyStart:]
	// the bytes are never written again (see bodies), as a string's must not
	w.values.SetStr(w.lr.Body(), unsafe.String(unsafe.SliceData(body), len(body)))
	w.lr, w.attrs = plog.LogRecord{}, pcommon.Map{}
}

// WriteResource writes the resource attributes of a process's records into
// m: the host name the events carry ("" for none: the source's own host
// attributes are already in m), the process, and its argv where known.
func WriteResource(m pcommon.Map, host string, p *Process, argv []string) {
	WriteResourceFrom(nil, m, host, p, argv)
}

// WriteResourceFrom is WriteResource with the values from values' arrays
// (see pdataslab), for a writer of many resources; nil allocates each.
func WriteResourceFrom(values *pdataslab.Slab, m pcommon.Map, host string, p *Process, argv []string) {
	if host != "" {
		values.PutStr(m, AttrHostName, host)
	}
	p.put(values, m)
	if len(argv) > 0 {
		putStrings(values, m.PutEmptySlice(AttrCommandArgs), argv)
	}
}
