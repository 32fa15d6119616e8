package kerneleventsreceiver

import (
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.uber.org/zap"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/bpf"
	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/containermeta"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/proctree"
)

// serveOnSocket serves h on a unix socket in a temporary directory, a
// stand-in for a runtime's API, and returns the socket.
func serveOnSocket(t testing.TB, h http.HandlerFunc) string {
	t.Helper()
	socket := filepath.Join(t.TempDir(), "runtime.sock")
	l, err := net.Listen("unix", socket)
	require.NoError(t, err)
	srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: h}
	go srv.Serve(l) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	return socket
}

// slowDocker serves the Docker API's container inspect, every answer held
// until release is closed, and returns its socket.
func slowDocker(t testing.TB, release <-chan struct{}) string {
	return serveOnSocket(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/containers/"), "/json")
		fmt.Fprintf(w, `{"Name":"/app-%s","Config":{"Image":"registry.example/app:2.1","Labels":{"io.kubernetes.pod.name":"app-%s","io.kubernetes.pod.namespace":"prod"}}}`, id[:6], id[:6])
	})
}

// describeBySlowDocker gives rb a runtime resolver that asks only
// slowDocker(release), with cfg's settings changed by tune (nil: none),
// closed when the test ends.
func describeBySlowDocker(t testing.TB, rb *recordBuilder, release <-chan struct{}, tune func(*ContainerRuntimesConfig)) *containermeta.Resolver {
	cfg := defaultContainerRuntimes()
	cfg.Docker.Socket = slowDocker(t, release)
	cfg.Containerd.Socket, cfg.Podman.Socket, cfg.CRIO.Socket = "", "", ""
	if tune != nil {
		tune(&cfg)
	}
	res, err := containermeta.New(cfg.resolverConfig(), zap.NewNop(), func(string, string) {})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, res.Close()) })
	rb.runtimes = res
	return res
}

// TestBurstOfNewContainersNeverBlocksRecords: 1,000 containers appear at
// once while their runtime is slow to answer. Every record is built at
// once, none is lost, the cache stays within its size; once the runtime
// answers, later records carry its context.
func TestBurstOfNewContainersNeverBlocksRecords(t *testing.T) {
	const containers, cacheSize, rounds = 1000, 512, 3
	def, _ := catalog.LookupEvent("openat")
	tree := proctree.New(16)
	sink := new(consumertest.LogsSink)
	rb, out := newTestBuilder(t, tree, sink, 1024)
	release := make(chan struct{})
	res := describeBySlowDocker(t, rb, release, func(cfg *ContainerRuntimesConfig) {
		cfg.CacheSize = cacheSize
		cfg.Timeout = time.Minute // a look-up waits for the runtime, records never do
	})

	ids := make([]string, containers)
	for i := range ids {
		ids[i] = fmt.Sprintf("%064x", 0xabc000+i)
		rb.containers.Learn(uint64(1000+i), "/system.slice/docker-"+ids[i]+".scope")
	}
	built := 0
	build := func(from int) {
		for i := from; i < containers; i++ {
			ev := openatBy(uint32(1000+i), uint32(1000+i))
			ev.CgroupID = uint64(1000 + i)
			rb.build(&ev, def, out, observedNow())
			built++
			if out.full() {
				out.flush()
			}
		}
		out.flush()
	}
	for range rounds {
		build(0) // the runtime has answered nothing: were records waiting for it, this would hang
		assert.LessOrEqual(t, res.Len(), cacheSize)
	}
	recs := collectedEventually(t, sink, built)
	for _, r := range recs {
		require.True(t, strings.HasPrefix(attr(r, vigil.AttrContainerID).Str(), "0000"))
		assert.Equal(t, "docker", attr(r, vigil.AttrContainerRuntime).Str(), "from the cgroup layout")
		_, named := r.attrs().Get(vigil.AttrContainerName)
		assert.False(t, named, "the runtime has not answered")
	}

	// The containers still in use (fewer than the cache holds) are
	// described once the runtime answers.
	close(release)
	const inUse = 100
	last := ids[containers-inUse:]
	require.Eventually(t, func() bool {
		for _, id := range last {
			if res.Get(id, "docker").Name == "" {
				return false
			}
		}
		return true
	}, waitLimit, 5*time.Millisecond)
	sink.Reset()
	built = 0
	build(containers - inUse)
	for _, r := range collectedEventually(t, sink, built) {
		id := attr(r, vigil.AttrContainerID).Str()
		assert.Equal(t, "app-"+id[:6], attr(r, vigil.AttrContainerName).Str())
		assert.Equal(t, "registry.example/app:2.1", attr(r, vigil.AttrContainerImage).Str())
		assert.Equal(t, "app-"+id[:6], attr(r, vigil.AttrPodName).Str())
		assert.Equal(t, "prod", attr(r, vigil.AttrPodNamespace).Str())
	}
	assert.LessOrEqual(t, res.Len(), cacheSize)
}

// collectedEventually waits until the sink holds n records and returns them.
func collectedEventually(t *testing.T, sink *consumertest.LogsSink, n int) []record {
	t.Helper()
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= n }, waitLimit, time.Millisecond)
	recs := collected(sink)
	require.Len(t, recs, n, "no record lost")
	return recs
}

// BenchmarkRecordBuildInContainers is BenchmarkRecordBuild's 64 processes,
// each in a container of its own: without the runtimes' context
// (context=off, container_runtimes.enabled: false) and with it, the cache
// warm (context=on). Compare the two with benchstat.
func BenchmarkRecordBuildInContainers(b *testing.B) {
	const procs = 64
	for _, on := range []bool{false, true} {
		b.Run(map[bool]string{false: "context=off", true: "context=on"}[on], func(b *testing.B) {
			def, _ := catalog.LookupEvent("openat")
			tree := proctree.New(procs)
			rb, out := newTestBuilder(b, tree, &countingSink{}, 1024)
			events := make([]bpf.Event, procs)
			ids := make([]string, procs)
			for i := range events {
				pid := uint32(1000 + i)
				tree.Exec(pid, 1, "/usr/bin/cat", []string{"cat", "/etc/hostname"})
				events[i] = openatBy(pid, pid)
				events[i].CgroupID = uint64(pid)
				ids[i] = fmt.Sprintf("%064x", pid)
				rb.containers.Learn(uint64(pid), "/system.slice/docker-"+ids[i]+".scope")
			}
			if on {
				answered := make(chan struct{})
				close(answered)
				res := describeBySlowDocker(b, rb, answered, nil)
				for _, id := range ids {
					res.Get(id, "docker")
					require.Eventually(b, func() bool { return res.Get(id, "docker").Name != "" }, waitLimit, time.Millisecond)
				}
			}
			measureRecordBuild(b, rb, out, def, events)
		})
	}
}
