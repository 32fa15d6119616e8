package kerneleventsreceiver

import (
	"cmp"
	"fmt"
	"slices"
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

// readOpenat returns the record of an openat as the ring holds it, and
// fills ev with its header as the reader decodes it.
func readOpenat(t *testing.T, ev *bpf.Event, pid uint32, seq int64, path string) []byte {
	def, _ := catalog.LookupEvent("openat")
	raw := bpf.Encode(&bpf.Event{
		EventID: uint32(def.ID), Syscall: int32(def.ID), Timestamp: 1_000_000,
		HostPID: pid, HostTID: pid, HostPPID: 1, PID: pid, TID: pid, PPID: 1,
		ReturnValue: seq, Comm: "cat",
		Args: []bpf.Arg{
			{Index: 0, Kind: bpf.ArgInt, Int: -100},
			{Index: 1, Kind: bpf.ArgString, Str: path},
			{Index: 2, Kind: bpf.ArgInt, Int: 0},
			{Index: 3, Kind: bpf.ArgUint, Uint: 0},
		},
	})
	require.NoError(t, bpf.DecodeHeader(raw, ev))
	return raw
}

// addRead adds raw as the reader does, then overwrites it as the next read
// would: a builder must have its own copy.
func addRead(bs *builders, raw []byte, def *catalog.EventDef, key *resourceKey, argv []string) {
	bs.add(raw, def, key, argv)
	clear(raw)
}

// noMalformed fails the test if a builder finds a malformed record.
func noMalformed(t *testing.T) func() {
	return func() { t.Error("a record did not decode") }
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
	bs := startBuilders(rb, out, builderN, noMalformed(t))
	def, _ := catalog.LookupEvent("openat")

	var want []seen
	var ev bpf.Event
	add := func(round int, wantArgv string) {
		for p := range procs {
			pid, seq := uint32(100+p), int64(len(want))
			path := fmt.Sprintf("/f/%d/%d", pid, round)
			raw := readOpenat(t, &ev, pid, seq, path)
			key, argv, _ := rb.resourceOf(&ev)
			addRead(bs, raw, def, &key, argv)
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
	require.Eventually(t, func() bool { return sink.LogRecordCount() == procs*execAt }, waitLimit, time.Millisecond,
		"a flush delivers the partial batch")
	for round := execAt; round < rounds; round++ {
		add(round, "[cat after]")
	}
	bs.stop()
	require.Eventually(t, func() bool { return sink.LogRecordCount() == procs*rounds }, waitLimit, time.Millisecond,
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
	bs := startBuilders(rb, out, 2, noMalformed(t))
	def, _ := catalog.LookupEvent("openat")

	var ev bpf.Event
	add := func(pid uint32, seq int64) {
		raw := readOpenat(t, &ev, pid, seq, "/f")
		key, argv, _ := rb.resourceOf(&ev)
		addRead(bs, raw, def, &key, argv)
	}
	add(100, 0)
	add(100, 1)
	tree.Exec(100, 1, "/usr/bin/cat", []string{"cat", "after"})
	add(100, 2)
	add(200, 3)
	add(100, 4)
	bs.stop()
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 5 }, waitLimit, time.Millisecond)

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

// TestBuildersJoinTheLastResource: an add without a key joins the previous
// add's resource in its batch; an event the reader made is written as it
// is; a record whose arguments do not decode is counted and left out, and
// the others go on.
func TestBuildersJoinTheLastResource(t *testing.T) {
	tree := proctree.New(16)
	tree.Exec(100, 1, "/usr/bin/cat", []string{"cat", "first"})
	sink := new(consumertest.LogsSink)
	rb, out := newTestBuilder(t, tree, sink, 8)
	var malformed atomic.Int64
	bs := startBuilders(rb, out, 2, func() { malformed.Add(1) })
	def, _ := catalog.LookupEvent("openat")

	var ev bpf.Event
	raw := readOpenat(t, &ev, 100, 0, "/f")
	key, argv, _ := rb.resourceOf(&ev)
	addRead(bs, raw, def, &key, argv)
	// what resolving would now give is not what the run keeps
	tree.Exec(100, 1, "/usr/bin/cat", []string{"cat", "second"})
	addRead(bs, readOpenat(t, &ev, 100, 1, "/f"), def, nil, nil)
	addRead(bs, readOpenat(t, &ev, 100, 2, "/f"), def, nil, nil)
	cut := readOpenat(t, &ev, 100, 3, "/f")
	addRead(bs, cut[:len(cut)-1], def, nil, nil)
	made := bpf.Event{HostPID: 100, ReturnValue: 4, Args: []bpf.Arg{{Index: 1, Kind: bpf.ArgString, Str: "/made"}}}
	key, argv, _ = rb.resourceOf(&made)
	bs.addEvent(&made, def, &key, argv)
	bs.stop()
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 4 }, waitLimit, time.Millisecond)
	assert.Equal(t, int64(1), malformed.Load())

	assert.Equal(t, map[int64]string{0: "[cat first]", 1: "[cat first]", 2: "[cat first]", 4: "[cat second]"}, argvOfRecords(t, sink))
}

// argvOfRecords returns the argv of each record's resource, by the
// record's return value.
func argvOfRecords(t *testing.T, sink *consumertest.LogsSink) map[int64]string {
	got := map[int64]string{}
	for _, ld := range sink.AllLogs() {
		for _, rl := range ld.ResourceLogs().All() {
			argv := fmt.Sprint(get(t, rl.Resource().Attributes(), vigil.AttrCommandArgs).Slice().AsRaw())
			for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
				got[get(t, lr.Attributes(), vigil.AttrReturnValue).Int()] = argv
			}
		}
	}
	return got
}

// TestBuildersReuseAChunkAfterAMadeEvent: a chunk is reused batch after
// batch; a slot that held an event the reader made, in a chunk's earlier
// batch, holds a record read from the ring in a later one. Each record
// arrives once, as what was added in its own batch.
func TestBuildersReuseAChunkAfterAMadeEvent(t *testing.T) {
	tree := proctree.New(16)
	sink := new(consumertest.LogsSink)
	rb, out := newTestBuilder(t, tree, sink, 2)
	bs := startBuilders(rb, out, 1, noMalformed(t))
	def, _ := catalog.LookupEvent("openat")

	const batches = 4 * (1 + 1 + chunkDepth) // every chunk used several times
	want := map[int64]string{}
	var ev bpf.Event
	for b := range int64(batches) {
		read, made := 2*b, 2*b+1
		want[read], want[made] = "/read", "/made"
		addMade := func() {
			m := &bpf.Event{HostPID: 100, ReturnValue: made, Args: []bpf.Arg{{Index: 1, Kind: bpf.ArgString, Str: "/made"}}}
			key, argv, _ := rb.resourceOf(m)
			bs.addEvent(m, def, &key, argv)
		}
		raw := readOpenat(t, &ev, 100, read, "/read")
		key, argv, _ := rb.resourceOf(&ev)
		if b%2 == 0 { // the made event first, then the read one; the other way round in the next batch
			addMade()
			addRead(bs, raw, def, &key, argv)
		} else {
			addRead(bs, raw, def, &key, argv)
			addMade()
		}
	}
	bs.stop()
	require.Eventually(t, func() bool { return sink.LogRecordCount() == len(want) }, waitLimit, time.Millisecond)

	got := map[int64]string{}
	for _, ld := range sink.AllLogs() {
		for _, rl := range ld.ResourceLogs().All() {
			for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
				seq := get(t, lr.Attributes(), vigil.AttrReturnValue).Int()
				assert.NotContains(t, got, seq, "record %d twice", seq)
				got[seq] = get(t, lr.Attributes(), vigil.AttrArgPrefix+"pathname").Str()
			}
		}
	}
	assert.Equal(t, want, got)
}
