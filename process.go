package vigil

import "go.opentelemetry.io/collector/pdata/pcommon"

// Process is what a record's resource says of its process. Events with equal
// Process values (and host) share a resource, so it is comparable: it keys
// the resources of a batch. The argv is not in it; WriteResource puts it next to it.
type Process struct {
	PID, ParentPID   int64 // in the host's pid namespace
	VPID, ParentVPID int64 // in the task's own pid namespace
	UserID           int64
	CgroupID         uint64
	MountNS, PIDNS   int64
	Name             string // comm
	ExecutablePath   string
	ContainerID      string
	ContainerName    string
	ContainerImage   string
	PodName          string
	PodNamespace     string
	PodUID           string
	ContainerStarted bool

	// Container context from the runtime owning the container (package
	// kerneleventsreceiver/internal/containermeta); Tracee's events have
	// none of these.
	ContainerImageTag string // the tag of ContainerImage, written as container.image.tags
	ContainerRuntime  string
	K8sContainerName  string

	// Ancestry is the parent's executable and argv and the ancestors above
	// it, where the source knows them (nil otherwise, e.g. on replay).
	Ancestry *Ancestry
}

// AttrCount is how many attributes Put writes.
func (p *Process) AttrCount() int {
	n := 10 // the ids, container.started and origin
	for _, s := range []string{p.Name, p.ExecutablePath, p.ContainerID, p.ContainerName, p.ContainerImage, p.PodName, p.PodNamespace, p.PodUID,
		p.ContainerImageTag, p.ContainerRuntime, p.K8sContainerName} {
		if s != "" {
			n++
		}
	}
	return n + p.Ancestry.attrCount()
}

// Put writes p's attributes into a resource's attributes.
func (p *Process) Put(m pcommon.Map) {
	m.PutInt(AttrProcessPID, p.PID)
	m.PutInt(AttrProcessParentPID, p.ParentPID)
	m.PutInt(AttrProcessVPID, p.VPID)
	m.PutInt(AttrParentVPID, p.ParentVPID)
	m.PutInt(AttrUserID, p.UserID)
	m.PutInt(AttrCgroupID, int64(p.CgroupID))
	m.PutInt(AttrMountNamespace, p.MountNS)
	m.PutInt(AttrPIDNamespace, p.PIDNS)
	putNonEmpty(m, AttrExecutableName, p.Name)
	putNonEmpty(m, AttrExecutablePath, p.ExecutablePath)
	putNonEmpty(m, AttrContainerID, p.ContainerID)
	putNonEmpty(m, AttrContainerName, p.ContainerName)
	putNonEmpty(m, AttrContainerImage, p.ContainerImage)
	putNonEmpty(m, AttrPodName, p.PodName)
	putNonEmpty(m, AttrPodNamespace, p.PodNamespace)
	putNonEmpty(m, AttrPodUID, p.PodUID)
	if p.ContainerImageTag != "" {
		m.PutEmptySlice(AttrContainerImageTags).AppendEmpty().SetStr(p.ContainerImageTag)
	}
	putNonEmpty(m, AttrContainerRuntime, p.ContainerRuntime)
	putNonEmpty(m, AttrK8sContainerName, p.K8sContainerName)
	m.PutBool(AttrContainerStarted, p.ContainerStarted)
	m.PutStr(AttrOrigin, OriginOf(p.ContainerID, p.ContainerStarted))
	p.Ancestry.put(m)
}

// PutStrings fills s with values: the form of argv-like attributes.
func PutStrings(s pcommon.Slice, values []string) {
	s.EnsureCapacity(len(values))
	for _, v := range values {
		s.AppendEmpty().SetStr(v)
	}
}

func putNonEmpty(m pcommon.Map, k, v string) {
	if v != "" {
		m.PutStr(k, v)
	}
}
