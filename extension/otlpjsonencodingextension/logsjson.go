package otlpjsonencodingextension

import (
	"encoding/base64"
	"encoding/hex"
	"iter"
	"math"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/xpdata/entity"
)

// This file writes logs as OTLP JSON byte for byte as pdata's
// plog.JSONMarshaler (v1.71) does: the same field order, the same fields
// left out when they hold their zero value, 64-bit integers as quoted
// decimals, floats as the jsoniter stream writes them, strings escaped only
// for '"', '\\' and bytes below 0x20 (other bytes, invalid UTF-8 included,
// are copied). It appends into one byte slice instead of going through a
// stream with a stack of "field written" flags, and copies the runs of a
// string that need no escaping whole.

// appendLogs appends ld as one OTLP JSON object.
func (e *encoder) appendLogs(b []byte, ld plog.Logs) []byte {
	b = append(b, '{')
	if rls := ld.ResourceLogs(); rls.Len() > 0 {
		b = appendArray(e, appendField(b, true, "resourceLogs"), rls.All(), (*encoder).appendResourceLogs)
	}
	return append(b, '}')
}

func (e *encoder) appendResourceLogs(b []byte, rl plog.ResourceLogs) []byte {
	b = append(b, `{"resource":`...)
	b = e.appendResource(b, rl.Resource())
	if sls := rl.ScopeLogs(); sls.Len() > 0 {
		b = appendArray(e, appendField(b, false, "scopeLogs"), sls.All(), (*encoder).appendScopeLogs)
	}
	b = appendSchemaURL(b, rl.SchemaUrl())
	return append(b, '}')
}

func (e *encoder) appendResource(b []byte, r pcommon.Resource) []byte {
	b = append(b, '{')
	first := true
	if r.Attributes().Len() > 0 {
		b = e.appendAttributes(b, first, r.Attributes())
		first = false
	}
	if n := r.DroppedAttributesCount(); n != 0 {
		b = appendDroppedCount(b, first, n)
		first = false
	}
	if refs := entity.ResourceEntityRefs(r); refs.Len() > 0 {
		b = appendArray(e, appendField(b, first, "entityRefs"), refs.All(), (*encoder).appendEntityRef)
	}
	return append(b, '}')
}

func (e *encoder) appendEntityRef(b []byte, ref entity.EntityRef) []byte {
	b = append(b, '{')
	first := true
	if ref.SchemaUrl() != "" {
		b = appendStringField(b, first, "schemaUrl", ref.SchemaUrl())
		first = false
	}
	if ref.Type() != "" {
		b = appendStringField(b, first, "type", ref.Type())
		first = false
	}
	if keys := ref.IdKeys(); keys.Len() > 0 {
		b = appendArray(e, appendField(b, first, "idKeys"), keys.All(), appendStringElement)
		first = false
	}
	if keys := ref.DescriptionKeys(); keys.Len() > 0 {
		b = appendArray(e, appendField(b, first, "descriptionKeys"), keys.All(), appendStringElement)
	}
	return append(b, '}')
}

func (e *encoder) appendScopeLogs(b []byte, sl plog.ScopeLogs) []byte {
	b = append(b, `{"scope":`...)
	b = e.appendScope(b, sl.Scope())
	if lrs := sl.LogRecords(); lrs.Len() > 0 {
		b = appendArray(e, appendField(b, false, "logRecords"), lrs.All(), (*encoder).appendLogRecord)
	}
	b = appendSchemaURL(b, sl.SchemaUrl())
	return append(b, '}')
}

// appendField appends "name": (name needs no escaping), after a comma
// unless it is the object's first field.
func appendField(b []byte, first bool, name string) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

// appendArray appends the elements of a pdata slice as a JSON array.
// appendElement is a method expression (not a method value, which would
// move e to the heap).
func appendArray[T any](e *encoder, b []byte, all iter.Seq2[int, T], appendElement func(*encoder, []byte, T) []byte) []byte {
	b = append(b, '[')
	for i, el := range all {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendElement(e, b, el)
	}
	return append(b, ']')
}

func (e *encoder) appendScope(b []byte, s pcommon.InstrumentationScope) []byte {
	b = append(b, '{')
	first := true
	if s.Name() != "" {
		b = appendStringField(b, first, "name", s.Name())
		first = false
	}
	if s.Version() != "" {
		b = appendStringField(b, first, "version", s.Version())
		first = false
	}
	if s.Attributes().Len() > 0 {
		b = e.appendAttributes(b, first, s.Attributes())
		first = false
	}
	b = appendDroppedCount(b, first, s.DroppedAttributesCount())
	return append(b, '}')
}

func (e *encoder) appendLogRecord(b []byte, lr plog.LogRecord) []byte {
	b = append(b, '{')
	// body is always written, so every field after it takes a comma.
	if t := uint64(lr.Timestamp()); t != 0 {
		b = append(b, `"timeUnixNano":`...)
		b = appendQuotedUint(b, t)
		b = append(b, ',')
	}
	if t := uint64(lr.ObservedTimestamp()); t != 0 {
		b = append(b, `"observedTimeUnixNano":`...)
		b = appendQuotedUint(b, t)
		b = append(b, ',')
	}
	if n := lr.SeverityNumber(); n != 0 {
		b = append(b, `"severityNumber":`...)
		b = appendInt(b, int64(n))
		b = append(b, ',')
	}
	if s := lr.SeverityText(); s != "" {
		b = append(b, `"severityText":`...)
		b = appendString(b, s)
		b = append(b, ',')
	}
	b = append(b, `"body":`...)
	b = e.appendValue(b, lr.Body())
	if lr.Attributes().Len() > 0 {
		b = e.appendAttributes(b, false, lr.Attributes())
	}
	b = appendDroppedCount(b, false, lr.DroppedAttributesCount())
	if f := uint32(lr.Flags()); f != 0 {
		b = append(b, `,"flags":`...)
		b = appendUint(b, uint64(f))
	}
	if id := lr.TraceID(); !id.IsEmpty() {
		b = append(b, `,"traceId":"`...)
		b = hex.AppendEncode(b, id[:])
		b = append(b, '"')
	}
	if id := lr.SpanID(); !id.IsEmpty() {
		b = append(b, `,"spanId":"`...)
		b = hex.AppendEncode(b, id[:])
		b = append(b, '"')
	}
	if s := lr.EventName(); s != "" {
		b = appendStringField(b, false, "eventName", s)
	}
	return append(b, '}')
}

// appendAttributes appends the field "attributes" (m is not empty).
func (e *encoder) appendAttributes(b []byte, first bool, m pcommon.Map) []byte {
	return e.appendKeyValues(appendField(b, first, "attributes"), m)
}

// appendKeyValues appends m as an array of {"key":...,"value":...}.
func (e *encoder) appendKeyValues(b []byte, m pcommon.Map) []byte {
	b = append(b, '[')
	first := true
	for k, v := range m.All() {
		if !first {
			b = append(b, ',')
		}
		first = false
		// Strings and integers, most of a record, have their value's
		// opening written with the key's (see appendKeyOpen).
		switch t := v.Type(); t {
		case pcommon.ValueTypeStr:
			b = appendStringContent(e.appendKeyOpen(b, k, t), v.Str())
			b = append(b, `"}}`...)
		case pcommon.ValueTypeInt:
			b = appendInt(e.appendKeyOpen(b, k, t), v.Int())
			b = append(b, `"}}`...)
		default:
			b = e.appendValue(e.appendKeyOpen(b, k, t), v)
			b = append(b, '}')
		}
	}
	return append(b, ']')
}

// The openings of a string and an integer value, up to their first digit
// or character.
const (
	stringValueOpen = `{"stringValue":"`
	intValueOpen    = `{"intValue":"`
)

// valueOpen is the opening that appendKeyOpen writes for a value of type t:
// the value's own for strings and integers, none for the others, which
// appendValue writes whole.
func valueOpen(t pcommon.ValueType) string {
	switch t {
	case pcommon.ValueTypeStr:
		return stringValueOpen
	case pcommon.ValueTypeInt:
		return intValueOpen
	}
	return ""
}

func (e *encoder) appendValue(b []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		b = appendStringContent(append(b, stringValueOpen...), v.Str())
		b = append(b, '"')
	case pcommon.ValueTypeBool:
		b = append(b, `{"boolValue":`...)
		b = strconv.AppendBool(b, v.Bool())
	case pcommon.ValueTypeInt:
		b = appendInt(append(b, intValueOpen...), v.Int())
		b = append(b, '"')
	case pcommon.ValueTypeDouble:
		b = append(b, `{"doubleValue":`...)
		b = appendDouble(b, v.Double())
	case pcommon.ValueTypeMap:
		b = append(b, `{"kvlistValue":{`...)
		if m := v.Map(); m.Len() > 0 {
			b = append(b, `"values":`...)
			b = e.appendKeyValues(b, m)
		}
		b = append(b, '}')
	case pcommon.ValueTypeSlice:
		b = append(b, `{"arrayValue":{`...)
		if s := v.Slice(); s.Len() > 0 {
			b = appendArray(e, append(b, `"values":`...), s.All(), (*encoder).appendValue)
		}
		b = append(b, '}')
	case pcommon.ValueTypeBytes:
		b = append(b, `{"bytesValue":"`...)
		b = base64.StdEncoding.AppendEncode(b, v.Bytes().AsRaw())
		b = append(b, '"')
	default: // empty
		b = append(b, '{')
	}
	return append(b, '}')
}

// appendDouble writes what pdata's stream does: NaN and the infinities as
// strings, other values in the shortest form that reads back exactly, with
// an exponent below 1e-6 and from 1e21 on.
func appendDouble(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(b, f, format, -1, 64)
}

func appendDroppedCount(b []byte, first bool, n uint32) []byte {
	if n == 0 {
		return b
	}
	return appendUint(appendField(b, first, "droppedAttributesCount"), uint64(n))
}

func appendSchemaURL(b []byte, url string) []byte {
	if url == "" {
		return b
	}
	return appendStringField(b, false, "schemaUrl", url)
}

// appendStringElement appends s as an element of a string array.
func appendStringElement(_ *encoder, b []byte, s string) []byte {
	return appendString(b, s)
}

// appendStringField appends "name":"value"; name needs no escaping.
func appendStringField(b []byte, first bool, name, value string) []byte {
	return appendString(appendField(b, first, name), value)
}

func appendQuotedUint(b []byte, v uint64) []byte {
	b = append(b, '"')
	b = appendUint(b, v)
	return append(b, '"')
}
