package kerneleventsreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/proctree"
)

// TestResourceCarriesAncestry: the resource names the parent's executable
// and argv and the chain above it, to the configured depth, starting from
// the parent the kernel reports; depth 0 leaves them out.
func TestResourceCarriesAncestry(t *testing.T) {
	def, _ := catalog.LookupEvent("openat")
	tree := proctree.New(16)
	tree.Exec(1, 0, "/sbin/init", []string{"init"})
	tree.Exec(50, 1, "/usr/sbin/sshd", []string{"sshd", "-D"})
	tree.Exec(60, 50, "/bin/bash", []string{"-bash"})
	tree.Exec(100, 1, "/usr/bin/cat", []string{"cat", "/etc/hostname"}) // the tree's parent is stale

	for _, tc := range []struct {
		depth int
		pids  []any
		paths []any
	}{
		{5, []any{int64(60), int64(50), int64(1)}, []any{"/bin/bash", "/usr/sbin/sshd", "/sbin/init"}},
		{2, []any{int64(60), int64(50)}, []any{"/bin/bash", "/usr/sbin/sshd"}},
		{0, nil, nil},
	} {
		sink := new(consumertest.LogsSink)
		rb, out := newTestBuilder(t, tree, sink, 16)
		rb.ancestryDepth = tc.depth
		ev := openatBy(100, 100)
		ev.HostPPID = 60
		rb.build(&ev, def, out, observedNow())
		out.flush()
		require.Eventually(t, func() bool { return len(sink.AllLogs()) == 1 }, waitLimit, time.Millisecond)
		res := sink.AllLogs()[0].ResourceLogs().At(0).Resource().Attributes()
		assert.Equal(t, int64(60), get(t, res, vigil.AttrProcessParentPID).Int())
		if tc.depth == 0 {
			for _, k := range []string{vigil.AttrParentExecutablePath, vigil.AttrParentCommandArgs, vigil.AttrAncestorPIDs, vigil.AttrAncestorExecutables} {
				_, ok := res.Get(k)
				assert.False(t, ok, "%s with ancestry off", k)
			}
			continue
		}
		assert.Equal(t, "/bin/bash", get(t, res, vigil.AttrParentExecutablePath).Str(), "depth %d", tc.depth)
		assert.Equal(t, []any{"-bash"}, get(t, res, vigil.AttrParentCommandArgs).Slice().AsRaw(), "depth %d", tc.depth)
		assert.Equal(t, tc.pids, get(t, res, vigil.AttrAncestorPIDs).Slice().AsRaw(), "depth %d", tc.depth)
		assert.Equal(t, tc.paths, get(t, res, vigil.AttrAncestorExecutables).Slice().AsRaw(), "depth %d", tc.depth)
	}
}
