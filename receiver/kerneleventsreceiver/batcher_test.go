package kerneleventsreceiver

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// TestCollidingResourcesStayApart: keys that hash alike are still told
// apart whole, so resources whose hashes collide are never merged, and
// each keeps its own records, whether found as the last resource, through
// the hash, or behind another of the same hash.
func TestCollidingResourcesStayApart(t *testing.T) {
	sink := new(consumertest.LogsSink)
	_, out := newTestBuilder(t, nil, sink, 6)
	out.hashMask = 0 // every key hashes to 0
	cat := resourceKey{host: "a", process: vigil.Process{PID: 100, Name: "cat"}}
	head := resourceKey{host: "a", process: vigil.Process{PID: 200, Name: "head"}}
	argv := "ls"
	ls := resourceKey{host: "a", process: vigil.Process{PID: 200, Name: "head"}, argv: &argv} // head but for its argv

	for i, key := range []*resourceKey{&cat, &head, &cat, &ls, &head, &cat} {
		out.add("openat", key, nil).Attributes().PutInt("n", int64(i))
	}
	require.True(t, out.full())
	out.flush()

	require.Eventually(t, func() bool { return len(sink.AllLogs()) == 1 }, waitLimit, time.Millisecond)
	rls := sink.AllLogs()[0].ResourceLogs()
	require.Equal(t, 3, rls.Len(), "one resource per distinct key")
	for i, want := range []struct {
		pid     int64
		records []int64
	}{{100, []int64{0, 2, 5}}, {200, []int64{1, 4}}, {200, []int64{3}}} {
		assert.Equal(t, want.pid, get(t, rls.At(i).Resource().Attributes(), vigil.AttrProcessPID).Int(), "resource %d", i)
		lrs := rls.At(i).ScopeLogs().At(0).LogRecords()
		var got []int64
		for j := range lrs.Len() {
			got = append(got, get(t, lrs.At(j).Attributes(), "n").Int())
		}
		assert.Equal(t, want.records, got, "records of resource %d", i)
	}
}

// TestResourcesFoundAcrossGrowth: a batch of more resources than the
// batcher's first table of slots holds, their hashes cut to four values
// (long runs of probing, and keys of one hash on both sides of the
// table's growth), still finds each resource again by its key: one
// resource per process, its records in order.
func TestResourcesFoundAcrossGrowth(t *testing.T) {
	const processes = 3 * minSlots
	sink := new(consumertest.LogsSink)
	_, out := newTestBuilder(t, nil, sink, 3*processes)
	out.hashMask = 3
	for i := range 3 * processes {
		// every third record from the process before, which is not the
		// last resource when the run is over
		pid := int64(100 + (i/3+i%3)%processes)
		out.add("openat", &resourceKey{process: vigil.Process{PID: pid}}, nil).Attributes().PutInt("n", int64(i))
	}
	require.True(t, out.full())
	out.flush()
	require.Eventually(t, func() bool { return len(sink.AllLogs()) == 1 }, waitLimit, time.Millisecond)
	rls := sink.AllLogs()[0].ResourceLogs()
	require.Equal(t, processes, rls.Len(), "one resource per process")
	for r := range processes {
		pid := get(t, rls.At(r).Resource().Attributes(), vigil.AttrProcessPID).Int()
		lrs := rls.At(r).ScopeLogs().At(0).LogRecords()
		var got []int64
		for j := range lrs.Len() {
			got = append(got, get(t, lrs.At(j).Attributes(), "n").Int())
		}
		var want []int64
		for i := range 3 * processes {
			if int64(100+(i/3+i%3)%processes) == pid {
				want = append(want, int64(i))
			}
		}
		assert.Equal(t, want, got, "records of pid %d", pid)
	}
}

// TestAddedKeysAreCopied: add is given keys its caller changes after the
// call (the capture's, one variable on its stack), so the batcher finds
// resources by copies of its own: a key written over after its add still
// finds its resource, across more resources than a block of copies holds
// and in the batch after (the copies reset).
func TestAddedKeysAreCopied(t *testing.T) {
	const processes = 2*keyBlock + 3
	sink := new(consumertest.LogsSink)
	_, out := newTestBuilder(t, nil, sink, 2*processes)
	var key resourceKey // reused, as the capture's
	for batch := range 2 {
		for i := range 2 * processes {
			key = resourceKey{host: "a", process: vigil.Process{PID: int64(100 + i%processes), Name: "cat"}}
			out.add("openat", &key, nil).Attributes().PutInt("n", int64(i))
		}
		require.True(t, out.full())
		out.flush()
		require.Eventually(t, func() bool { return len(sink.AllLogs()) == batch+1 }, waitLimit, time.Millisecond)
		rls := sink.AllLogs()[batch].ResourceLogs()
		require.Equal(t, processes, rls.Len(), "one resource per process, batch %d", batch)
		for i := range processes {
			assert.Equal(t, int64(100+i), get(t, rls.At(i).Resource().Attributes(), vigil.AttrProcessPID).Int())
			lrs := rls.At(i).ScopeLogs().At(0).LogRecords()
			require.Equal(t, 2, lrs.Len(), "records of resource %d", i)
			assert.Equal(t, int64(i+processes), get(t, lrs.At(1).Attributes(), "n").Int())
		}
	}
}

// hashResource is a batcher's hash of key from a table of string hashes
// that holds none: every string hashed afresh, the reference for the
// hashes a batcher keeps.
func hashResource(key *resourceKey) uint64 { return new(stringHashes).resource(key) }

// TestResourceHashFollowsTheKey: equal keys hash alike, and a change of any
// field hashed changes the hash (with this seed, as a good hash would).
func TestResourceHashFollowsTheKey(t *testing.T) {
	base := resourceKey{host: "a", process: vigil.Process{PID: 100, VPID: 1, Name: "cat", ContainerID: "c1",
		ExecutablePath: "/usr/lib/jvm/java-17/bin/java"}}
	same := base
	assert.Equal(t, hashResource(&base), hashResource(&same))
	// by the strings' bytes, not where they are
	same.process.Name, same.process.ExecutablePath = strings.Clone(base.process.Name), strings.Clone(base.process.ExecutablePath)
	assert.Equal(t, hashResource(&base), hashResource(&same))
	for name, change := range map[string]func(*resourceKey){
		"host":                     func(k *resourceKey) { k.host = "b" },
		"pid":                      func(k *resourceKey) { k.process.PID = 101 },
		"name":                     func(k *resourceKey) { k.process.Name = "dog" },
		"name moved":               func(k *resourceKey) { k.process.Name, k.process.ExecutablePath = "", "cat" },
		"container started":        func(k *resourceKey) { k.process.ContainerStarted = true },
		"pod":                      func(k *resourceKey) { k.process.PodUID = "u" },
		"path, a middle word":      func(k *resourceKey) { k.process.ExecutablePath = "/usr/lib/jvm/java-18/bin/java" },
		"path, its tail":           func(k *resourceKey) { k.process.ExecutablePath = "/usr/lib/jvm/java-17/bin/javac" },
		"path, a byte of its tail": func(k *resourceKey) { k.process.ExecutablePath = "/usr/lib/jvm/java-17/bin/jav" },
		"cgroup":                   func(k *resourceKey) { k.process.CgroupID = 1 << 63 },
	} {
		k := base
		change(&k)
		assert.NotEqual(t, hashResource(&base), hashResource(&k), name)
	}
}

// TestKeptStringHashesAreTheStrings: a batcher's hashes, which keep its
// strings' hashes by where their bytes are, are hashResource's: for a
// string met again, an equal one elsewhere, a shorter one at the same
// address, and more strings than it holds.
func TestKeptStringHashesAreTheStrings(t *testing.T) {
	path := "/usr/lib/jvm/java-17/bin/java"
	keys := []resourceKey{
		{host: "a", process: vigil.Process{PID: 1, Name: "java", ExecutablePath: path}},
		{host: "a", process: vigil.Process{PID: 1, Name: "java", ExecutablePath: path[:len(path)-1]}},
		{host: "a", process: vigil.Process{PID: 1, Name: "java", ExecutablePath: strings.Clone(path)}},
		{host: path[:1], process: vigil.Process{PID: 1, Name: path[:4], ContainerID: path}},
	}
	for i := range 1000 {
		keys = append(keys, resourceKey{host: "a", process: vigil.Process{PID: 1, Name: fmt.Sprint("comm-", i)}})
	}
	var c stringHashes
	for round := range 2 {
		for i := range keys {
			assert.Equal(t, hashResource(&keys[i]), c.resource(&keys[i]), "key %d, round %d", i, round)
		}
	}
	assert.NotEqual(t, c.resource(&keys[0]), c.resource(&keys[1]), "a path and its prefix at the same address")
}

// TestBatchCountsEveryEvent: a batch counts the records of each event
// name, names coming in runs or interleaved, and the next batch starts
// from zero.
func TestBatchCountsEveryEvent(t *testing.T) {
	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	q := newSendQueue(consumertest.NewNop(), tb, 4, nil) // read here, not sent
	out := newBatcher(q, 100, putHostResource)
	key := resourceKey{process: vigil.Process{PID: 1}}
	for _, name := range []string{"openat", "openat", "close", "openat", "execve", "execve", "close"} {
		out.add(name, &key, nil)
	}
	out.flush()
	got := <-q.batches
	assert.Equal(t, map[string]int64{"openat": 3, "close": 2, "execve": 2}, got.counts)
	assert.Equal(t, 7, got.records)
	out.add("close", &key, nil)
	out.flush()
	assert.Equal(t, map[string]int64{"close": 1}, (<-q.batches).counts)
}

// TestResourceBaseWithAProcessKey: resources whose base attributes hold a
// key of the process's (a source's own, say) still hold it once, the
// process's value: such a base turns the appending of process attributes
// into puts.
func TestResourceBaseWithAProcessKey(t *testing.T) {
	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	q := newSendQueue(consumertest.NewNop(), tb, 4, nil) // read here, not sent
	for _, base := range []func(m pcommon.Map){putHostResource, func(m pcommon.Map) { m.PutStr(vigil.AttrProcessPID, "the base's") }} {
		out := newBatcher(q, 100, base)
		out.add("openat", &resourceKey{process: vigil.Process{PID: 7, Name: "cat"}}, []string{"cat"})
		out.flush()
		res := (<-q.batches).logs.ResourceLogs().At(0).Resource().Attributes()
		seen := map[string]bool{}
		for k := range res.All() {
			assert.False(t, seen[k], "key %s twice", k)
			seen[k] = true
		}
		assert.Equal(t, int64(7), get(t, res, vigil.AttrProcessPID).Int())
	}
}

// TestResourceHostOnce: a key's host is its resource's host.name, once and
// in the order pdata's setters put it, whether the base holds none (a
// replay's: appended unsearched) or its own (replaced).
func TestResourceHostOnce(t *testing.T) {
	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	q := newSendQueue(consumertest.NewNop(), tb, 4, nil) // read here, not sent
	p := vigil.Process{PID: 7, Name: "cat"}
	for _, base := range []func(m pcommon.Map){
		func(pcommon.Map) {},
		func(m pcommon.Map) { m.PutStr("cloud.region", "eu") },
		func(m pcommon.Map) { m.PutStr(vigil.AttrHostName, "the base's"); m.PutStr("cloud.region", "eu") },
	} {
		out := newBatcher(q, 100, base)
		out.add("openat", &resourceKey{host: "node-1", process: p}, []string{"cat"})
		out.flush()
		res := (<-q.batches).logs.ResourceLogs().At(0).Resource().Attributes()
		want := pcommon.NewMap()
		base(want)
		vigil.WriteResourceFrom(nil, want, "node-1", &p, []string{"cat"}, false, false)
		var wantKeys, keys []string
		for k := range want.All() {
			wantKeys = append(wantKeys, k)
		}
		for k := range res.All() {
			keys = append(keys, k)
		}
		assert.Equal(t, wantKeys, keys)
		assert.Equal(t, want.AsRaw(), res.AsRaw())
	}
}
