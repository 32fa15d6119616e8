package vigil

import "go.opentelemetry.io/collector/pdata/pcommon"

// FieldKind is the kind of a Tracee field's value, and so of its attribute.
type FieldKind uint8

// Field kinds.
const (
	FieldInt  FieldKind = iota // a JSON number, an int attribute
	FieldUint                  // a JSON uint64, its bit pattern in an int attribute
	FieldStr                   // a string
	FieldBool                  // a boolean
)

// TraceeField is one field of a Tracee trace.Event that a record attribute
// carries. The table of them (TraceeFields) is the one mapping between the
// two: the record-to-Tracee conversion, the detection processor's Rego input
// and its guards read records through it.
type TraceeField struct {
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

	field func(*TraceeEvent) any // a pointer to the field of a TraceeEvent
}

// Path is the field's JSON path in the event, "executable.path".
func (f *TraceeField) Path() string {
	if f.Object == "" {
		return f.Name
	}
	return f.Object + "." + f.Name
}

// traceeFields is in trace.Event's order. What no attribute carries is left
// out: timestamp (the record's Timestamp), eventName (its EventName),
// eventId (kernel.event.id, written as a string, the catalog's when
// missing), argsNum and args (the kernel.args.* attributes).
var traceeFields = []TraceeField{
	{Name: "threadStartTime", Key: AttrThreadStartTime, Kind: FieldInt,
		field: func(e *TraceeEvent) any { return &e.ThreadStartTime }},
	{Name: "processorId", Key: AttrCPU, Kind: FieldInt,
		field: func(e *TraceeEvent) any { return &e.ProcessorID }},
	{Name: "processId", Key: AttrProcessVPID, Kind: FieldInt, Resource: true,
		field: func(e *TraceeEvent) any { return &e.ProcessID }},
	{Name: "cgroupId", Key: AttrCgroupID, Kind: FieldUint, Resource: true,
		field: func(e *TraceeEvent) any { return &e.CgroupID }},
	{Name: "threadId", Key: AttrThreadVTID, Kind: FieldInt,
		field: func(e *TraceeEvent) any { return &e.ThreadID }},
	{Name: "parentProcessId", Key: AttrParentVPID, Kind: FieldInt, Resource: true,
		field: func(e *TraceeEvent) any { return &e.ParentProcessID }},
	{Name: "hostProcessId", Key: AttrProcessPID, Kind: FieldInt, Resource: true,
		field: func(e *TraceeEvent) any { return &e.HostProcessID }},
	{Name: "hostThreadId", Key: AttrThreadID, Kind: FieldInt,
		field: func(e *TraceeEvent) any { return &e.HostThreadID }},
	{Name: "hostParentProcessId", Key: AttrProcessParentPID, Kind: FieldInt, Resource: true,
		field: func(e *TraceeEvent) any { return &e.HostParentProcessID }},
	{Name: "userId", Key: AttrUserID, Kind: FieldInt, Resource: true,
		field: func(e *TraceeEvent) any { return &e.UserID }},
	{Name: "mountNamespace", Key: AttrMountNamespace, Kind: FieldInt, Resource: true,
		field: func(e *TraceeEvent) any { return &e.MountNS }},
	{Name: "pidNamespace", Key: AttrPIDNamespace, Kind: FieldInt, Resource: true,
		field: func(e *TraceeEvent) any { return &e.PIDNS }},
	{Name: "processName", Key: AttrExecutableName, Kind: FieldStr, Resource: true,
		field: func(e *TraceeEvent) any { return &e.ProcessName }},
	{Object: "executable", Name: "path", Key: AttrExecutablePath, Kind: FieldStr, Resource: true,
		field: func(e *TraceeEvent) any { return &e.Executable.Path }},
	{Name: "hostName", Key: AttrHostName, Kind: FieldStr, Resource: true,
		field: func(e *TraceeEvent) any { return &e.HostName }},
	{Name: "containerId", Key: AttrContainerID, Kind: FieldStr, Resource: true,
		field: func(e *TraceeEvent) any { return &e.ContainerID }},
	{Object: "container", Name: "id", Key: AttrContainerID, Kind: FieldStr, Resource: true, OmitEmpty: true,
		field: func(e *TraceeEvent) any { return &e.Container.ID }},
	{Object: "container", Name: "name", Key: AttrContainerName, Kind: FieldStr, Resource: true, OmitEmpty: true,
		field: func(e *TraceeEvent) any { return &e.Container.Name }},
	{Object: "container", Name: "image", Key: AttrContainerImage, Kind: FieldStr, Resource: true, OmitEmpty: true,
		field: func(e *TraceeEvent) any { return &e.Container.Image }},
	{Object: "kubernetes", Name: "podName", Key: AttrPodName, Kind: FieldStr, Resource: true, OmitEmpty: true,
		field: func(e *TraceeEvent) any { return &e.Kubernetes.PodName }},
	{Object: "kubernetes", Name: "podNamespace", Key: AttrPodNamespace, Kind: FieldStr, Resource: true, OmitEmpty: true,
		field: func(e *TraceeEvent) any { return &e.Kubernetes.PodNamespace }},
	{Object: "kubernetes", Name: "podUID", Key: AttrPodUID, Kind: FieldStr, Resource: true, OmitEmpty: true,
		field: func(e *TraceeEvent) any { return &e.Kubernetes.PodUID }},
	{Name: "returnValue", Key: AttrReturnValue, Kind: FieldInt,
		field: func(e *TraceeEvent) any { return &e.ReturnValue }},
	{Name: "syscall", Key: AttrSyscall, Kind: FieldStr,
		field: func(e *TraceeEvent) any { return &e.Syscall }},
	{Object: "contextFlags", Name: "containerStarted", Key: AttrContainerStarted, Kind: FieldBool, Resource: true,
		field: func(e *TraceeEvent) any { return &e.ContextFlags.ContainerStarted }},
	{Object: "contextFlags", Name: "isCompat", Key: AttrIsCompat, Kind: FieldBool,
		field: func(e *TraceeEvent) any { return &e.ContextFlags.IsCompat }},
}

// TraceeFields returns the fields of a Tracee trace.Event that attributes
// carry, in trace.Event's order. The slice is shared: do not modify it.
func TraceeFields() []TraceeField { return traceeFields }

// setFrom sets f's field of ev from the attribute value v; a value of the
// wrong kind leaves the field zero, as a missing attribute does.
func (f *TraceeField) setFrom(ev *TraceeEvent, at Attrs) {
	x, ok := at.Get(f.Key)
	if !ok {
		return
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
	case *string:
		*p = x.AsString()
	case *bool:
		*p = x.Type() == pcommon.ValueTypeBool && x.Bool()
	}
}
