package vigil

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/vigil-sec/vigil/internal/encodingtest"
	"github.com/vigil-sec/vigil/internal/pdataslab"
)

// TestProcessAttrCount: AttrCount says how many attributes Put writes, with
// and without the optional strings, so callers can size a resource once.
func TestProcessAttrCount(t *testing.T) {
	full := Process{
		PID: 7, ParentPID: 1, VPID: 1, UserID: 1000, CgroupID: 42,
		Name: "nginx", ExecutablePath: "/usr/sbin/nginx",
		ContainerID: "c0ffee", ContainerName: "web", ContainerImage: "nginx:1.27",
		PodName: "web-0", PodNamespace: "default", PodUID: "4f2c", ContainerStarted: true,
		ContainerImageTag: "1.27", ContainerRuntime: "containerd", K8sContainerName: "nginx",
	}
	cases := []Process{{}, {PID: 1, Name: "init"}, full}
	// each string alone, so that every one is counted, and once
	for i := range reflect.TypeFor[Process]().NumField() {
		var p Process
		if f := reflect.ValueOf(&p).Elem().Field(i); f.Kind() == reflect.String {
			f.SetString("x")
			cases = append(cases, p)
		}
	}
	for _, p := range cases {
		m := pcommon.NewMap()
		p.Put(m)
		if m.Len() != p.AttrCount() {
			t.Errorf("%+v: Put wrote %d attributes, AttrCount says %d", p, m.Len(), p.AttrCount())
		}
	}
}

// TestProcessContainerContext: the runtime's context lands under the
// semantic-convention keys, the image's tag as a one-element list.
func TestProcessContainerContext(t *testing.T) {
	p := Process{ContainerID: "c0ffee", ContainerImage: "nginx:1.27", ContainerImageTag: "1.27",
		ContainerRuntime: "containerd", K8sContainerName: "nginx"}
	m := pcommon.NewMap()
	p.Put(m)
	tags, _ := m.Get(AttrContainerImageTags)
	runtime, _ := m.Get(AttrContainerRuntime)
	name, _ := m.Get(AttrK8sContainerName)
	if got := tags.AsRaw(); len(tags.Slice().AsRaw()) != 1 || tags.Slice().At(0).Str() != "1.27" {
		t.Errorf("container.image.tags = %v, want [1.27]", got)
	}
	if runtime.Str() != "containerd" || name.Str() != "nginx" {
		t.Errorf("container.runtime.name = %q, k8s.container.name = %q", runtime.Str(), name.Str())
	}
}

// TestResourcesFromSharedArrays: a resource written with its values from a
// writer's arrays is the one written value by value, and resources sharing
// the arrays stay apart: one changed later leaves the next as written.
func TestResourcesFromSharedArrays(t *testing.T) {
	p := Process{
		PID: 7, ParentPID: 1, VPID: 1, UserID: 1000, CgroupID: 42, Name: "nginx",
		ContainerID: "c0ffee", ContainerImage: "nginx:1.27", ContainerImageTag: "1.27", ContainerStarted: true,
		Ancestry: &Ancestry{ParentExecutablePath: "/usr/bin/containerd-shim", ParentArgs: []string{"shim", "-id", "c0ffee"},
			PIDs: []int64{1, 0}, ExecutablePaths: []string{"/usr/bin/containerd-shim", ""}},
	}
	argv := []string{"nginx", "-g", "daemon off;"}
	want := pcommon.NewMap()
	WriteResource(want, "node-1", &p, argv)

	var values pdataslab.Slab
	first, second := pcommon.NewMap(), pcommon.NewMap()
	WriteResourceFrom(&values, first, "node-1", &p, argv, true, false)
	WriteResourceFrom(&values, second, "node-1", &p, argv, false, false)
	if !first.Equal(want) || !second.Equal(want) {
		t.Fatalf("from shared arrays: %v, want %v", first.AsRaw(), want.AsRaw())
	}
	pid, _ := first.Get(AttrProcessPID)
	pid.SetInt(8)
	pids, _ := first.Get(AttrAncestorPIDs)
	pids.Slice().At(0).SetInt(9)
	args, _ := first.Get(AttrCommandArgs)
	args.Slice().At(0).SetStr("changed")
	if !second.Equal(want) {
		t.Errorf("changing one resource changed the next: %v", second.AsRaw())
	}
}

// TestProcessKeys: a resource of a process with every attribute set, its
// ancestry and its command line holds each of ProcessKeys once, appended
// (distinct) or put, byte for byte as pdata's setters write it: what lets
// a writer whose maps hold none of them append them unsearched.
func TestProcessKeys(t *testing.T) {
	p := Process{
		PID: 7, ParentPID: 1, VPID: 1, ParentVPID: 1, UserID: 1000, CgroupID: 42, MountNS: 3, PIDNS: 4,
		Name: "nginx", ExecutablePath: "/usr/sbin/nginx",
		ContainerID: "c0ffee", ContainerName: "web", ContainerImage: "nginx:1.27",
		PodName: "web-0", PodNamespace: "default", PodUID: "4f2c", ContainerStarted: true,
		ContainerImageTag: "1.27", ContainerRuntime: "containerd", K8sContainerName: "nginx",
		Ancestry: &Ancestry{ParentExecutablePath: "/usr/bin/containerd-shim", ParentArgs: []string{"shim"},
			PIDs: []int64{1}, ExecutablePaths: []string{"/usr/bin/containerd-shim"}},
	}
	argv := []string{"nginx"}
	want, got := plog.NewLogs(), plog.NewLogs()
	WriteResource(want.ResourceLogs().AppendEmpty().Resource().Attributes(), "", &p, argv)
	m := got.ResourceLogs().AppendEmpty().Resource().Attributes()
	var values pdataslab.Slab
	values.EnsureCapacity(m, len(ProcessKeys()))
	WriteResourceFrom(&values, m, "", &p, argv, true, false)
	encodingtest.AssertSame(t, want, got)

	var keys []string
	for k := range m.All() {
		keys = append(keys, k)
	}
	assert.ElementsMatch(t, ProcessKeys(), keys, "each key once, and every key ProcessKeys names")
}
