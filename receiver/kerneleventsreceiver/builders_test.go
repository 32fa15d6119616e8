package kerneleventsreceiver

import (
	"cmp"
	"fmt"
	"slices"
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

// decodeOpenat fills ev as the decoder does, reusing its argument slice and
// so overwriting what an earlier event left there: an event handed to a
// builder must not share it.
func decodeOpenat(ev *bpf.Event, pid uint32, seq int64, path string) {
	def, _ := catalog.LookupEvent("openat")
	*ev = bpf.Event{
		EventID: uint32(def.ID), Syscall: int32(def.ID), Timestamp: 1_000_000,
		HostPID: pid, HostTID: pid, HostPPID: 1, PID: pid, TID: pid, PPID: 1,
		ReturnValue: seq, Comm: "cat", Args: ev.Args[:0],
	}
	ev.Args = append(ev.Args,
		bpf.Arg{Index: 0, Kind: bpf.ArgInt, Int: -100},
		bpf.Arg{Index: 1, Kind: bpf.ArgString, Str: path},
		bpf.Arg{Index: 2, Kind: bpf.ArgInt, Int: 0},
		bpf.Arg{Index: 3, Kind: bpf.ArgUint, Uint: 0})
}

// seen is a record as the sink received it.
type seen struct {
	seq  int64
	pid  int64
	path string
	argv string
}

// TestBuildersKeepTheRingsOrder: the reader resolves resources in the
// ring's order and builders write the batches. Every record arrives once,
// in the ring's order, with the argv its process had when the reader met
// it (an exec later in the ring renames only later records) and its own
// arguments, not a later event's; within a batch a process's records share
// a resource. A flush delivers the partial batch, and stop what came after.
func TestBuildersKeepTheRingsOrder(t *testing.T) {
	const procs, rounds, execAt, builderN, batchSize = 7, 300, 150, 3, 64
	tree := proctree.New(64)
	for p := range procs {
		tree.Exec(uint32(100+p), 1, "/usr/bin/cat", []string{"cat", "before"})
	}
	sink := new(consumertest.LogsSink)
	rb, out := newTestBuilder(t, tree, sink, batchSize)
	bs := startBuilders(rb, out, builderN)
	def, _ := catalog.LookupEvent("openat")

	var want []seen
	var ev bpf.Event
	add := func(round int, wantArgv string) {
		for p := range procs {
			pid, seq := uint32(100+p), int64(len(want))
			path := fmt.Sprintf("/f/%d/%d", pid, round)
			decodeOpenat(&ev, pid, seq, path)
			key, argv := rb.resourceOf(&ev)
			bs.add(&ev, def, &key, argv)
			want = append(want, seen{seq, int64(pid), path, wantArgv})
		}
	}
	for round := range execAt {
		add(round, "[cat before]")
	}
	for p := range procs {
		tree.Exec(uint32(100+p), 1, "/usr/bin/cat", []string{"cat", "after"})
	}
	bs.flush()
	require.Eventually(t, func() bool { return sink.LogRecordCount() == procs*execAt }, 10*time.Second, time.Millisecond,
		"a flush delivers the partial batch")
	for round := execAt; round < rounds; round++ {
		add(round, "[cat after]")
	}
	bs.stop()
	require.Eventually(t, func() bool { return sink.LogRecordCount() == procs*rounds }, 10*time.Second, time.Millisecond,
		"stop delivers the rest")

	var got []seen
	for _, ld := range sink.AllLogs() {
		assert.LessOrEqual(t, ld.LogRecordCount(), batchSize)
		before := len(got)
		resources := map[string]bool{}
		for _, rl := range ld.ResourceLogs().All() {
			res := rl.Resource().Attributes()
			pid := get(t, res, vigil.AttrProcessPID).Int()
			argv := fmt.Sprint(get(t, res, vigil.AttrCommandArgs).Slice().AsRaw())
			id := fmt.Sprint(pid, argv)
			assert.False(t, resources[id], "process %d (%s) has two resources in a batch", pid, argv)
			resources[id] = true
			for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
				at := lr.Attributes()
				got = append(got, seen{get(t, at, vigil.AttrReturnValue).Int(), pid, get(t, at, vigil.AttrArgPrefix+"pathname").Str(), argv})
			}
		}
		// within a batch, records are grouped by resource: put them in the
		// ring's order again, which batches keep between them
		slices.SortFunc(got[before:], func(a, b seen) int { return cmp.Compare(a.seq, b.seq) })
	}
	require.Equal(t, want, got)
}

// TestBuildersSplitARunAtAnExec: the reader resolves a run of events of
// one process once, but an exec within the run starts another resource,
// and the process's records after an event of another process join its
// resource again.
func TestBuildersSplitARunAtAnExec(t *testing.T) {
	tree := proctree.New(16)
	tree.Exec(100, 1, "/usr/bin/cat", []string{"cat", "before"})
	tree.Exec(200, 1, "/usr/bin/cat", []string{"cat", "other"})
	sink := new(consumertest.LogsSink)
	rb, out := newTestBuilder(t, tree, sink, 64)
	bs := startBuilders(rb, out, 2)
	def, _ := catalog.LookupEvent("openat")

	var ev bpf.Event
	add := func(pid uint32, seq int64) {
		decodeOpenat(&ev, pid, seq, "/f")
		key, argv := rb.resourceOf(&ev)
		bs.add(&ev, def, &key, argv)
	}
	add(100, 0)
	add(100, 1)
	tree.Exec(100, 1, "/usr/bin/cat", []string{"cat", "after"})
	add(100, 2)
	add(200, 3)
	add(100, 4)
	bs.stop()
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 5 }, 10*time.Second, time.Millisecond)

	require.Len(t, sink.AllLogs(), 1, "one chunk, one batch")
	type resource struct {
		argv    string
		records []int64
	}
	var got []resource
	for _, rl := range sink.AllLogs()[0].ResourceLogs().All() {
		r := resource{argv: fmt.Sprint(get(t, rl.Resource().Attributes(), vigil.AttrCommandArgs).Slice().AsRaw())}
		for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
			r.records = append(r.records, get(t, lr.Attributes(), vigil.AttrReturnValue).Int())
		}
		got = append(got, r)
	}
	assert.Equal(t, []resource{{"[cat before]", []int64{0, 1}}, {"[cat after]", []int64{2, 4}}, {"[cat other]", []int64{3}}}, got)
}
