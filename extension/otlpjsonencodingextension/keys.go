package otlpjsonencodingextension

import (
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
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
	keys [keySlots]keySpan
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

// keySlots is the cache's size: direct-mapped, so a power of two well
// above the twenty or so keys of a kernel batch keeps them from evicting
// each other.
const (
	keySlotBits = 7
	keySlots    = 1 << keySlotBits
)

// appendKeyOpen appends {"key":"k","value": ("key" left out when empty,
// as pdata does) and the opening of a value of type t.
func (e *encoder) appendKeyOpen(b []byte, k string, t pcommon.ValueType) []byte {
	if k == "" {
		return append(append(b, `{"value":`...), valueOpen(t)...)
	}
	data := unsafe.StringData(k)
	// Fibonacci hashing: the address's bits mixed into the top ones.
	span := &e.keys[uint64(uintptr(unsafe.Pointer(data)))*0x9e3779b97f4a7c15>>(64-keySlotBits)]
	if span.data == data && span.len == len(k) && span.t == t {
		return append(b, b[span.start:span.end]...)
	}
	start := len(b)
	b = append(b, `{"key":`...)
	b = appendString(b, k)
	b = append(b, `,"value":`...)
	b = append(b, valueOpen(t)...)
	*span = keySpan{data: data, len: len(k), t: t, start: start, end: len(b)}
	return b
}
