package vigil

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/vigil-sec/vigil/internal/pdataslab"
)

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
func (p *Process) Put(m pcommon.Map) { p.put(nil, m) }

// put is Put with the values from values' arrays (see pdataslab).
func (p *Process) put(values *pdataslab.Slab, m pcommon.Map) {
	values.PutInt(m, AttrProcessPID, p.PID)
	values.PutInt(m, AttrProcessParentPID, p.ParentPID)
	values.PutInt(m, AttrProcessVPID, p.VPID)
	values.PutInt(m, AttrParentVPID, p.ParentVPID)
	values.PutInt(m, AttrUserID, p.UserID)
	values.PutInt(m, AttrCgroupID, int64(p.CgroupID))
	values.PutInt(m, AttrMountNamespace, p.MountNS)
	values.PutInt(m, AttrPIDNamespace, p.PIDNS)
	putNonEmpty(values, m, AttrExecutableName, p.Name)
	putNonEmpty(values, m, AttrExecutablePath, p.ExecutablePath)
	putNonEmpty(values, m, AttrContainerID, p.ContainerID)
	putNonEmpty(values, m, AttrContainerName, p.ContainerName)
	putNonEmpty(values, m, AttrContainerImage, p.ContainerImage)
	putNonEmpty(values, m, AttrPodName, p.PodName)
	putNonEmpty(values, m, AttrPodNamespace, p.PodNamespace)
	putNonEmpty(values, m, AttrPodUID, p.PodUID)
	if p.ContainerImageTag != "" {
		values.AppendStr(m.PutEmptySlice(AttrContainerImageTags), p.ContainerImageTag)
	}
	putNonEmpty(values, m, AttrContainerRuntime, p.ContainerRuntime)
	putNonEmpty(values, m, AttrK8sContainerName, p.K8sContainerName)
	values.PutBool(m, AttrContainerStarted, p.ContainerStarted)
	values.PutStr(m, AttrOrigin, OriginOf(p.ContainerID, p.ContainerStarted))
	p.Ancestry.put(values, m)
}

// PutStrings fills s with values: the form of argv-like attributes.
func PutStrings(s pcommon.Slice, values []string) { putStrings(nil, s, values) }

// putStrings is PutStrings with the values from into's arrays.
func putStrings(into *pdataslab.Slab, s pcommon.Slice, values []string) {
	s.EnsureCapacity(len(values))
	for _, v := range values {
		into.AppendStr(s, v)
	}
}

func putNonEmpty(values *pdataslab.Slab, m pcommon.Map, k, v string) {
	if v != "" {
		values.PutStr(m, k, v)
	}
}
