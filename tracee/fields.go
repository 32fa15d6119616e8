package tracee

import (
	"github.com/vigil-sec/vigil"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// FieldKind is the kind of a Tracee field's value, and so of its attribute.
type FieldKind uint8

// Field kinds.
const (
	FieldInt  FieldKind = iota // a JSON number, an int attribute
	FieldUint                  // a JSON uint64, its bit pattern in an int attribute
	FieldStr                   // a string
	FieldBool                  // a boolean
	FieldStrs                  // an array of strings, a slice attribute
)

// Field is one field of a Tracee trace.Event that a record attribute
// carries. The table of them (Fields) is the one mapping between the
// two: the record-to-Tracee conversion, the detection processor's Rego input
// and its guards read records through it.
type Field struct {
	// Object is the trace.Event object holding the field ("executable",
	// "container", "kubernetes", "contextFlags"), "" at the top level.
	Object string
	Name   string // the field's JSON name in its object
	Key    string // the attribute
	Kind   FieldKind
	// Resource tells where writers put the attribute: on the resource (the
	// host and the process), else on the record. Readers look in both
	// (see Attrs).
	Resource bool
	// OmitEmpty leaves an empty string out of its object, as Tracee's
	// omitempty tags do.
	OmitEmpty bool

	field func(*Event) any // a pointer to the field of a Event
	// derive, when set, is the value of a record without the attribute.
	derive derivedField
}

// derivedField names the value of a field that a record without its
// attribute gets from its other attributes.
type derivedField uint8

const (
	notDerived    derivedField = iota
	threadEntity               // the thread's entity id
	processEntity              // the process's entity id
)

// Derived returns the value of f for a record without its attribute, from
// the record's other attributes (d's), and whether f has one.
func (f *Field) Derived(d *Derivation) (int64, bool) {
	switch f.derive {
	case threadEntity:
		thread, _ := d.entityIDs()
		return int64(thread), true
	case processEntity:
		_, process := d.entityIDs()
		return int64(process), true
	}
	return 0, false
}

// Derives tells whether f has a value for a record without its
// attribute (Derived).
func (f *Field) Derives() bool { return f.derive != notDerived }

// Path is the field's JSON path in the event, "executable.path".
func (f *Field) Path() string {
	if f.Object == "" {
		return f.Name
	}
	return f.Object + "." + f.Name
}

// traceeFields is in trace.Event's order. What no attribute carries is left
// out: timestamp (the record's Timestamp), eventName (its EventName),
// eventId (kernel.event.id, written as a string, the catalog's when
// missing), argsNum and args (the kernel.args.* attributes); and
// stackAddresses, which no record carries.
var traceeFields = []Field{
	{Name: "threadStartTime", Key: vigil.AttrThreadStartTime, Kind: FieldInt,
		field: func(e *Event) any { return &e.ThreadStartTime }},
	{Name: "processorId", Key: vigil.AttrCPU, Kind: FieldInt,
		field: func(e *Event) any { return &e.ProcessorID }},
	{Name: "processId", Key: vigil.AttrProcessVPID, Kind: FieldInt, Resource: true,
		field: func(e *Event) any { return &e.ProcessID }},
	{Name: "cgroupId", Key: vigil.AttrCgroupID, Kind: FieldUint, Resource: true,
		field: func(e *Event) any { return &e.CgroupID }},
	{Name: "threadId", Key: vigil.AttrThreadVTID, Kind: FieldInt,
		field: func(e *Event) any { return &e.ThreadID }},
	{Name: "parentProcessId", Key: vigil.AttrParentVPID, Kind: FieldInt, Resource: true,
		field: func(e *Event) any { return &e.ParentProcessID }},
	{Name: "hostProcessId", Key: vigil.AttrProcessPID, Kind: FieldInt, Resource: true,
		field: func(e *Event) any { return &e.HostProcessID }},
	{Name: "hostThreadId", Key: vigil.AttrThreadID, Kind: FieldInt,
		field: func(e *Event) any { return &e.HostThreadID }},
	{Name: "hostParentProcessId", Key: vigil.AttrProcessParentPID, Kind: FieldInt, Resource: true,
		field: func(e *Event) any { return &e.HostParentProcessID }},
	{Name: "userId", Key: vigil.AttrUserID, Kind: FieldInt, Resource: true,
		field: func(e *Event) any { return &e.UserID }},
	{Name: "mountNamespace", Key: vigil.AttrMountNamespace, Kind: FieldInt, Resource: true,
		field: func(e *Event) any { return &e.MountNS }},
	{Name: "pidNamespace", Key: vigil.AttrPIDNamespace, Kind: FieldInt, Resource: true,
		field: func(e *Event) any { return &e.PIDNS }},
	{Name: "processName", Key: vigil.AttrExecutableName, Kind: FieldStr, Resource: true,
		field: func(e *Event) any { return &e.ProcessName }},
	{Object: "executable", Name: "path", Key: vigil.AttrExecutablePath, Kind: FieldStr, Resource: true,
		field: func(e *Event) any { return &e.Executable.Path }},
	{Name: "hostName", Key: vigil.AttrHostName, Kind: FieldStr, Resource: true,
		field: func(e *Event) any { return &e.HostName }},
	{Name: "containerId", Key: vigil.AttrContainerID, Kind: FieldStr, Resource: true,
		field: func(e *Event) any { return &e.ContainerID }},
	{Object: "container", Name: "id", Key: vigil.AttrContainerID, Kind: FieldStr, Resource: true, OmitEmpty: true,
		field: func(e *Event) any { return &e.Container.ID }},
	{Object: "container", Name: "name", Key: vigil.AttrContainerName, Kind: FieldStr, Resource: true, OmitEmpty: true,
		field: func(e *Event) any { return &e.Container.Name }},
	{Object: "container", Name: "image", Key: vigil.AttrContainerImage, Kind: FieldStr, Resource: true, OmitEmpty: true,
		field: func(e *Event) any { return &e.Container.Image }},
	{Object: "kubernetes", Name: "podName", Key: vigil.AttrPodName, Kind: FieldStr, Resource: true, OmitEmpty: true,
		field: func(e *Event) any { return &e.Kubernetes.PodName }},
	{Object: "kubernetes", Name: "podNamespace", Key: vigil.AttrPodNamespace, Kind: FieldStr, Resource: true, OmitEmpty: true,
		field: func(e *Event) any { return &e.Kubernetes.PodNamespace }},
	{Object: "kubernetes", Name: "podUID", Key: vigil.AttrPodUID, Kind: FieldStr, Resource: true, OmitEmpty: true,
		field: func(e *Event) any { return &e.Kubernetes.PodUID }},
	{Name: "matchedPolicies", Key: vigil.AttrMatchedPolicies, Kind: FieldStrs, OmitEmpty: true,
		field: func(e *Event) any { return &e.MatchedPolicies }},
	{Name: "returnValue", Key: vigil.AttrReturnValue, Kind: FieldInt,
		field: func(e *Event) any { return &e.ReturnValue }},
	{Name: "syscall", Key: vigil.AttrSyscall, Kind: FieldStr,
		field: func(e *Event) any { return &e.Syscall }},
	{Object: "contextFlags", Name: "containerStarted", Key: vigil.AttrContainerStarted, Kind: FieldBool, Resource: true,
		field: func(e *Event) any { return &e.ContextFlags.ContainerStarted }},
	{Object: "contextFlags", Name: "isCompat", Key: vigil.AttrIsCompat, Kind: FieldBool,
		field: func(e *Event) any { return &e.ContextFlags.IsCompat }},
	{Name: "threadEntityId", Key: vigil.AttrThreadEntityID, Kind: FieldUint,
		field:  func(e *Event) any { return &e.ThreadEntityID },
		derive: threadEntity},
	{Name: "processEntityId", Key: vigil.AttrProcessEntityID, Kind: FieldUint,
		field:  func(e *Event) any { return &e.ProcessEntityID },
		derive: processEntity},
	{Name: "parentEntityId", Key: vigil.AttrParentEntityID, Kind: FieldUint,
		field: func(e *Event) any { return &e.ParentEntityID }},
}

// Fields returns the fields of a Tracee trace.Event that attributes
// carry, in trace.Event's order. The slice is shared: do not modify it.
func Fields() []Field { return traceeFields }

// setFrom sets f's field of ev from its attribute among the record's
// (d's); a value of the wrong kind leaves the field zero, as a missing
// attribute does.
func (f *Field) setFrom(ev *Event, d *Derivation) {
	x, ok := d.at.Get(f.Key)
	if !ok {
		if d, ok := f.Derived(d); ok {
			x = pcommon.NewValueInt(d)
		} else {
			return
		}
	}
	switch p := f.field(ev).(type) {
	case *int64:
		if x.Type() == pcommon.ValueTypeInt {
			*p = x.Int()
		}
	case *uint64:
		if x.Type() == pcommon.ValueTypeInt {
			*p = uint64(x.Int())
		}
	case *uint32:
		if x.Type() == pcommon.ValueTypeInt {
			*p = uint32(x.Int())
		}
	case *[]string:
		if x.Type() == pcommon.ValueTypeSlice {
			for _, e := range x.Slice().All() {
				*p = append(*p, e.AsString())
			}
		}
	case *string:
		*p = x.AsString()
	case *bool:
		*p = x.Type() == pcommon.ValueTypeBool && x.Bool()
	}
}
