package kerneleventsreceiver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/bpf"
	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/argparse"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/containers"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/proctree"
)

// openatBy returns a decoded openat of /etc/hostname by thread tid of pid.
func openatBy(pid, tid uint32) bpf.Event {
	def, _ := catalog.LookupEvent("openat")
	return bpf.Event{
		Timestamp: 1_000_000, ThreadStartTime: 500, CgroupID: 1, ReturnValue: 3,
		EventID: uint32(def.ID), Syscall: int32(def.ID),
		HostPID: pid, HostTID: tid, HostPPID: 1, PID: pid, TID: tid, PPID: 1,
		MountNS: 4026531841, PIDNS: 4026531836, Comm: "cat",
		Args: []bpf.Arg{
			{Index: 0, Kind: bpf.ArgInt, Int: -100},
			{Index: 1, Kind: bpf.ArgString, Str: "/etc/hostname"},
			{Index: 2, Kind: bpf.ArgInt, Int: 0o2000000},
			{Index: 3, Kind: bpf.ArgUint, Uint: 0},
		},
	}
}

// newTestBuilder returns a record builder over tree and a batcher of size
// records per batch, with the host's resource, whose batches a sender hands
// to next in order; none is dropped (the queue waits for room).
func newTestBuilder(t testing.TB, tree *proctree.Tree, next consumer.Logs, size int) (*recordBuilder, *batcher) {
	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	q := newSendQueue(next, tb, 4, nil)
	go q.send()
	t.Cleanup(func() { require.NoError(t, q.drain(context.Background())) })
	rb := newRecordBuilder(tree, containers.NewResolver("/proc", containers.Cgroup2Mount("/proc/self/mountinfo")))
	return rb, newBatcher(q, size, putHostResource)
}

// build resolves ev's resource and writes its record, as the reader and a
// builder do in turn for a captured event.
func (b *recordBuilder) build(ev *bpf.Event, def *catalog.EventDef, out *batcher, observed pcommon.Timestamp) {
	key, argv, _ := b.resourceOf(ev)
	b.write(ev, def, &key, argv, out, observed)
}

// TestRecordsOfAProcessShareItsResource: a batch has one resource per
// process, with the host's and the process's attributes, in the order the
// processes first appear; the records keep only what is their own; an exec
// starts a new resource; a full batch counts records of every resource.
func TestRecordsOfAProcessShareItsResource(t *testing.T) {
	def, _ := catalog.LookupEvent("openat")
	tree := proctree.New(16)
	tree.Exec(100, 1, "/usr/bin/cat", []string{"cat", "/etc/hostname"})
	tree.Exec(200, 1, "/usr/bin/head", []string{"head", "-1"})
	sink := new(consumertest.LogsSink)
	rb, out := newTestBuilder(t, tree, sink, 5)
	observed := observedNow()

	for _, ev := range []bpf.Event{openatBy(100, 100), openatBy(100, 101), openatBy(200, 200), openatBy(100, 100)} {
		rb.build(&ev, def, out, observed)
	}
	tree.Exec(100, 1, "/usr/bin/cat", []string{"cat", "/etc/os-release"}) // same binary, new argv
	ev := openatBy(100, 100)
	rb.build(&ev, def, out, observed)
	require.True(t, out.full(), "five records in three resources fill a batch of five")
	out.flush()

	require.Eventually(t, func() bool { return len(sink.AllLogs()) == 1 }, waitLimit, time.Millisecond)
	rls := sink.AllLogs()[0].ResourceLogs()
	require.Equal(t, 3, rls.Len())
	hostname, hasHost := rls.At(0).Resource().Attributes().Get(vigil.AttrHostName)
	require.True(t, hasHost, "the host's attributes are on every resource")
	for i, want := range []struct {
		pid     int64
		argv    []any
		threads []int64
	}{
		{100, []any{"cat", "/etc/hostname"}, []int64{100, 101, 100}},
		{200, []any{"head", "-1"}, []int64{200}},
		{100, []any{"cat", "/etc/os-release"}, []int64{100}},
	} {
		res := rls.At(i).Resource().Attributes()
		assert.Equal(t, want.pid, get(t, res, vigil.AttrProcessPID).Int(), "resource %d", i)
		assert.Equal(t, want.argv, get(t, res, vigil.AttrCommandArgs).Slice().AsRaw(), "resource %d", i)
		assert.Equal(t, "cat", get(t, res, vigil.AttrExecutableName).Str(), "resource %d", i)
		assert.Equal(t, vigil.OriginHost, get(t, res, vigil.AttrOrigin).Str(), "resource %d", i)
		assert.Equal(t, hostname.Str(), get(t, res, vigil.AttrHostName).Str(), "resource %d", i)

		lrs := rls.At(i).ScopeLogs().At(0).LogRecords()
		require.Equal(t, len(want.threads), lrs.Len(), "records of resource %d", i)
		for j, tid := range want.threads {
			at := lrs.At(j).Attributes()
			assert.Equal(t, tid, get(t, at, vigil.AttrThreadID).Int())
			assert.Equal(t, "/etc/hostname", get(t, at, vigil.AttrArgPrefix+"pathname").Str())
			_, onRecord := at.Get(vigil.AttrProcessPID)
			assert.False(t, onRecord, "process.pid repeated on a record")
			assert.Equal(t, want.pid, get(t, vigil.AttrsOf(lrs.At(j), rls.At(i).Resource()), vigil.AttrProcessPID).Int())
		}
	}

	// the next batch starts afresh: the same process gets a resource again
	ev = openatBy(200, 200)
	rb.build(&ev, def, out, observed)
	out.flush()
	require.Eventually(t, func() bool { return len(sink.AllLogs()) == 2 }, waitLimit, time.Millisecond)
	next := sink.AllLogs()[1].ResourceLogs()
	require.Equal(t, 1, next.Len())
	assert.Equal(t, int64(200), get(t, next.At(0).Resource().Attributes(), vigil.AttrProcessPID).Int())
}

// get returns the attribute key of m, failing the test when it is missing.
func get(t *testing.T, m interface {
	Get(string) (pcommon.Value, bool)
}, key string) pcommon.Value {
	t.Helper()
	v, ok := m.Get(key)
	if !ok {
		t.Fatalf("no attribute %s", key)
	}
	return v
}

// TestArgumentGivenTwiceIsWrittenOnce: the wire may repeat an argument's
// index (the decoder checks bounds, not order); the record still holds its
// key once, with the last value, as the writer appends only arguments it
// has not written.
func TestArgumentGivenTwiceIsWrittenOnce(t *testing.T) {
	def, _ := catalog.LookupEvent("openat")
	sink := new(consumertest.LogsSink)
	rb, out := newTestBuilder(t, proctree.New(16), sink, 1)
	ev := openatBy(100, 100)
	ev.Args = append(ev.Args, bpf.Arg{Index: 1, Kind: bpf.ArgString, Str: "/etc/shadow"})
	rb.build(&ev, def, out, observedNow())
	out.flush()

	require.Eventually(t, func() bool { return len(sink.AllLogs()) == 1 }, waitLimit, time.Millisecond)
	lr := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	seen := map[string]int{}
	for k := range lr.Attributes().All() {
		seen[k]++
	}
	for k, n := range seen {
		assert.Equal(t, 1, n, "key %s", k)
	}
	assert.Equal(t, "/etc/shadow", get(t, lr.Attributes(), vigil.AttrArgPrefix+"pathname").Str())
}

// TestRepeatedArgumentsKeepTheirOwnValues: the builder remembers the last
// rendering of each parsed integer argument and the last syscall an event
// was raised in; records whose values change, return to an earlier one or
// alternate still carry each their own, as a builder without memory
// would write them.
func TestRepeatedArgumentsKeepTheirOwnValues(t *testing.T) {
	def, _ := catalog.LookupEvent("security_file_open")
	openat, _ := catalog.LookupEvent("openat")
	flagsForm, ok := argparse.ForInt(def.Name, "flags")
	require.True(t, ok, "security_file_open's flags have a parsed form")
	const unknownSyscall = 100_000
	_, known := catalog.LookupEventID(unknownSyscall)
	require.False(t, known)

	type step struct {
		flags, inode uint64
		syscall      int32
	}
	steps := []step{
		{0, 7, int32(openat.ID)}, {0, 7, int32(openat.ID)}, {0o2000000, 7, int32(openat.ID)},
		{0, 8, unknownSyscall}, {0o2000000, 8, unknownSyscall}, {0o2000000, 9, int32(openat.ID)},
		{0o100 | 0o1, 9, -1}, {0, 7, int32(openat.ID)},
	}
	sink := new(consumertest.LogsSink)
	rb, out := newTestBuilder(t, proctree.New(16), sink, len(steps))
	for _, s := range steps {
		ev := bpf.Event{
			EventID: uint32(def.ID), Syscall: s.syscall, HostPID: 100, HostTID: 100, PID: 100, TID: 100, Comm: "cat",
			Args: []bpf.Arg{
				{Index: 0, Kind: bpf.ArgString, Str: "/etc/hostname"},
				{Index: 1, Kind: bpf.ArgInt, Int: int64(s.flags)},
				{Index: 3, Kind: bpf.ArgUint, Uint: s.inode},
			},
		}
		rb.build(&ev, def, out, observedNow())
	}
	out.flush()

	require.Eventually(t, func() bool { return len(sink.AllLogs()) == 1 }, waitLimit, time.Millisecond)
	lrs := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, len(steps), lrs.Len())
	for i, s := range steps {
		attrs := lrs.At(i).Attributes()
		assert.Equal(t, flagsForm(s.flags), get(t, attrs, vigil.AttrArgPrefix+"flags").Str(), "record %d", i)
		assert.Equal(t, int64(s.inode), get(t, attrs, vigil.AttrArgPrefix+"inode").Int(), "record %d", i)
		sc, inSyscall := attrs.Get(vigil.AttrSyscall)
		if s.syscall == int32(openat.ID) {
			require.True(t, inSyscall, "record %d", i)
			assert.Equal(t, "openat", sc.Str(), "record %d", i)
		} else {
			assert.False(t, inSyscall, "record %d: raised outside a syscall the catalog knows", i)
		}
	}
}
