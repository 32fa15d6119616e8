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
func (p *Process) Put(m pcommon.Map) { p.put(attrWriter{m: m}) }

// ProcessKeys returns every key a resource's process attributes can have:
// Put's, the ancestry's and the command line's. A map holding none of
// them can take them appended (see WriteResourceFrom).
func ProcessKeys() []string {
	return []string{AttrProcessPID, AttrProcessParentPID, AttrProcessVPID, AttrParentVPID, AttrUserID, AttrCgroupID,
		AttrMountNamespace, AttrPIDNamespace, AttrExecutableName, AttrExecutablePath, AttrContainerID, AttrContainerName,
		AttrContainerImage, AttrPodName, AttrPodNamespace, AttrPodUID, AttrContainerImageTags, AttrContainerRuntime,
		AttrK8sContainerName, AttrContainerStarted, AttrOrigin, AttrParentExecutablePath, AttrParentCommandArgs,
		AttrAncestorPIDs, AttrAncestorExecutables, AttrCommandArgs}
}

// put writes p's attributes with a.
func (p *Process) put(a attrWriter) {
	a.int(AttrProcessPID, p.PID)
	a.int(AttrProcessParentPID, p.ParentPID)
	a.int(AttrProcessVPID, p.VPID)
	a.int(AttrParentVPID, p.ParentVPID)
	a.int(AttrUserID, p.UserID)
	a.int(AttrCgroupID, int64(p.CgroupID))
	a.int(AttrMountNamespace, p.MountNS)
	a.int(AttrPIDNamespace, p.PIDNS)
	a.nonEmpty(AttrExecutableName, p.Name)
	a.nonEmpty(AttrExecutablePath, p.ExecutablePath)
	a.nonEmpty(AttrContainerID, p.ContainerID)
	a.nonEmpty(AttrContainerName, p.ContainerName)
	a.nonEmpty(AttrContainerImage, p.ContainerImage)
	a.nonEmpty(AttrPodName, p.PodName)
	a.nonEmpty(AttrPodNamespace, p.PodNamespace)
	a.nonEmpty(AttrPodUID, p.PodUID)
	if p.ContainerImageTag != "" {
		a.values.AppendStr(a.empty(AttrContainerImageTags).SetEmptySlice(), p.ContainerImageTag)
	}
	a.nonEmpty(AttrContainerRuntime, p.ContainerRuntime)
	a.nonEmpty(AttrK8sContainerName, p.K8sContainerName)
	a.bool(AttrContainerStarted, p.ContainerStarted)
	a.str(AttrOrigin, OriginOf(p.ContainerID, p.ContainerStarted))
	p.Ancestry.put(a)
}

// attrWriter writes attributes into m, with the values from values' arrays
// (see pdataslab; nil allocates each): appended when added, which the
// caller sets only when it knows each key new to m, else put, replacing
// the key's value if m has one.
type attrWriter struct {
	values *pdataslab.Slab
	m      pcommon.Map
	added  bool
}

func (a attrWriter) int(k string, v int64) {
	if a.added {
		a.values.AddInt(a.m, k, v)
	} else {
		a.values.PutInt(a.m, k, v)
	}
}

// str writes v, made valid UTF-8 (see ValidUTF8).
func (a attrWriter) str(k, v string) { a.text(k, ValidUTF8(v)) }

// text writes v, which is valid UTF-8.
func (a attrWriter) text(k, v string) {
	if a.added {
		a.values.AddStr(a.m, k, v)
	} else {
		a.values.PutStr(a.m, k, v)
	}
}

func (a attrWriter) bool(k string, v bool) {
	if a.added {
		a.values.AddBool(a.m, k, v)
	} else {
		a.values.PutBool(a.m, k, v)
	}
}

// nonEmpty writes a string attribute that is not empty.
func (a attrWriter) nonEmpty(k, v string) {
	if v != "" {
		a.str(k, v)
	}
}

// empty writes k with an empty value, for the caller to set.
func (a attrWriter) empty(k string) pcommon.Value {
	if a.added {
		return a.values.AddEmpty(a.m, k)
	}
	return a.m.PutEmpty(k)
}

// PutStrings fills s with values: the form of argv-like attributes.
func PutStrings(s pcommon.Slice, values []string) { putStrings(nil, s, values) }

// putStrings is PutStrings with the values from into's arrays.
func putStrings(into *pdataslab.Slab, s pcommon.Slice, values []string) {
	s.EnsureCapacity(len(values))
	for _, v := range values {
		into.AppendStr(s, ValidUTF8(v))
	}
}
