// Package vigil holds the record schema shared by every Vigil component: the
// attribute keys of a kernel-event log record, the process its resource
// describes, the origins, and the one writer of such records (RecordWriter,
// for every source). The events it names are package catalog's; the
// conversion to and from Tracee v0.22.6 events is package tracee's.
//
// The schema is the contract between the kernelevents receiver, the detection
// processor and the users' pipelines; change it only together with the docs.
package vigil

import (
	"github.com/vigil-sec/vigil/catalog"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// EventNamePrefix is prepended to the Tracee event name to form the
// LogRecord's EventName, e.g. "kernel.openat". (The catalog defines it, to
// name its events' records without this package's pdata.)
const EventNamePrefix = catalog.EventNamePrefix

// A record's attributes live in two places. Its resource carries the host
// and the process: one resource per process (per distinct set of the values
// below) in each batch, as the semantic conventions place process.*, so what
// a process's records share is built and sent once per batch rather than on
// every record. The record carries what changes from call to call: the
// thread, the event, its arguments and result. Readers look keys up with
// Attrs, which finds them in either place.

// Resource attributes: the host.
const (
	AttrHostName  = "host.name"
	AttrHostID    = "host.id"
	AttrHostArch  = "host.arch"
	AttrOSType    = "os.type"
	AttrOSVersion = "os.version"
)

// Resource attributes: the process. Semantic-convention keys where one
// exists, kernel.* for the rest; the Tracee field each one carries is named
// in the comment.
const (
	AttrProcessPID       = "process.pid"              // hostProcessId
	AttrProcessParentPID = "process.parent_pid"       // hostParentProcessId
	AttrProcessVPID      = "process.vpid"             // processId (in the task's pid namespace)
	AttrParentVPID       = "kernel.parent.vpid"       // parentProcessId
	AttrExecutableName   = "process.executable.name"  // processName (comm)
	AttrExecutablePath   = "process.executable.path"  // executable.path
	AttrCommandArgs      = "process.command_args"     // argv of the process, where known
	AttrUserID           = "process.user.id"          // userId
	AttrContainerID      = "container.id"             // containerId / container.id
	AttrContainerName    = "container.name"           // container.name
	AttrContainerImage   = "container.image.name"     // container.image
	AttrCgroupID         = "kernel.cgroup.id"         // cgroupId
	AttrMountNamespace   = "kernel.mount_namespace"   // mountNamespace
	AttrPIDNamespace     = "kernel.pid_namespace"     // pidNamespace
	AttrContainerStarted = "kernel.container.started" // contextFlags.containerStarted
	AttrOrigin           = "kernel.origin"            // host | container | container-init (Tracee selector origin)
	AttrPodName          = "k8s.pod.name"             // kubernetes.podName
	AttrPodNamespace     = "k8s.namespace.name"       // kubernetes.podNamespace
	AttrPodUID           = "k8s.pod.uid"              // kubernetes.podUID
)

// Resource attributes: the container's context from its runtime, which
// Tracee's events do not carry. container.image.name above is the image
// reference as the runtime gives it (with its tag, as Tracee's
// container.image), and container.image.tags holds that tag.
const (
	AttrContainerImageTags = "container.image.tags"   // []string
	AttrContainerRuntime   = "container.runtime.name" // containerd, docker, podman, crio
	AttrK8sContainerName   = "k8s.container.name"
)

// Record attributes.
const (
	AttrThreadID        = "thread.id"                // hostThreadId
	AttrThreadVTID      = "kernel.thread.vtid"       // threadId
	AttrThreadStartTime = "kernel.thread.start_time" // threadStartTime (ns since the epoch)
	AttrCPU             = "kernel.cpu"               // processorId
	AttrIsCompat        = "kernel.compat"            // contextFlags.isCompat
	AttrEventID         = "kernel.event.id"          // eventId (string in Tracee JSON, int here)
	AttrSyscall         = "kernel.syscall"           // syscall
	AttrReturnValue     = "kernel.return_value"      // returnValue
	// Tracee's entity ids and matched policies: written only where a record
	// knows more than it derives (see tracee.RecordFromEvent).
	AttrThreadEntityID  = "kernel.thread.entity_id"  // threadEntityId
	AttrProcessEntityID = "kernel.process.entity_id" // processEntityId
	AttrParentEntityID  = "kernel.parent.entity_id"  // parentEntityId
	AttrMatchedPolicies = "kernel.matched_policies"  // matchedPolicies

	// AttrArgPrefix prefixes each event argument, under its Tracee name.
	AttrArgPrefix = catalog.AttrArgPrefix
)

// Attrs finds a record's attributes wherever they are: on the record, else
// on its resource. Readers of the schema use it rather than either map, so
// that records a pipeline reshaped (attributes copied or moved by a
// transform processor) read the same.
type Attrs struct {
	Record, Resource pcommon.Map
}

// AttrsOf returns the attributes of lr, whose resource is res.
func AttrsOf(lr plog.LogRecord, res pcommon.Resource) Attrs {
	return Attrs{Record: lr.Attributes(), Resource: res.Attributes()}
}

// Get returns the value of key, the record's if both have one.
func (a Attrs) Get(key string) (pcommon.Value, bool) {
	if v, ok := a.Record.Get(key); ok {
		return v, true
	}
	return a.Resource.Get(key)
}

// Origins a Tracee selector can name.
const (
	OriginHost          = "host"
	OriginContainer     = "container"
	OriginContainerInit = "container-init"
)

// Detection tags written by the detection processor on a matching record.
const (
	AttrRuleUUID        = "security_rule.uuid"
	AttrRuleName        = "security_rule.name"
	AttrRuleDescription = "security_rule.description"
	AttrRuleVersion     = "security_rule.version"
	AttrRuleCategory    = "security_rule.category"  // MITRE ATT&CK tactic
	AttrRuleReference   = "security_rule.reference" // MITRE ATT&CK technique
	AttrRulesetName     = "security_rule.ruleset.name"
	AttrSeverity        = "detection.severity" // 0-4
	AttrDataPrefix      = "detection.data."    // the object a match returned
	AttrMatches         = "detection.matches"  // every match on this record
)

// OriginOf returns the Tracee selector origin of an event, by Tracee's rule
// (trace.Event.Origin): "container" once the container's entrypoint has
// started, whether or not its id is known; "container-init" in a container
// (its id set) still being set up; "host" otherwise.
func OriginOf(containerID string, started bool) string {
	switch {
	case started:
		return OriginContainer
	case containerID != "":
		return OriginContainerInit
	default:
		return OriginHost
	}
}

// RecordOrigin returns the Tracee selector origin of a record: its
// kernel.origin attribute, or, for records written without one, the origin
// derived from container.id and kernel.container.started.
func RecordOrigin(attrs Attrs) string {
	if v, ok := attrs.Get(AttrOrigin); ok {
		return v.Str()
	}
	var id string
	if v, ok := attrs.Get(AttrContainerID); ok {
		id = v.Str()
	}
	started, ok := attrs.Get(AttrContainerStarted)
	return OriginOf(id, ok && started.Type() == pcommon.ValueTypeBool && started.Bool())
}
