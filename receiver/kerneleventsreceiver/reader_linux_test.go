//go:build linux

package kerneleventsreceiver

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/bpf"
	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/proctree"
)

// TestReaderResolvesARunOnceUntilTheTreeChanges: the reader hands records
// to the builders as read, from their headers; a run of records of one
// process shares the resource resolved for its first, until a tracked
// event (an exec) or another process's record comes between. Records whose
// header or arguments do not decode are counted, and the others go on.
func TestReaderResolvesARunOnceUntilTheTreeChanges(t *testing.T) {
	openat, _ := catalog.LookupEvent("openat")
	execDef, _ := catalog.LookupEvent("sched_process_exec")
	tree := proctree.New(16)
	tree.Exec(100, 1, "/usr/bin/cat", []string{"cat", "before"})
	tree.Exec(200, 1, "/usr/bin/cat", []string{"cat", "other"})
	sink := new(consumertest.LogsSink)
	rb, out := newTestBuilder(t, tree, sink, 64)
	s := &ebpfSource{selected: map[catalog.EventID]bool{openat.ID: true}, builder: rb}
	s.routes = s.makeRoutes()
	var malformed atomic.Int64
	count := func() { malformed.Add(1) }
	bs := startBuilders(rb, out, 2, count)

	var ev bpf.Event
	handle := func(raw []byte) {
		if !s.handle(bs, raw, &ev) {
			count()
		}
	}
	var scratch bpf.Event
	open := func(pid uint32, seq int64) []byte { return readOpenat(t, &scratch, pid, seq, "/f") }
	handle(open(100, 0))
	// not an event the reader reads: the run keeps what it resolved
	tree.Exec(100, 1, "/usr/bin/cat", []string{"cat", "unseen"})
	handle(open(100, 1))
	handle(bpf.Encode(&bpf.Event{EventID: uint32(execDef.ID), Syscall: -1, HostPID: 100, HostPPID: 1, PID: 100, PPID: 1, Comm: "cat",
		Args: []bpf.Arg{
			{Index: uint8(execDef.ArgIndex("pathname")), Kind: bpf.ArgString, Str: "/usr/bin/cat"},
			{Index: uint8(execDef.ArgIndex("argv")), Kind: bpf.ArgStrings, Strs: []string{"cat", "after"}},
		}}))
	handle(open(100, 2))
	handle(open(200, 3))
	handle(open(100, 4))
	cut := open(100, 5)
	handle(cut[:len(cut)-1])
	handle(cut[:50])
	handle(open(100, 6))
	bs.stop()
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 6 }, waitLimit, time.Millisecond)
	assert.Equal(t, int64(2), malformed.Load(), "a record cut in its arguments and one cut in its header")

	assert.Equal(t, map[int64]string{0: "[cat before]", 1: "[cat before]", 2: "[cat after]", 3: "[cat other]", 4: "[cat after]", 6: "[cat after]"},
		argvOfRecords(t, sink))
}

// TestReaderRunWaitsForTheRuntimesDescription: a process's first records
// in a new container are resolved before its runtime has described it; the
// description arrives in the background, with nothing in the ring, and the
// next record of the same process, in the same batch, carries it.
func TestReaderRunWaitsForTheRuntimesDescription(t *testing.T) {
	openat, _ := catalog.LookupEvent("openat")
	sink := new(consumertest.LogsSink)
	rb, out := newTestBuilder(t, proctree.New(16), sink, 64)
	release := make(chan struct{})
	res := describeBySlowDocker(t, rb, release, nil)
	id := fmt.Sprintf("%064x", 0xdef)
	const cgroup = 4242
	rb.containers.Learn(cgroup, "/system.slice/docker-"+id+".scope")

	s := &ebpfSource{selected: map[catalog.EventID]bool{openat.ID: true}, builder: rb}
	s.routes = s.makeRoutes()
	bs := startBuilders(rb, out, 1, func() { t.Error("no record is malformed") })
	var ev, scratch bpf.Event
	inContainer := func(seq int64) []byte {
		require.NoError(t, bpf.Decode(readOpenat(t, &scratch, 300, seq, "/f"), &scratch))
		scratch.CgroupID = cgroup
		return bpf.Encode(&scratch)
	}
	require.True(t, s.handle(bs, inContainer(0), &ev))
	close(release)
	require.Eventually(t, func() bool { return res.Get(id, "docker").Name != "" }, waitLimit, time.Millisecond)
	require.True(t, s.handle(bs, inContainer(1), &ev))
	bs.stop()

	recs := collectedEventually(t, sink, 2)
	names := map[int64]string{}
	for _, r := range recs {
		name, _ := r.attrs().Get(vigil.AttrContainerName)
		names[attr(r, vigil.AttrReturnValue).Int()] = name.Str()
	}
	assert.Equal(t, map[int64]string{0: "", 1: "app-000000"}, names, "the second record is resolved again, once described")
}
