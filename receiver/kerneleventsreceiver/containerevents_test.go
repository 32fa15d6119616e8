package kerneleventsreceiver

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vigil-sec/vigil/bpf"
	"github.com/vigil-sec/vigil/catalog"
)

func TestContainerEvent(t *testing.T) {
	id := strings.Repeat("ab", 32)
	cgroupEvent := func(event catalog.EventID, path string, hierarchy uint64) *bpf.Event {
		return &bpf.Event{EventID: uint32(event), HostPID: 42, Syscall: -1, Args: []bpf.Arg{
			{Index: 0, Kind: bpf.ArgUint, Uint: 7},
			{Index: 1, Kind: bpf.ArgString, Str: path},
			{Index: 2, Kind: bpf.ArgUint, Uint: hierarchy},
		}}
	}
	ev, def, ok := containerEvent(cgroupEvent(catalog.IDCgroupMkdir, "/system.slice/docker-"+id+".scope", 0))
	require.True(t, ok)
	assert.Equal(t, "container_create", def.Name)
	assert.Equal(t, uint32(catalog.IDContainerCreate), ev.EventID)
	assert.Equal(t, uint32(42), ev.HostPID, "the record's context is kept")
	assert.Equal(t, []bpf.Arg{{Index: 0, Kind: bpf.ArgString, Str: "docker"}, {Index: 1, Kind: bpf.ArgString, Str: id}}, ev.Args)

	ev, def, ok = containerEvent(cgroupEvent(catalog.IDCgroupRmdir, "/kubepods.slice/crio-"+id+".scope", 0))
	require.True(t, ok)
	assert.Equal(t, "container_remove", def.Name)
	assert.Equal(t, "crio", ev.Args[0].Str)

	for name, ev := range map[string]*bpf.Event{
		"a v1 hierarchy": cgroupEvent(catalog.IDCgroupMkdir, "/docker/"+id, 3),
		"a host cgroup":  cgroupEvent(catalog.IDCgroupMkdir, "/user.slice/user-0.slice", 0),
		"another event":  {EventID: uint32(catalog.IDSchedProcessExec)},
	} {
		_, _, ok := containerEvent(ev)
		assert.False(t, ok, name)
	}
}
