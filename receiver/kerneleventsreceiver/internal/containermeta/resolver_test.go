package containermeta

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// waitLimit bounds a wait for the resolver's workers to act: generous,
// since CI tests other packages on the same two cores meanwhile; a wait
// ends as soon as its condition holds.
const waitLimit = 30 * time.Second

// fakeRuntime answers from known, after gate is closed (nil: at once), and
// counts the look-ups of each id.
type fakeRuntime struct {
	runtime string
	known   map[string]Info
	fail    *failure
	gate    chan struct{}

	mu    sync.Mutex
	asked map[string]int
	turns *askLog // shared by the runtimes of a test
}

// askLog lists the runtimes asked, in turn.
type askLog struct {
	mu    sync.Mutex
	names []string
}

func (l *askLog) add(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.names = append(l.names, name)
}

// take returns the runtimes asked so far and starts a new list.
func (l *askLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	names := l.names
	l.names = nil
	return names
}

func (f *fakeRuntime) name() string { return f.runtime }
func (f *fakeRuntime) close() error { return nil }

func (f *fakeRuntime) lookup(ctx context.Context, id string) (Info, error) {
	f.mu.Lock()
	if f.asked == nil {
		f.asked = map[string]int{}
	}
	f.asked[id]++
	f.mu.Unlock()
	if f.turns != nil {
		f.turns.add(f.runtime)
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return Info{}, &failure{reason: ReasonUnavailable, err: ctx.Err()}
		}
	}
	if f.fail != nil {
		return Info{}, f.fail
	}
	if in, ok := f.known[id]; ok {
		return in, nil
	}
	return Info{}, errNotFound
}

func (f *fakeRuntime) askedFor(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.asked[id]
}

type failureCount struct {
	mu sync.Mutex
	n  map[string]int // "runtime/reason"
}

func (c *failureCount) add(runtime, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[runtime+"/"+reason]++
}

func (c *failureCount) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

func startResolver(t *testing.T, cacheSize int, logger *zap.Logger, count *failureCount, runtimes ...*fakeRuntime) *Resolver {
	t.Helper()
	m := map[string]runtime{}
	for _, f := range runtimes {
		m[f.runtime] = f
	}
	if count == nil {
		count = &failureCount{}
	}
	r := newResolver(Config{Timeout: 5 * time.Second, CacheSize: cacheSize}, m, logger, count.add)
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	return r
}

var web = Info{Name: "web", ImageName: "nginx:1.25", ImageTag: "1.25", PodName: "web-0", PodNamespace: "shop"}

// TestGetNeverWaits: while the runtime has not answered, Get returns what is
// known (nothing); once it has, the answer; the runtime is asked once.
func TestGetNeverWaits(t *testing.T) {
	gate := make(chan struct{})
	rt := &fakeRuntime{runtime: Docker, known: map[string]Info{cid: web}, gate: gate}
	r := startResolver(t, 16, zap.NewNop(), nil, rt)

	for range 100 {
		assert.Equal(t, Info{}, r.Get(cid, Docker), "nothing is known before the runtime answers")
	}
	close(gate)
	want := web
	want.Runtime = Docker
	require.Eventually(t, func() bool { return r.Get(cid, Docker) == want }, waitLimit, time.Millisecond)
	assert.Equal(t, 1, rt.askedFor(cid), "one look-up per container")
	assert.Equal(t, 1, r.Len())
}

// TestRuntimesAskedInTurn: the runtime the cgroup layout names first, then
// the others in askOrder until one knows the container.
func TestRuntimesAskedInTurn(t *testing.T) {
	turns := &askLog{}
	r := startResolver(t, 16, zap.NewNop(), nil,
		&fakeRuntime{runtime: Containerd, turns: turns},
		&fakeRuntime{runtime: CRIO, turns: turns},
		&fakeRuntime{runtime: Docker, turns: turns},
		&fakeRuntime{runtime: Podman, turns: turns, known: map[string]Info{cid: web}})
	require.Eventually(t, func() bool { return r.Get(cid, Docker).Runtime == Podman }, waitLimit, time.Millisecond)
	assert.Equal(t, []string{Docker, Containerd, CRIO, Podman}, turns.take())

	r.Get(cid[:63]+"1", "unknown")
	var asked []string
	require.Eventually(t, func() bool { asked = append(asked, turns.take()...); return len(asked) == 4 }, waitLimit, time.Millisecond)
	assert.Equal(t, []string{Containerd, CRIO, Docker, Podman}, asked, "no runtime named: containerd first")
}

// TestFailuresLoggedOnceCounted: a runtime that cannot answer is counted at
// every failure and logged once; the container is asked for again later.
func TestFailuresLoggedOnceCounted(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	count := &failureCount{}
	rt := &fakeRuntime{runtime: Containerd, fail: &failure{reason: ReasonBadResponse, err: fmt.Errorf("garbage")}}
	r := startResolver(t, 16, zap.New(core), count, rt)

	ids := []string{cid, cid[:63] + "1", cid[:63] + "2"}
	for _, id := range ids {
		r.Get(id, Containerd)
	}
	require.Eventually(t, func() bool { return count.get("containerd/bad_response") == 3 }, waitLimit, time.Millisecond)
	assert.Equal(t, 1, logs.FilterMessageSnippet("container runtime cannot describe containers").Len(), "logged once per runtime")

	// within retryAfter the failure is remembered; after it, asked again
	for range 10 {
		assert.Equal(t, Info{}, r.Get(cid, Containerd))
	}
	assert.Equal(t, 1, rt.askedFor(cid))
	r.mu.Lock()
	r.entries[cid].Value.(*entry).retryAt = time.Now().Add(-time.Second)
	r.mu.Unlock()
	r.Get(cid, Containerd)
	require.Eventually(t, func() bool { return rt.askedFor(cid) == 2 }, waitLimit, time.Millisecond)
}

// TestBurstOfNewContainers: 1,000 new containers at a runtime that answers
// none of them yet: every Get returns at once, the cache stays within its
// size, and once the runtime answers, the containers still remembered are
// described.
func TestBurstOfNewContainers(t *testing.T) {
	const containers, cacheSize = 1000, 256
	gate := make(chan struct{})
	known := map[string]Info{}
	ids := make([]string, containers)
	for i := range ids {
		ids[i] = fmt.Sprintf("%064x", i+1)
		known[ids[i]] = Info{Name: fmt.Sprint("c", i)}
	}
	rt := &fakeRuntime{runtime: Containerd, known: known, gate: gate}
	r := startResolver(t, cacheSize, zap.NewNop(), nil, rt)

	for round := range 3 {
		for _, id := range ids {
			assert.Equal(t, Info{}, r.Get(id, Containerd), "round %d: nothing known while the runtime is stuck", round)
		}
		assert.LessOrEqual(t, r.Len(), cacheSize)
	}
	close(gate)
	last := ids[containers-cacheSize:]
	require.Eventually(t, func() bool {
		for _, id := range last {
			if r.Get(id, Containerd).Runtime != Containerd {
				return false
			}
		}
		return true
	}, waitLimit, 5*time.Millisecond, "the most recent containers are described")
	assert.LessOrEqual(t, r.Len(), cacheSize)
}

// TestCacheEvictsLeastRecentlySeen: a full cache forgets the container seen
// least recently, not one still in use.
func TestCacheEvictsLeastRecentlySeen(t *testing.T) {
	known := map[string]Info{}
	for i := range 17 {
		known[fmt.Sprintf("%064x", i)] = web
	}
	rt := &fakeRuntime{runtime: Docker, known: known}
	r := startResolver(t, 16, zap.NewNop(), nil, rt)
	for i := range 16 {
		id := fmt.Sprintf("%064x", i)
		r.Get(id, Docker)
		require.Eventually(t, func() bool { return r.Get(id, Docker).Runtime == Docker }, waitLimit, time.Millisecond)
	}
	r.Get(fmt.Sprintf("%064x", 0), Docker) // 0 in use again: 1 is now the least recent
	r.Get(fmt.Sprintf("%064x", 16), Docker)
	assert.Equal(t, 16, r.Len())
	assert.Equal(t, Docker, r.Get(fmt.Sprintf("%064x", 0), Docker).Runtime, "still cached")
	assert.Equal(t, Info{}, r.Get(fmt.Sprintf("%064x", 1), Docker), "forgotten, asked for again")
	require.Eventually(t, func() bool { return rt.askedFor(fmt.Sprintf("%064x", 1)) == 2 }, waitLimit, time.Millisecond)
}

// TestCloseCancelsLookups: closing does not wait for a runtime that does
// not answer, nor counts the cancelled look-up as its failure.
func TestCloseCancelsLookups(t *testing.T) {
	count := &failureCount{}
	rt := &fakeRuntime{runtime: Containerd, gate: make(chan struct{})} // never answers
	r := newResolver(Config{Timeout: time.Hour, CacheSize: 16}, map[string]runtime{Containerd: rt}, zap.NewNop(), count.add)
	r.Get(cid, Containerd)
	require.Eventually(t, func() bool { return rt.askedFor(cid) == 1 }, waitLimit, time.Millisecond)
	require.NoError(t, r.Close()) // would take an hour if it waited
	assert.Equal(t, 0, count.get("containerd/unavailable"))
}
