package kerneleventsreceiver

import (
	"fmt"
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
	path string
	argv string
}

// TestBuildersKeepEachProcessInOrder: the reader resolves resources in the
// ring's order and builders write them. Every record arrives once; a
// process's records arrive in their order, with the argv the process had
// when the reader met them (an exec later in the ring renames only later
// records), and the event's own arguments, not a later event's; within a
// batch a process's records share a resource. A flush delivers every
// builder's partial batch, and stop what came after.
func TestBuildersKeepEachProcessInOrder(t *testing.T) {
	const procs, perProc, execAt, builderN = 7, 300, 150, 3
	tree := proctree.New(64)
	for p := range procs {
		tree.Exec(uint32(100+p), 1, "/usr/bin/cat", []string{"cat", "before"})
	}
	sink := new(consumertest.LogsSink)
	rb, out := newTestBuilder(t, tree, sink, 64)
	bs := startBuilders(rb, out, builderN)
	def, _ := catalog.LookupEvent("openat")

	var ev bpf.Event
	add := func(seq int) {
		for p := range procs {
			pid := uint32(100 + p)
			decodeOpenat(&ev, pid, int64(seq), fmt.Sprintf("/f/%d/%d", pid, seq))
			key, argv := rb.resourceOf(&ev)
			bs.add(&ev, def, &key, argv)
		}
	}
	for seq := range execAt {
		add(seq)
	}
	for p := range procs {
		tree.Exec(uint32(100+p), 1, "/usr/bin/cat", []string{"cat", "after"})
	}
	bs.flush()
	require.Eventually(t, func() bool { return sink.LogRecordCount() == procs*execAt }, 10*time.Second, time.Millisecond,
		"a flush delivers every builder's partial batch")
	for seq := execAt; seq < perProc; seq++ {
		add(seq)
	}
	bs.stop()
	require.Eventually(t, func() bool { return sink.LogRecordCount() == procs*perProc }, 10*time.Second, time.Millisecond,
		"stop delivers what came after the flush")

	byPID := map[int64][]seen{}
	for _, ld := range sink.AllLogs() {
		resources := map[string]bool{}
		for _, rl := range ld.ResourceLogs().All() {
			res := rl.Resource().Attributes()
			pid := get(t, res, vigil.AttrProcessPID).Int()
			argv := fmt.Sprint(get(t, res, vigil.AttrCommandArgs).Slice().AsRaw())
			id := fmt.Sprint(pid, argv)
			assert.False(t, resources[id], "process %d (%s) has two resources in a batch", pid, argv)
			resources[id] = true
			for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
				byPID[pid] = append(byPID[pid], seen{get(t, lr.Attributes(), vigil.AttrReturnValue).Int(), get(t, lr.Attributes(), vigil.AttrArgPrefix+"pathname").Str(), argv})
			}
		}
	}
	require.Len(t, byPID, procs)
	for pid, records := range byPID {
		require.Len(t, records, perProc, "records of %d", pid)
		for seq, r := range records {
			want := seen{int64(seq), fmt.Sprintf("/f/%d/%d", pid, seq), "[cat before]"}
			if seq >= execAt {
				want.argv = "[cat after]"
			}
			require.Equal(t, want, r, "record %d of process %d", seq, pid)
		}
	}
}
