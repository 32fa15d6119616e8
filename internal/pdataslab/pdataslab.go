// Package pdataslab writes pdata attribute values, and attribute maps'
// arrays, into storage shared by many of them, instead of allocated one by
// one.
//
// pdata keeps every value behind an interface holding a pointer to a
// one-field wrapper (an int64, a string, a bool), each allocated on its own,
// and each map's key-value pairs in an array of their own: most of a kernel
// record's allocations, and most of the objects the garbage collector
// marks. A Slab hands the wrappers out of arrays with the wrapper's layout,
// maps their room out of arrays of pairs, and log records out of arrays
// of records, so a writer of many records allocates one array per few
// dozen values (see maxBlockBytes), some twenty-five maps or 73 records.
// The values, maps and records are pdata's own afterwards: read, set,
// grown, copied, moved and marshalled by pdata like any other (a map
// outgrowing its room moves to an array of its own). An array stays alive
// as long as anything in it does (at most 9.25 KiB).
//
// A writer that knows a key is new to a map (a record's, whose keys are
// distinct by construction) adds it without pdata's search of the keys
// already there (Add*, or a Writer for several), writing the pair once.
// Resources does for a batch's resources and scopes what a Slab does for
// records, and MoveRecord moves a record between slices by its pointer.
//
// This relies on the layout of pdata's internal types, which the package
// checks once against what reflect says of them. Where they differ (a
// pdata version it was not written for), a Slab writes through pdata's own
// setters, as before, and Supported reports false: a test asserts that it
// is true for the pdata that go.mod pins.
package pdataslab

import (
	"reflect"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Slab writes values into pdata maps, slices and values. Owned by one
// goroutine, and not to be copied once used (the copy would hand out the
// same elements). The zero value is ready to use; a nil Slab writes
// through pdata's setters, a value at a time, for callers that write too
// few values to fill an array.
type Slab struct {
	ints  block[int64]
	strs  block[string]
	bools block[bool]
	// attrs holds pdata's key-value pairs, of which attribute maps get
	// their room; records holds log records (see AppendRecord); values
	// holds the room of array values, and containers their wrappers and
	// lists and those of map values (see SetEmptySlice).
	attrs, records, values arrays
	containers             block[container]
}

// arrays hands out runs of the elements of arrays of a type of pdata's,
// made by reflect (the type is not this package's to name). An array
// holds size elements, of which used are handed out; sizes double, up to
// the type's maximum. (An index rather than a pointer to the next element:
// a pointer written per run is a write barrier per run while the
// collector marks.)
type arrays struct {
	array      unsafe.Pointer
	used, size int
}

// arrayType is what arrays needs of a type: the slice type, the size of
// an element, and how many elements fit in maxArrayBytes, with the 8-byte
// header Go's allocator puts before an object with pointers of more than
// 512 bytes (74 records of 128 bytes take the next size class, 9.5 KiB);
// full is the array type of that many.
type arrayType struct {
	slice, full reflect.Type
	size        uintptr
	max         int
}

func arrayTypeOf(slice reflect.Type) arrayType {
	size := slice.Elem().Size()
	n := int((maxArrayBytes - mallocHeader) / size)
	return arrayType{slice: slice, full: reflect.ArrayOf(n, slice.Elem()), size: size, max: n}
}

// take returns the first of n elements of type t, n at most t.max; an
// array's elements are zero.
func (a *arrays) take(t *arrayType, n int) unsafe.Pointer {
	if a.size-a.used < n {
		a.size = min(max(2*a.size, n), t.max)
		a.array = t.make(a.size)
		a.used = 0
	}
	p := unsafe.Add(a.array, uintptr(a.used)*t.size)
	a.used += n
	return p
}

// make returns a new array of n elements. One of t.max, the size arrays
// reach after their first few, is made of the array type: MakeSlice
// allocates the slice's header besides, an object of 24 bytes more per
// array for the collector.
func (t *arrayType) make(n int) unsafe.Pointer {
	if n == t.max {
		return reflect.New(t.full).UnsafePointer()
	}
	return reflect.MakeSlice(t.slice, n, n).UnsafePointer()
}

// maxArrayBytes bounds the arrays of pairs and of records: 9,472 bytes is
// a size class of Go's allocator, so an array of as many as fit wastes
// less than one, and holds the room of some twenty-five records'
// attributes, or 73 records. Its spans hold six (56 KiB), so most arrays
// are the next free slot of a span the allocator holds; 8 KiB, the class
// below, has spans of one object: every array took a span of its own from
// the heap's central lists, which cost a third more CPU per byte than
// this class's arrays (docs/performance.md).
const maxArrayBytes = 9472

// mallocHeader is the size of the header of a large object with pointers.
const mallocHeader = 8

// EnsureCapacity gives m, an empty map, room for n attributes, as
// m.EnsureCapacity does. The room is a part of an array several maps
// share, capped at n: a map that outgrows it moves to an array of its own,
// as pdata's do.
func (s *Slab) EnsureCapacity(m pcommon.Map, n int) {
	if !s.sharesRoom(n) || m.Len() > 0 {
		m.EnsureCapacity(n)
		return
	}
	// pdata's own check: a read-only map panics here, as it would there
	m.EnsureCapacity(0)
	s.giveRoom((*mapLayout)(unsafe.Pointer(&m)).orig, n)
}

// sharesRoom reports whether s gives a map's room for n attributes out
// of its arrays (giveRoom). Not for no room at all: a map of cap 0
// pointing at the end of a full array would hold a pointer to whatever
// follows it.
func (s *Slab) sharesRoom(n int) bool {
	return s != nil && wrappers.ok && n > 0 && n <= wrappers.pairs.max
}

// giveRoom points pairs, an empty map's, at room for n attributes in s's
// arrays, for which sharesRoom(n) holds.
func (s *Slab) giveRoom(pairs *sliceLayout, n int) {
	*pairs = sliceLayout{data: s.attrs.take(&wrappers.pairs, n), len: 0, cap: n}
}

// PutInt sets key to the integer v in m, as m.PutInt does.
func (s *Slab) PutInt(m pcommon.Map, key string, v int64) { s.SetInt(m.PutEmpty(key), v) }

// PutStr sets key to the string v in m, as m.PutStr does.
func (s *Slab) PutStr(m pcommon.Map, key, v string) { s.SetStr(m.PutEmpty(key), v) }

// PutBool sets key to the boolean v in m, as m.PutBool does.
func (s *Slab) PutBool(m pcommon.Map, key string, v bool) { s.SetBool(m.PutEmpty(key), v) }

// AddInt adds key, which m does not hold, with the integer v: m.PutInt
// without its search of m's keys (a linear scan per key, so quadratic over
// a record's attributes). The caller must know key is new to m: pdata
// would then hold key twice, and OTLP would carry both.
func (s *Slab) AddInt(m pcommon.Map, key string, v int64) { s.Adding(m).Int(key, v) }

// AddStr adds key, which m does not hold, with the string v (see AddInt).
func (s *Slab) AddStr(m pcommon.Map, key, v string) { s.Adding(m).Str(key, v) }

// AddBool adds key, which m does not hold, with the boolean v (see AddInt).
func (s *Slab) AddBool(m pcommon.Map, key string, v bool) { s.Adding(m).Bool(key, v) }

// AddEmpty adds key, which m does not hold, with an empty value for the
// caller to set (see AddInt).
func (s *Slab) AddEmpty(m pcommon.Map, key string) pcommon.Value { return s.Adding(m).Empty(key) }

// Writer writes attributes into one map with the values from a Slab's
// arrays: adding them (Slab.Adding), or putting them (Slab.Putting). A
// writer of several attributes into a map checks the map once, not at
// every attribute.
type Writer struct {
	s *Slab
	m pcommon.Map
	// pairs is m's slice of pairs when the attributes are added within
	// its room; nil when they are put, or pdata's setters are to be used
	// (a nil slab, or an unexpected layout).
	pairs *sliceLayout
}

// Adding returns the writer that adds keys new to m, as AddInt does.
func (s *Slab) Adding(m pcommon.Map) Writer {
	if s != nil && wrappers.ok {
		// pdata's own check: a read-only map panics here, as it would there
		m.EnsureCapacity(0)
	}
	return s.AddingAgain(m)
}

// AddingAgain returns the writer Adding returns, for a map that Adding or
// EnsureCapacity was given already: without pdata's read-only check, a
// call, again (a record's writer makes one for each of its arguments).
func (s *Slab) AddingAgain(m pcommon.Map) Writer {
	if s == nil || !wrappers.ok {
		return Writer{s: s, m: m}
	}
	return Writer{s: s, m: m, pairs: (*mapLayout)(unsafe.Pointer(&m)).orig}
}

// Putting returns the writer that puts keys into m, as PutInt does,
// replacing the value of a key m holds.
func (s *Slab) Putting(m pcommon.Map) Writer { return Writer{s: s, m: m} }

// Int writes key with the integer v.
func (w Writer) Int(key string, v int64) {
	if p := w.next(); p != nil {
		p.set(key, wrappers.int, w.s.ints.take(v))
		return
	}
	w.s.PutInt(w.m, key, v)
}

// Ints writes keys[i] with the integer values[i], for each of keys: in
// one go where the map has room for all of them, their values a run of
// one array, rather than a call each.
func (w Writer) Ints(keys []string, values []int64) {
	values = values[:len(keys)]
	o := w.pairs
	if o == nil || o.cap-o.len < len(keys) || len(keys) > blockMax[int64]() {
		for i, k := range keys {
			w.Int(k, values[i])
		}
		return
	}
	pairs := unsafe.Slice((*pairLayout)(unsafe.Add(o.data, uintptr(o.len)*unsafe.Sizeof(pairLayout{}))), len(keys))
	o.len += len(keys)
	ints := w.s.ints.takeRun(len(keys))
	for i, k := range keys {
		ints[i] = values[i]
		pairs[i].set(k, wrappers.int, unsafe.Pointer(&ints[i]))
	}
}

// Str writes key with the string v.
func (w Writer) Str(key, v string) {
	if p := w.next(); p != nil {
		p.set(key, wrappers.str, w.s.strs.take(v))
		return
	}
	w.s.PutStr(w.m, key, v)
}

// Bool writes key with the boolean v.
func (w Writer) Bool(key string, v bool) {
	if p := w.next(); p != nil {
		p.set(key, wrappers.bool, w.s.bools.take(v))
		return
	}
	w.s.PutBool(w.m, key, v)
}

// Empty writes key with an empty value for the caller to set.
func (w Writer) Empty(key string) pcommon.Value {
	p := w.next()
	if p == nil {
		return w.m.PutEmpty(key)
	}
	p.set(key, nil, nil)
	var v pcommon.Value
	*(*valueLayout)(unsafe.Pointer(&v)) = valueLayout{
		orig:  (*anyValueLayout)(unsafe.Pointer(&p.value)),
		state: (*mapLayout)(unsafe.Pointer(&w.m)).state,
	}
	return v
}

// Slab returns the slab w takes values from.
func (w Writer) Slab() *Slab { return w.s }

// next extends the map by one pair within its room and returns it for the
// caller to write whole, in one store: pdata's setters write the pair,
// then its value again, each pointer behind a write barrier. (The room
// past a map's length may hold what a removal left there.) nil when
// pdata's setters are to be used: a putting writer, or no room left (they
// then grow the map as pdata does).
func (w Writer) next() *pairLayout {
	o := w.pairs
	if o == nil || o.len == o.cap {
		return nil
	}
	p := (*pairLayout)(unsafe.Add(o.data, uintptr(o.len)*unsafe.Sizeof(pairLayout{})))
	o.len++
	return p
}

// AppendInt appends the integer v to sl.
func (s *Slab) AppendInt(sl pcommon.Slice, v int64) { s.SetInt(sl.AppendEmpty(), v) }

// AppendStr appends the string v to sl.
func (s *Slab) AppendStr(sl pcommon.Slice, v string) { s.SetStr(sl.AppendEmpty(), v) }

// SetInt makes dst, a value that is not shared (just put, or new), the
// integer v. dst must be writable: unlike pdata's setters, the Set*
// methods do not check that it is not read-only.
func (s *Slab) SetInt(dst pcommon.Value, v int64) {
	if s == nil || !wrappers.ok {
		dst.SetInt(v)
		return
	}
	setWrapper(dst, wrappers.int, s.ints.take(v))
}

// SetStr makes dst, a value that is not shared, the string v.
func (s *Slab) SetStr(dst pcommon.Value, v string) {
	if s == nil || !wrappers.ok {
		dst.SetStr(v)
		return
	}
	setWrapper(dst, wrappers.str, s.strs.take(v))
}

// SetBool makes dst, a value that is not shared, the boolean v.
func (s *Slab) SetBool(dst pcommon.Value, v bool) {
	if s == nil || !wrappers.ok {
		dst.SetBool(v)
		return
	}
	setWrapper(dst, wrappers.bool, s.bools.take(v))
}

// Supported reports whether values are written into shared arrays, that
// is, whether the pdata this is built with has the layout expected; array
// and map values included.
func Supported() bool { return wrappers.ok && containerTypes.ok }

// block hands out the elements of an array, each once. Arrays start small,
// so that a writer of one record allocates about what it needs, and double
// up to maxBlockBytes.
type block[T any] struct {
	array []T
	used  int // the elements handed out; an index, as Slab.attrs's
}

const (
	firstBlock = 8
	// maxBlockBytes bounds a block's array at the largest objects whose
	// mark bits the collector keeps in their span (Go's
	// gc.MinSizeForMallocHeader): a pointer to a wrapper in such an array
	// is marked by setting a bit there, where one into a larger array is
	// looked up object by object (findObject), and each value of a record
	// is such a pointer, followed at every collection, and by the write
	// barrier's flush while one marks: 64 ints, 32 strings. (255 ints or
	// strings a block, before: 6% more instructions a replayed line with
	// the collector on, 1% fewer with it off, docs/performance.md.)
	maxBlockBytes = 512
)

// blockMax is the most elements of T a block's array holds.
func blockMax[T any]() int {
	var v T
	return maxBlockBytes / int(unsafe.Sizeof(v))
}

// take stores v in a new element and returns its address.
func (b *block[T]) take(v T) unsafe.Pointer {
	if b.used == len(b.array) {
		b.array = make([]T, min(max(2*len(b.array), firstBlock), blockMax[T]()))
		b.used = 0
	}
	p := &b.array[b.used]
	b.used++
	*p = v
	return unsafe.Pointer(p)
}

// takeRun returns n new elements of one array, n at most blockMax: an
// array with fewer left is left with them unused.
func (b *block[T]) takeRun(n int) []T {
	if len(b.array)-b.used < n {
		b.array = make([]T, min(max(2*len(b.array), firstBlock, n), blockMax[T]()))
		b.used = 0
	}
	run := b.array[b.used : b.used+n : b.used+n]
	b.used += n
	return run
}

// valueLayout is pcommon.Value's: a pointer to the AnyValue it wraps, and
// its state.
type valueLayout struct {
	orig  *anyValueLayout
	state unsafe.Pointer
}

// mapLayout is pcommon.Map's: a pointer to the slice of key-value pairs it
// wraps, and its state.
type mapLayout struct {
	orig  *sliceLayout
	state unsafe.Pointer
}

// sliceLayout is how Go lays out a slice.
type sliceLayout struct {
	data     unsafe.Pointer
	len, cap int
}

// anyValueLayout is pdata's internal AnyValue: one interface holding a
// pointer to the wrapper of its type.
type anyValueLayout struct {
	value any
}

// pairLayout is pdata's internal KeyValue: the value, its key, and the
// index of the key in a profile's string table (0 elsewhere).
type pairLayout struct {
	value    any // pdata's AnyValue, a struct of one interface
	key      string
	strindex int32
}

// set writes the whole pair: key, and a value of the wrapper type typ at
// data (nil for an empty value). Field by field: a composite literal of
// the pair is zeroed first, each pointer behind a write barrier again.
func (p *pairLayout) set(key string, typ, data unsafe.Pointer) {
	var v any
	*(*eface)(unsafe.Pointer(&v)) = eface{typ: typ, data: data}
	// stored as an interface, whose type word the compiler writes without
	// a write barrier (it never points into the heap): written as an
	// eface's pointer, it took one per value
	p.value = v
	p.key = key
	p.strindex = 0
}

// eface is how Go lays out an interface{}.
type eface struct {
	typ, data unsafe.Pointer
}

// setWrapper points dst's interface at data, a wrapper whose pointer type
// is typ.
func setWrapper(dst pcommon.Value, typ, data unsafe.Pointer) {
	orig := (*valueLayout)(unsafe.Pointer(&dst)).orig
	var v any
	*(*eface)(unsafe.Pointer(&v)) = eface{typ: typ, data: data}
	orig.value = v
}

// wrappers holds the type of pdata's wrapper of each value type, as an
// interface's type word; ok is false when the layout is not the expected
// one.
var wrappers = findWrappers()

type wrapperTypes struct {
	int, str, bool unsafe.Pointer
	// pairs is the type of a map's slice of key-value pairs.
	pairs arrayType
	ok    bool
}

func findWrappers() wrapperTypes {
	vt, mt := reflect.TypeFor[pcommon.Value](), reflect.TypeFor[pcommon.Map]()
	// AddEmpty makes a map's value of the map's state word: the two must
	// hold the same pointer type there
	if !isWrapper(vt, unsafe.Sizeof(valueLayout{})) || !isWrapper(mt, unsafe.Sizeof(mapLayout{})) ||
		vt.Field(1).Type != mt.Field(1).Type {
		return wrapperTypes{}
	}
	av := vt.Field(0).Type.Elem()
	if av.Kind() != reflect.Struct || av.NumField() != 1 || av.Field(0).Type != reflect.TypeFor[any]() {
		return wrapperTypes{}
	}
	pairs := mt.Field(0)
	if pairs.Type.Elem().Kind() != reflect.Slice || pairs.Type.Elem().Size() != unsafe.Sizeof(sliceLayout{}) {
		return wrapperTypes{}
	}
	if !isPairLayout(pairs.Type.Elem().Elem(), av) {
		return wrapperTypes{}
	}
	w := wrapperTypes{pairs: arrayTypeOf(pairs.Type.Elem())}
	var intOK, strOK, boolOK bool
	w.int, intOK = wrapperOf[int64](pcommon.NewValueInt(1))
	w.str, strOK = wrapperOf[string](pcommon.NewValueStr("s"))
	w.bool, boolOK = wrapperOf[bool](pcommon.NewValueBool(true))
	w.ok = intOK && strOK && boolOK
	return w
}

// wrapperOf returns the type word of the wrapper sample holds, if that
// wrapper is a pointer to a struct of one field of type T.
func wrapperOf[T any](sample pcommon.Value) (unsafe.Pointer, bool) {
	v := (*valueLayout)(unsafe.Pointer(&sample)).orig.value
	t := reflect.TypeOf(v)
	field := reflect.TypeFor[T]()
	if t == nil || t.Kind() != reflect.Pointer {
		return nil, false
	}
	e := t.Elem()
	if e.Kind() != reflect.Struct || e.NumField() != 1 || e.Field(0).Type != field || e.Size() != field.Size() {
		return nil, false
	}
	return (*eface)(unsafe.Pointer(&v)).typ, true
}

// isPairLayout reports whether pair, the element of a map's slice, is laid
// out as pairLayout, its value being an anyValue.
func isPairLayout(pair, anyValue reflect.Type) bool {
	want := reflect.TypeFor[pairLayout]()
	if pair.Kind() != reflect.Struct || pair.Size() != want.Size() || pair.NumField() != want.NumField() {
		return false
	}
	types := []reflect.Type{anyValue, reflect.TypeFor[string](), reflect.TypeFor[int32]()}
	for i, typ := range types {
		if f := pair.Field(i); f.Type != typ || f.Offset != want.Field(i).Offset {
			return false
		}
	}
	return true
}
