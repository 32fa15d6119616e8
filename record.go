package vigil

import (
	"github.com/vigil-sec/vigil/catalog"
	"strconv"
	"strings"

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

// bodyCapacity is what a body's buffer starts with: most bodies fit, so
// building one costs one allocation.
const bodyCapacity = 96

// RecordWriter writes the records of one source: Begin, the arguments, End.
// It is the one place that decides a record's event name, severity, body and
// record attributes (see the README's "The record"); WriteResource writes
// its resource. Owned by one goroutine.
type RecordWriter struct {
	lr    plog.LogRecord
	attrs pcommon.Map
	body  strings.Builder
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
	w.attrs.EnsureCapacity(fixedRecordAttrs + args)
	w.attrs.PutInt(AttrThreadID, h.HostTID)
	w.attrs.PutInt(AttrThreadVTID, h.TID)
	w.attrs.PutInt(AttrThreadStartTime, h.ThreadStartTime)
	w.attrs.PutInt(AttrCPU, h.CPU)
	w.attrs.PutBool(AttrIsCompat, h.Compat)
	w.attrs.PutInt(AttrEventID, h.ID)
	if h.Syscall != "" {
		w.attrs.PutStr(AttrSyscall, h.Syscall)
		w.attrs.PutInt(AttrReturnValue, h.ReturnValue)
	}

	w.body = strings.Builder{}
	w.body.Grow(bodyCapacity)
	w.body.WriteString(h.Name)
}

// Str writes a string argument (a path, or an integer in its parsed form,
// such as flag names) under key; a non-empty one joins the body, which is
// what a reader scans for.
func (w *RecordWriter) Str(key, s string) {
	w.attrs.PutStr(key, s)
	if s != "" {
		w.body.WriteByte(' ')
		w.body.WriteString(s)
	}
}

// Int writes an integer argument under key.
func (w *RecordWriter) Int(key string, i int64) { w.attrs.PutInt(key, i) }

// Bytes writes a byte-buffer argument under key.
func (w *RecordWriter) Bytes(key string, b []byte) { w.attrs.PutEmptyBytes(key).FromRaw(b) }

// Strings writes a string-array argument (argv, envp) under key.
func (w *RecordWriter) Strings(key string, s []string) { PutStrings(w.attrs.PutEmptySlice(key), s) }

// Map writes a structured argument (a sockaddr) under key: the caller fills
// the returned map.
func (w *RecordWriter) Map(key string) pcommon.Map { return w.attrs.PutEmptyMap(key) }

// Value writes an argument of any other form under key: the caller sets the
// returned value. It stays out of the body, as structured values do.
func (w *RecordWriter) Value(key string) pcommon.Value { return w.attrs.PutEmpty(key) }

// End finishes the record: a syscall event's body ends with its return value.
func (w *RecordWriter) End() {
	if w.endsInRet {
		w.body.WriteString(" = ")
		w.body.WriteString(strconv.FormatInt(w.ret, 10))
	}
	w.lr.Body().SetStr(w.body.String())
	w.lr, w.attrs, w.body = plog.LogRecord{}, pcommon.Map{}, strings.Builder{}
}

// WriteResource writes the resource attributes of a process's records into
// m: the host name the events carry ("" for none: the source's own host
// attributes are already in m), the process, and its argv where known.
func WriteResource(m pcommon.Map, host string, p *Process, argv []string) {
	if host != "" {
		m.PutStr(AttrHostName, host)
	}
	p.Put(m)
	if len(argv) > 0 {
		PutStrings(m.PutEmptySlice(AttrCommandArgs), argv)
	}
}
