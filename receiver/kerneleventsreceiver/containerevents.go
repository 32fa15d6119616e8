package kerneleventsreceiver

import (
	"github.com/vigil-sec/vigil/bpf"
	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/containers"
)

// containerEvents are the events built from the records of a container's
// cgroup being made and removed, by the event of those records. The
// derivation is here, not in the kernel, because the container id and the
// runtime come from the cgroup path's layout (internal/containers), which
// runtimes change and a kernel program would have to copy.
var containerEvents = map[catalog.EventID]catalog.EventID{
	catalog.IDCgroupMkdir: catalog.IDContainerCreate,
	catalog.IDCgroupRmdir: catalog.IDContainerRemove,
}

// containerEvent returns the container_create or container_remove that a
// cgroup_mkdir or cgroup_rmdir record stands for: a cgroup of the unified
// hierarchy (id 0, one per container, where the hybrid layout also makes
// v1 ones) whose path names a container. It has the record's context and
// the runtime and container id as arguments; Tracee's image, name and pod
// arguments need the runtime's API and are not sent.
func containerEvent(ev *bpf.Event) (*bpf.Event, *catalog.EventDef, bool) {
	id, ok := containerEvents[catalog.EventID(ev.EventID)]
	if !ok {
		return nil, nil, false
	}
	name := "cgroup_mkdir"
	if id == catalog.IDContainerRemove {
		name = "cgroup_rmdir"
	}
	if argUint(ev, name, "hierarchy_id") != 0 {
		return nil, nil, false
	}
	cid, runtime := containers.ContainerOf(argString(ev, name, "cgroup_path"))
	if cid == "" {
		return nil, nil, false
	}
	def, _ := catalog.LookupEventID(id)
	out := *ev
	out.EventID = uint32(id)
	out.Args = []bpf.Arg{
		{Index: uint8(def.ArgIndex("runtime")), Kind: bpf.ArgString, Str: runtime},
		{Index: uint8(def.ArgIndex("container_id")), Kind: bpf.ArgString, Str: cid},
	}
	return &out, def, true
}
