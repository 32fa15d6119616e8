//go:build linux

package kerneleventsreceiver

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/containers"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadatatest"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/proctree"
)

// TestRuntimeFailuresCounted: the eBPF source's resolver counts each failed
// look-up by runtime and reason, logs each runtime once, and reports its
// cache's size.
func TestRuntimeFailuresCounted(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	tb, err := metadata.NewTelemetryBuilder(tel.NewTelemetrySettings())
	require.NoError(t, err)
	core, logs := observer.New(zap.WarnLevel)

	garbage := serveOnSocket(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("<html>not docker</html>")) //nolint:errcheck
	})

	cfg := createDefaultConfig().(*Config)
	cfg.ContainerRuntimes.Docker.Socket = garbage
	cfg.ContainerRuntimes.Containerd.Socket = filepath.Join(t.TempDir(), "missing.sock")
	cfg.ContainerRuntimes.Podman.Socket, cfg.ContainerRuntimes.CRIO.Socket = "", ""
	s := &ebpfSource{cfg: cfg, telemetry: tb, logger: zap.New(core), stop: make(chan struct{})}
	s.builder = newRecordBuilder(proctree.New(4), containers.NewResolver(t.TempDir(), ""))
	require.NoError(t, s.openRuntimes())
	t.Cleanup(func() { require.NoError(t, s.builder.runtimes.Close()) })

	for i := range 3 {
		s.builder.runtimes.Get(strings.Repeat(string(rune('a'+i)), 64), "docker")
	}
	point := func(runtime, failure string, n int64) metricdata.DataPoint[int64] {
		return metricdata.DataPoint[int64]{Value: n, Attributes: attribute.NewSet(attribute.String("runtime", runtime), attribute.String("failure", failure))}
	}
	// each container fails at both runtimes: 6 failures in all
	require.Eventually(t, func() bool {
		m, err := tel.GetMetric("otelcol_kernelevents_container_runtime_failures")
		if err != nil {
			return false
		}
		var n int64
		for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
			n += dp.Value
		}
		return n == 6
	}, waitLimit, time.Millisecond)
	metadatatest.AssertEqualKerneleventsContainerRuntimeFailures(t, tel, []metricdata.DataPoint[int64]{
		point("containerd", "unavailable", 3), point("docker", "bad_response", 3),
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualKerneleventsContainerCacheSize(t, tel, []metricdata.DataPoint[int64]{{Value: 3}}, metricdatatest.IgnoreTimestamp())
	require.Equal(t, 2, logs.FilterMessageSnippet("container runtime cannot describe containers").Len(), "once per runtime")
}
