package pdataslab

import (
	"reflect"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// A value that is an array (argv, env) or a map (a socket address) is three
// objects of pdata's besides its elements: the value's wrapper, pointing at
// the list (ArrayValue or KeyValueList, a struct of one slice), and the
// list's array of elements. A Slab hands out the wrapper and the list as
// one element of its containers, and the array's room as a run of its
// values' or pairs' arrays, so such a value costs no allocation of its
// own. Its elements are then written into the room (AppendStr, AppendInt,
// Adding), and pdata moves a list that outgrows it to an array of its own,
// as with maps' room.

// container is the wrapper of one array or map value and its list, two
// objects of pdata's in one element: the wrapper points at the list.
type container struct {
	list    sliceLayout
	wrapper unsafe.Pointer
}

// SetEmptySlice makes dst, an empty value that is not shared (just put,
// or new), an empty slice with room for n values, and returns it: what
// dst.SetEmptySlice and EnsureCapacity(n) give, with the wrapper, the list
// and the room out of the slab's arrays. As with SetInt, dst is not
// checked for being read-only.
func (s *Slab) SetEmptySlice(dst pcommon.Value, n int) pcommon.Slice {
	if s.holds(n, &containerTypes.values) {
		return wrap[pcommon.Slice](s.setContainer(dst, n, containerTypes.slice, &s.values, &containerTypes.values), dst)
	}
	sl := dst.SetEmptySlice()
	sl.EnsureCapacity(n)
	return sl
}

// SetEmptyMap makes dst, an empty value that is not shared, an empty map
// with room for n attributes, and returns it: dst.SetEmptyMap and
// EnsureCapacity(n), out of the slab's arrays (see SetEmptySlice). Its
// attributes are written as any map's: Adding for keys known distinct.
func (s *Slab) SetEmptyMap(dst pcommon.Value, n int) pcommon.Map {
	if s.holds(n, &wrappers.pairs) {
		return wrap[pcommon.Map](s.setContainer(dst, n, containerTypes.kvlist, &s.attrs, &wrappers.pairs), dst)
	}
	m := dst.SetEmptyMap()
	m.EnsureCapacity(n)
	return m
}

// holds reports whether s gives a container room for n elements of t:
// not where pdata's setters are to be used (no slab, an unexpected layout,
// no room asked for, or more than an array holds).
func (s *Slab) holds(n int, t *arrayType) bool {
	return s != nil && containerTypes.ok && n > 0 && n <= t.max
}

// setContainer points dst at a new container whose list has room for n
// elements of t out of a, its wrapper of type typ, and returns the list.
func (s *Slab) setContainer(dst pcommon.Value, n int, typ unsafe.Pointer, a *arrays, t *arrayType) unsafe.Pointer {
	c := (*container)(s.containers.take(container{list: sliceLayout{data: a.take(t, n), cap: n}}))
	c.wrapper = unsafe.Pointer(&c.list)
	setWrapper(dst, typ, unsafe.Pointer(&c.wrapper))
	return unsafe.Pointer(&c.list)
}

// wrap returns the pdata wrapper W (a Slice or a Map: a pointer to the
// list's slice, and the state) of list, a part of dst.
func wrap[W pcommon.Slice | pcommon.Map](list unsafe.Pointer, dst pcommon.Value) W {
	var w W
	*(*wrapperLayout)(unsafe.Pointer(&w)) = wrapperLayout{orig: list, state: (*valueLayout)(unsafe.Pointer(&dst)).state}
	return w
}

// containerTypes holds the types of pdata's wrappers of array and map
// values, as an interface's type word, and the array type of a slice's
// values; ok is false when their layout is not the expected one (nor the
// values' and maps', which they build on).
var containerTypes = findContainerTypes()

type containerTypeInfo struct {
	slice, kvlist unsafe.Pointer
	values        arrayType
	ok            bool
}

func findContainerTypes() containerTypeInfo {
	st, vt := reflect.TypeFor[pcommon.Slice](), reflect.TypeFor[pcommon.Value]()
	if !wrappers.ok || !isWrapper(st, unsafe.Sizeof(wrapperLayout{})) || st.Field(1).Type != vt.Field(1).Type {
		return containerTypeInfo{}
	}
	// a Slice wraps the list's slice of AnyValue, a Map its slice of pairs
	values, pairs := st.Field(0).Type.Elem(), reflect.TypeFor[pcommon.Map]().Field(0).Type.Elem()
	if values.Kind() != reflect.Slice || values.Elem() != vt.Field(0).Type.Elem() {
		return containerTypeInfo{}
	}
	slice, sliceOK := listWrapperOf(pcommon.NewValueSlice(), values)
	kvlist, kvlistOK := listWrapperOf(pcommon.NewValueMap(), pairs)
	if !sliceOK || !kvlistOK {
		return containerTypeInfo{}
	}
	return containerTypeInfo{slice: slice, kvlist: kvlist, values: arrayTypeOf(values), ok: true}
}

// listWrapperOf returns the type word of the wrapper sample holds, if that
// wrapper is a pointer to a struct of one pointer, to a list: a struct of
// one field, of type elems (a slice).
func listWrapperOf(sample pcommon.Value, elems reflect.Type) (unsafe.Pointer, bool) {
	v := (*valueLayout)(unsafe.Pointer(&sample)).orig.value
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct || t.Elem().NumField() != 1 {
		return nil, false
	}
	list := t.Elem().Field(0).Type
	if list.Kind() != reflect.Pointer || list.Elem().Kind() != reflect.Struct || list.Elem().NumField() != 1 ||
		list.Elem().Field(0).Type != elems || list.Elem().Size() != unsafe.Sizeof(sliceLayout{}) {
		return nil, false
	}
	return (*eface)(unsafe.Pointer(&v)).typ, true
}
