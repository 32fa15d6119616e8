package pdataslab

import (
	"reflect"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/plog"
)

// AppendRecord appends an empty log record to sl, as sl.AppendEmpty does,
// the record itself an element of an array shared by many: pdata
// allocates each on its own (128 bytes, one object more for the collector
// to mark per record).
func (s *Slab) AppendRecord(sl plog.LogRecordSlice) plog.LogRecord {
	if s == nil || !recordTypes.ok {
		return sl.AppendEmpty()
	}
	// pdata's own check: a read-only slice panics here, as it would there
	sl.EnsureCapacity(0)
	layout := (*pointersLayout)(unsafe.Pointer(&sl))
	p := s.records.take(&recordTypes.records, 1)
	*layout.orig = append(*layout.orig, p)
	var lr plog.LogRecord
	*(*wrapperLayout)(unsafe.Pointer(&lr)) = wrapperLayout{orig: p, state: layout.state}
	return lr
}

// MoveRecord appends the i-th record of from to to, and puts an empty
// record from the slab's arrays in its place: the record moves, not its
// content, which LogRecord.MoveTo copies (128 bytes, its pointers each
// behind a write barrier while the collector marks) into a record
// appended to to, then clears.
func (s *Slab) MoveRecord(from plog.LogRecordSlice, i int, to plog.LogRecordSlice) {
	if s == nil || !recordTypes.ok {
		from.At(i).MoveTo(to.AppendEmpty())
		return
	}
	// pdata's own checks: a read-only slice panics here, as it would there
	from.EnsureCapacity(0)
	to.EnsureCapacity(0)
	src, dst := (*pointersLayout)(unsafe.Pointer(&from)), (*pointersLayout)(unsafe.Pointer(&to))
	*dst.orig = append(*dst.orig, (*src.orig)[i])
	(*src.orig)[i] = s.records.take(&recordTypes.records, 1)
}

// pointersLayout is plog.LogRecordSlice's, and the other slices of
// pointers to pdata's structs: a pointer to the slice it wraps, and its
// state.
type pointersLayout struct {
	orig  *[]unsafe.Pointer
	state unsafe.Pointer
}

// wrapperLayout is plog.LogRecord's, and the other wrappers of pdata's
// structs: a pointer to the struct, and its state.
type wrapperLayout struct {
	orig, state unsafe.Pointer
}

// recordTypes holds the type of pdata's internal log record; ok is false
// when plog's layout is not the expected one.
var recordTypes = findRecordTypes()

type recordTypeInfo struct {
	records arrayType
	ok      bool
}

func findRecordTypes() recordTypeInfo {
	st, rt := reflect.TypeFor[plog.LogRecordSlice](), reflect.TypeFor[plog.LogRecord]()
	if !isWrapper(st, unsafe.Sizeof(pointersLayout{})) || !isWrapper(rt, unsafe.Sizeof(wrapperLayout{})) {
		return recordTypeInfo{}
	}
	record := rt.Field(0).Type
	if !isPointersTo(st.Field(0).Type, record) || st.Field(1).Type != rt.Field(1).Type {
		return recordTypeInfo{}
	}
	return recordTypeInfo{records: arrayTypeOf(reflect.SliceOf(record.Elem())), ok: true}
}

// isWrapper reports whether t is laid out as pdata's wrappers of their
// internal types: a pointer to what it wraps, and one to its state.
func isWrapper(t reflect.Type, size uintptr) bool {
	return t.Kind() == reflect.Struct && t.Size() == size && t.NumField() == 2 &&
		t.Field(0).Offset == 0 && t.Field(0).Type.Kind() == reflect.Pointer && t.Field(1).Type.Kind() == reflect.Pointer
}
