package vigil

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// TestProcessAttrCount: AttrCount says how many attributes Put writes, with
// and without the optional strings, so callers can size a resource once.
func TestProcessAttrCount(t *testing.T) {
	full := Process{
		PID: 7, ParentPID: 1, VPID: 1, UserID: 1000, CgroupID: 42,
		Name: "nginx", ExecutablePath: "/usr/sbin/nginx",
		ContainerID: "c0ffee", ContainerName: "web", ContainerImage: "nginx:1.27",
		PodName: "web-0", PodNamespace: "default", PodUID: "4f2c", ContainerStarted: true,
	}
	for _, p := range []Process{{}, {PID: 1, Name: "init"}, full} {
		m := pcommon.NewMap()
		p.Put(m)
		if m.Len() != p.AttrCount() {
			t.Errorf("%+v: Put wrote %d attributes, AttrCount says %d", p, m.Len(), p.AttrCount())
		}
	}
}
