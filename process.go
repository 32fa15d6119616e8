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
	// the ids, container.started and origin, then one for each string
	// that is not empty: min(len, 1) counts it without first storing the
	// strings into a slice to range over (22 words, for each resource)
	return 10 + min(len(p.Name), 1) + min(len(p.ExecutablePath), 1) + min(len(p.ContainerID), 1) +
		min(len(p.ContainerName), 1) + min(len(p.ContainerImage), 1) + min(len(p.PodName), 1) +
		min(len(p.PodNamespace), 1) + min(len(p.PodUID), 1) + min(len(p.ContainerImageTag), 1) +
		min(len(p.ContainerRuntime), 1) + min(len(p.K8sContainerName), 1) + p.Ancestry.attrCount()
}

// Put writes p's attributes into a resource's attributes.
func (p *Process) Put(m pcommon.Map) { p.put(writerOf(nil, m, false), false) }

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

// processIntKeys are the keys of a process's integer attributes, in the
// order put writes them.
var processIntKeys = [...]string{AttrProcessPID, AttrProcessParentPID, AttrProcessVPID, AttrParentVPID, AttrUserID,
	AttrCgroupID, AttrMountNamespace, AttrPIDNamespace}

// put writes p's attributes with a, its strings as they are if validUTF8
// (see WriteResourceFrom), else made valid.
func (p *Process) put(a attrWriter, validUTF8 bool) {
	a.Ints(processIntKeys[:], []int64{p.PID, p.ParentPID, p.VPID, p.ParentVPID, p.UserID, int64(p.CgroupID), p.MountNS, p.PIDNS})
	a.nonEmpty(AttrExecutableName, p.Name, validUTF8)
	a.nonEmpty(AttrExecutablePath, p.ExecutablePath, validUTF8)
	a.nonEmpty(AttrContainerID, p.ContainerID, validUTF8)
	a.nonEmpty(AttrContainerName, p.ContainerName, validUTF8)
	a.nonEmpty(AttrContainerImage, p.ContainerImage, validUTF8)
	a.nonEmpty(AttrPodName, p.PodName, validUTF8)
	a.nonEmpty(AttrPodNamespace, p.PodNamespace, validUTF8)
	a.nonEmpty(AttrPodUID, p.PodUID, validUTF8)
	if p.ContainerImageTag != "" {
		a.Slab().AppendStr(a.Slab().SetEmptySlice(a.Empty(AttrContainerImageTags), 1), p.ContainerImageTag)
	}
	a.nonEmpty(AttrContainerRuntime, p.ContainerRuntime, validUTF8)
	a.nonEmpty(AttrK8sContainerName, p.K8sContainerName, validUTF8)
	a.Bool(AttrContainerStarted, p.ContainerStarted)
	a.Str(AttrOrigin, OriginOf(p.ContainerID, p.ContainerStarted)) // one of three constants
	p.Ancestry.put(a)
}

// attrWriter writes attributes with the values from a slab's arrays (see
// pdataslab; a nil slab allocates each): added when the caller knows
// each key new to the map, else put, replacing the key's value if the map
// has one.
type attrWriter struct{ pdataslab.Writer }

// writerOf returns the writer of m's attributes: adding them when added.
func writerOf(values *pdataslab.Slab, m pcommon.Map, added bool) attrWriter {
	if added {
		return attrWriter{values.Adding(m)}
	}
	return attrWriter{values.Putting(m)}
}

// nonEmpty writes a string attribute that is not empty, made valid UTF-8
// unless validUTF8 says it is. Small enough to inline, so that an empty
// one (most of a host process's container and pod strings) costs its
// test, not a call.
func (a attrWriter) nonEmpty(k, v string, validUTF8 bool) {
	if v != "" {
		a.text(k, v, validUTF8)
	}
}

// text writes a string attribute, made valid UTF-8 (see ValidUTF8) unless
// validUTF8 says it is.
func (a attrWriter) text(k, v string, validUTF8 bool) {
	if !validUTF8 {
		v = ValidUTF8(v)
	}
	a.Str(k, v)
}

// PutStrings fills s with values: the form of argv-like attributes.
func PutStrings(s pcommon.Slice, values []string) {
	s.EnsureCapacity(len(values))
	appendStrings(nil, s, values)
}

// stringArray writes key with the array of values, the array, its room and
// the values from the writer's slab (pdataslab.Slab.SetEmptySlice): argv,
// env, an ancestry's paths.
func (a attrWriter) stringArray(key string, values []string) {
	appendStrings(a.Slab(), a.Slab().SetEmptySlice(a.Empty(key), len(values)), values)
}

// appendStrings appends values to s, each made valid UTF-8, with the
// values from into's arrays.
func appendStrings(into *pdataslab.Slab, s pcommon.Slice, values []string) {
	for _, v := range values {
		into.AppendStr(s, ValidUTF8(v))
	}
}
