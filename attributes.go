// Package vigil holds the record schema shared by every Vigil component: the
// event catalog, the attribute keys of a kernel-event log record, and the
// conversion between such records and Tracee v0.22.6 events.
//
// The schema is the contract between the kernelevents receiver, the detection
// processor and the users' pipelines; change it only together with the docs.
package vigil

// EventNamePrefix is prepended to the Tracee event name to form the
// LogRecord's EventName, e.g. "kernel.openat".
const EventNamePrefix = "kernel."

// Resource attributes set by the receiver.
const (
	AttrHostName  = "host.name"
	AttrHostID    = "host.id"
	AttrHostArch  = "host.arch"
	AttrOSType    = "os.type"
	AttrOSVersion = "os.version"
)

// Record attributes. Semantic-convention keys where one exists, kernel.* for
// the rest. The Tracee field each one carries is named in the comment.
const (
	AttrProcessPID       = "process.pid"             // hostProcessId
	AttrProcessParentPID = "process.parent_pid"      // hostParentProcessId
	AttrThreadID         = "thread.id"               // hostThreadId
	AttrProcessVPID      = "process.vpid"            // processId (in the task's pid namespace)
	AttrThreadVTID       = "kernel.thread.vtid"      // threadId
	AttrParentVPID       = "kernel.parent.vpid"      // parentProcessId
	AttrExecutableName   = "process.executable.name" // processName (comm)
	AttrExecutablePath   = "process.executable.path" // executable.path
	AttrCommandArgs      = "process.command_args"    // argv of the process, where known
	AttrUserID           = "process.user.id"         // userId
	AttrContainerID      = "container.id"            // containerId / container.id
	AttrContainerName    = "container.name"          // container.name
	AttrContainerImage   = "container.image.name"    // container.image

	AttrEventID          = "kernel.event.id"          // eventId (string in Tracee JSON, int here)
	AttrSyscall          = "kernel.syscall"           // syscall
	AttrReturnValue      = "kernel.return_value"      // returnValue
	AttrCgroupID         = "kernel.cgroup.id"         // cgroupId
	AttrMountNamespace   = "kernel.mount_namespace"   // mountNamespace
	AttrPIDNamespace     = "kernel.pid_namespace"     // pidNamespace
	AttrCPU              = "kernel.cpu"               // processorId
	AttrThreadStartTime  = "kernel.thread.start_time" // threadStartTime (ns)
	AttrContainerStarted = "kernel.container.started" // contextFlags.containerStarted
	AttrIsCompat         = "kernel.compat"            // contextFlags.isCompat
	AttrOrigin           = "kernel.origin"            // host | container | container-init (Tracee selector origin)
	AttrPodName          = "k8s.pod.name"             // kubernetes.podName
	AttrPodNamespace     = "k8s.namespace.name"       // kubernetes.podNamespace
	AttrPodUID           = "k8s.pod.uid"              // kubernetes.podUID

	// AttrArgPrefix prefixes each event argument, under its Tracee name.
	AttrArgPrefix = "kernel.args."
)

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

// OriginOf returns the Tracee selector origin of an event: "host" outside
// containers, "container-init" in a container whose entrypoint has not
// started yet (its runtime still setting it up), "container" afterwards.
func OriginOf(containerID string, started bool) string {
	switch {
	case containerID == "":
		return OriginHost
	case started:
		return OriginContainer
	default:
		return OriginContainerInit
	}
}
