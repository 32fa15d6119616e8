package kerneleventsreceiver

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/containermeta"
)

// openRuntimes starts the container runtimes' resolver, when enabled, and
// reports its cache's size.
func (s *ebpfSource) openRuntimes() error {
	cfg := &s.cfg.ContainerRuntimes
	if !cfg.Enabled {
		return nil
	}
	res, err := containermeta.New(cfg.resolverConfig(), s.logger, func(runtime, failure string) {
		s.telemetry.KerneleventsContainerRuntimeFailures.Add(context.Background(), 1,
			metric.WithAttributeSet(attribute.NewSet(attribute.String("runtime", runtime), attribute.String("failure", failure))))
	})
	if err != nil {
		return fmt.Errorf("kernelevents: container_runtimes: %w", err)
	}
	s.builder.runtimes = res
	return s.telemetry.RegisterKerneleventsContainerCacheSizeCallback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(int64(res.Len()))
		return nil
	})
}
