package pdataslab

import (
	"reflect"
	"unsafe"

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
// alive as long as the newer. The resources' and scopes' arrays start at
// one element and double, so that a batch of one resource (the capture's
// usual one) allocates about what pdata would; the slots' start at
// firstBlock (64 bytes against pdata's 16 for the two slices).
type Resources struct {
	resources, scopes arrays
	// slots holds the resources' one-element slices of scopes, and the
	// scopes' room for their first record.
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
	res := r.resources.take(&resourceTypes.resources, 1)
	scope := r.scopes.take(&resourceTypes.scopes, 1)
	*(*sliceLayout)(unsafe.Add(res, resourceTypes.scopesAt)) = sliceLayout{data: r.slots.take(scope), len: 1, cap: 1}
	// room for the scope's first record: a replayed stream's resources
	// mostly hold one (a resource with more moves its records to a slice
	// of their own at the second, as append does)
	*(*sliceLayout)(unsafe.Add(scope, resourceTypes.recordsAt)) = sliceLayout{data: r.slots.take(nil), len: 0, cap: 1}
	*layout.orig = append(*layout.orig, res)
	var rl plog.ResourceLogs
	*(*wrapperLayout)(unsafe.Pointer(&rl)) = wrapperLayout{orig: res, state: layout.state}
	var sc plog.ScopeLogs
	*(*wrapperLayout)(unsafe.Pointer(&sc)) = wrapperLayout{orig: scope, state: layout.state}
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
	resources, scopes arrayType
	// where a resource keeps its slice of scopes, and a scope its slice
	// of records
	scopesAt, recordsAt uintptr
	ok                  bool
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
	return resourceTypeInfo{
		resources: arrayTypeOf(reflect.SliceOf(resource.Elem())),
		scopes:    arrayTypeOf(reflect.SliceOf(scope.Elem())),
		scopesAt:  scopes.Offset,
		recordsAt: records.Offset,
		ok:        true,
	}
}

// isPointersTo reports whether t is a pointer to a slice of elem, a
// pointer to a struct.
func isPointersTo(t, elem reflect.Type) bool {
	return t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Slice && t.Elem().Elem() == elem &&
		elem.Kind() == reflect.Pointer && elem.Elem().Kind() == reflect.Struct
}
