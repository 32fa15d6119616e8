package pdataslab

import (
	"reflect"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Resources hands out a batch's resources, each with its one scope, from
// arrays the batch's resources share: pdata allocates a resource (120
// bytes), its scope (104), the resource's one-element slice of scopes and
// the scope's slice of records at its first record each on their own,
// four objects a resource for the allocator and the collector where a
// replayed stream makes a resource nearly every record. As with a Slab,
// the resources are pdata's own afterwards.
//
// The zero value is ready to use; nil allocates each as pdata does. A
// writer starts a new Resources with each batch: a resource holds its
// records, so an array shared by two batches would keep the older one
// alive as long as the newer. The arrays start at one element (240 bytes
// with pdata v1.71.0: a resource, its scope and two slots) and double, so
// that a batch of one resource (the capture's usual one) allocates about
// what pdata would.
type Resources struct {
	// resources holds the batch's resources, each with its scope, the
	// resource's one-element slice of scopes and the scope's room for its
	// first record, together: one element handed out, and one array, for
	// all four (each from an array of its own before: four takes, and
	// four arrays, a resource).
	resources arrays
	// slots holds the room of scopes' records past their first (Room).
	slots block[unsafe.Pointer]
}

// Append appends to sl a resource with one empty scope, as sl.AppendEmpty
// and the resource's ScopeLogs().AppendEmpty do, and returns both.
func (r *Resources) Append(sl plog.ResourceLogsSlice) (plog.ResourceLogs, plog.ScopeLogs) {
	if r == nil || !resourceTypes.ok {
		rl := sl.AppendEmpty()
		return rl, rl.ScopeLogs().AppendEmpty()
	}
	// pdata's own check: a read-only slice panics here, as it would there
	sl.EnsureCapacity(0)
	layout := (*pointersLayout)(unsafe.Pointer(&sl))
	t := &resourceTypes
	res := r.resources.take(&t.resources, 1)
	scope := unsafe.Add(res, t.scopeAt)
	scopes := unsafe.Add(res, t.scopeSlotAt)
	*(*unsafe.Pointer)(scopes) = scope
	*(*sliceLayout)(unsafe.Add(res, t.scopesAt)) = sliceLayout{data: scopes, len: 1, cap: 1}
	// room for the scope's first record: a replayed stream's resources
	// mostly hold one (a resource with more moves its records to a slice
	// of their own at the second, as append does)
	*(*sliceLayout)(unsafe.Add(scope, t.recordsAt)) = sliceLayout{data: unsafe.Add(res, t.recordSlotAt), len: 0, cap: 1}
	*layout.orig = append(*layout.orig, res)
	var rl plog.ResourceLogs
	*(*wrapperLayout)(unsafe.Pointer(&rl)) = wrapperLayout{orig: res, state: layout.state}
	var sc plog.ScopeLogs
	*(*wrapperLayout)(unsafe.Pointer(&sc)) = wrapperLayout{orig: scope, state: layout.state}
	return rl, sc
}

// AppendSized is Append, the resource's attributes given room for n
// attributes from values's arrays, as values.EnsureCapacity gives a map:
// without the map's checks, which a resource just appended passes.
func (r *Resources) AppendSized(sl plog.ResourceLogsSlice, values *Slab, n int) (plog.ResourceLogs, plog.ScopeLogs) {
	rl, sc := r.Append(sl)
	if r == nil || !resourceTypes.ok || !values.sharesRoom(n) {
		values.EnsureCapacity(rl.Resource().Attributes(), n)
		return rl, sc
	}
	res := (*wrapperLayout)(unsafe.Pointer(&rl)).orig
	values.giveRoom((*sliceLayout)(unsafe.Add(res, resourceTypes.attributesAt)), n)
	return rl, sc
}

// Room gives sl, the records of a scope of r's batch, room for one more
// record where it has none, as append would (twice the room), out of r's
// arrays: a replayed process's resource collects a record at a time, and
// pdata's append allocated a new slice at its second, third, fifth, ...
// record. Past the room of a block (64 records) append's is left to pdata.
// The room is r's: a batch's, so that it does not keep another alive.
func (r *Resources) Room(sl plog.LogRecordSlice) {
	if r == nil || !resourceTypes.ok || !recordTypes.ok {
		return
	}
	records := (*pointersLayout)(unsafe.Pointer(&sl)).orig
	if n := cap(*records); len(*records) < n || 2*n > blockMax[unsafe.Pointer]() {
		return
	}
	// pdata's own check: a read-only slice panics here, as it would there
	sl.EnsureCapacity(0)
	*records = append(r.slots.takeRun(max(2*cap(*records), 1))[:0], *records...)
}

// resourceTypes holds the types of pdata's internal resource and scope of
// logs, and where the resource keeps its slice of scopes; ok is false when
// plog's layout is not the expected one.
var resourceTypes = findResourceTypes()

type resourceTypeInfo struct {
	// resources is the type of an array of resources, each element a
	// struct of a resource, its scope and their slots (see Resources)
	resources arrayType
	// where an element holds its scope, its slot for the scope's pointer
	// and its slot for the scope's first record
	scopeAt, scopeSlotAt, recordSlotAt uintptr
	// where a resource keeps its slice of scopes, its attributes' slice
	// of pairs, and a scope its slice of records
	scopesAt, attributesAt, recordsAt uintptr
	ok                                bool
}

func findResourceTypes() resourceTypeInfo {
	rs, r := reflect.TypeFor[plog.ResourceLogsSlice](), reflect.TypeFor[plog.ResourceLogs]()
	ss, s := reflect.TypeFor[plog.ScopeLogsSlice](), reflect.TypeFor[plog.ScopeLogs]()
	for _, w := range []struct {
		t    reflect.Type
		size uintptr
	}{{rs, unsafe.Sizeof(pointersLayout{})}, {r, unsafe.Sizeof(wrapperLayout{})}, {ss, unsafe.Sizeof(pointersLayout{})}, {s, unsafe.Sizeof(wrapperLayout{})}} {
		if !isWrapper(w.t, w.size) {
			return resourceTypeInfo{}
		}
	}
	// all four share the state's type, which Append hands on
	state := rs.Field(1).Type
	if r.Field(1).Type != state || ss.Field(1).Type != state || s.Field(1).Type != state {
		return resourceTypeInfo{}
	}
	resource, scope := r.Field(0).Type, s.Field(0).Type
	if !isPointersTo(rs.Field(0).Type, resource) || !isPointersTo(ss.Field(0).Type, scope) {
		return resourceTypeInfo{}
	}
	scopes, ok := resource.Elem().FieldByName("ScopeLogs")
	if !ok || scopes.Type != ss.Field(0).Type.Elem() {
		return resourceTypeInfo{}
	}
	// a scope's records are the slice a LogRecordSlice points at (Room
	// writes it)
	rls := reflect.TypeFor[plog.LogRecordSlice]()
	records, ok := scope.Elem().FieldByName("LogRecords")
	if !ok || !isWrapper(rls, unsafe.Sizeof(pointersLayout{})) || records.Type != rls.Field(0).Type.Elem() {
		return resourceTypeInfo{}
	}
	// a resource's attributes are the slice a pcommon.Map points at
	// (AppendSized gives them their room)
	attributesAt, ok := attributesOffset(resource.Elem())
	if !ok {
		return resourceTypeInfo{}
	}
	element := reflect.StructOf([]reflect.StructField{
		{Name: "Resource", Type: resource.Elem()},
		{Name: "Scope", Type: scope.Elem()},
		{Name: "ScopeSlot", Type: scope},
		{Name: "RecordSlot", Type: records.Type.Elem()},
	})
	return resourceTypeInfo{
		resources:    arrayTypeOf(reflect.SliceOf(element)),
		scopeAt:      element.Field(1).Offset,
		scopeSlotAt:  element.Field(2).Offset,
		recordSlotAt: element.Field(3).Offset,
		scopesAt:     scopes.Offset,
		attributesAt: attributesAt,
		recordsAt:    records.Offset,
		ok:           true,
	}
}

// attributesOffset returns where resourceLogs, pdata's internal resource
// of logs, holds its resource's attributes, if they are the slice a
// pcommon.Map points at.
func attributesOffset(resourceLogs reflect.Type) (uintptr, bool) {
	resource, ok := resourceLogs.FieldByName("Resource")
	if !ok || resource.Type.Kind() != reflect.Struct {
		return 0, false
	}
	attrs, ok := resource.Type.FieldByName("Attributes")
	m := reflect.TypeFor[pcommon.Map]()
	if !ok || !isWrapper(m, unsafe.Sizeof(mapLayout{})) || attrs.Type != m.Field(0).Type.Elem() {
		return 0, false
	}
	return resource.Offset + attrs.Offset, true
}

// isPointersTo reports whether t is a pointer to a slice of elem, a
// pointer to a struct.
func isPointersTo(t, elem reflect.Type) bool {
	return t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Slice && t.Elem().Elem() == elem &&
		elem.Kind() == reflect.Pointer && elem.Elem().Kind() == reflect.Struct
}
