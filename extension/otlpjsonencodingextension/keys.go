package otlpjsonencodingextension

import (
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/vigil-sec/vigil/internal/addrslot"
)

// encoder holds what one MarshalLogs call learns while it writes: where in
// the output each attribute key's opening was written, so that the next
// record with the same key copies those bytes instead of scanning the key
// for escapes again and appending its parts one by one. Attribute keys are
// a small fixed vocabulary (the receiver's constants), and a kernel record
// is mostly keys: thirteen attributes, about 250 of its 950 bytes.
//
// Keys are recognised by their string's address and length, not their
// bytes: comparing the bytes would cost what scanning them does. Within one
// call the logs are not modified, so equal address and length mean equal
// bytes; a key with the same bytes at another address (decoded, or built
// at run time) only misses and is written the long way.
type encoder struct {
	keys   [keySlots]keySpan
	cached int // spans in keys
	hits   int
	// off is set when the table filled before it served as many keys as
	// it holds: keys that are not shared strings (logs decoded from a
	// queue, each key its own allocation) would only ever miss, and each
	// miss costs a probe on top of writing the key.
	off bool
}

// keySpan is where the opening of a key with a value of type t,
// {"key":"K","value": and valueOpen(t), was written in the output:
// b[start:end].
type keySpan struct {
	data       *byte
	len        int
	t          pcommon.ValueType
	start, end int
}

// keySlots is the cache's size: an open-addressed table, filled to half
// at most (so a probe for a key not in it ends at an empty slot soon), and
// a power of two well above twice the twenty or so keys of a kernel batch.
// A direct-mapped table of this size let two of those keys share a slot in
// most builds (where the constants land in the binary decides it), and
// each then evicted the other on every record.
const (
	keySlotBits = 7
	keySlots    = 1 << keySlotBits
	maxKeys     = keySlots / 2
)

// appendKeyOpen appends {"key":"k","value": ("key" left out when empty,
// as pdata does) and the opening of a value of type t.
func (e *encoder) appendKeyOpen(b []byte, k string, t pcommon.ValueType) []byte {
	if k == "" || e.off {
		return appendKeyOpenUncached(b, k, t)
	}
	data := unsafe.StringData(k)
	i := addrslot.Of(k, keySlotBits)
	for ; e.keys[i].data != nil; i = (i + 1) % keySlots {
		if span := &e.keys[i]; span.data == data && span.len == len(k) && span.t == t {
			e.hits++
			return append(b, b[span.start:span.end]...)
		}
	}
	start := len(b)
	b = appendKeyOpenUncached(b, k, t)
	if e.cached < maxKeys { // beyond, keys are written the long way
		e.keys[i] = keySpan{data: data, len: len(k), t: t, start: start, end: len(b)}
		e.cached++
		e.off = e.cached == maxKeys && e.hits < maxKeys
	}
	return b
}

func appendKeyOpenUncached(b []byte, k string, t pcommon.ValueType) []byte {
	if k != "" {
		b = append(b, `{"key":`...)
		b = appendString(b, k)
		b = append(b, `,"value":`...)
	} else {
		b = append(b, `{"value":`...)
	}
	return append(b, valueOpen(t)...)
}
