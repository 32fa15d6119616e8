package detectionsconnector

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pipeline"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/connector/detectionsconnector/internal/metadata"
)

type detectionsConnector struct {
	component.StartFunc
	component.ShutdownFunc

	// all and detections are nil when their list is empty.
	all, detections consumer.Logs

	telemetry               *metadata.TelemetryBuilder
	allAttr, detectionsAttr metric.MeasurementOption
}

func newDetectionsConnector(set connector.Settings, cfg *Config, next consumer.Logs) (*detectionsConnector, error) {
	router, ok := next.(connector.LogsRouterAndConsumer)
	if !ok {
		return nil, errors.New("the detections connector needs the collector's pipeline router as its next consumer")
	}
	// A pipeline that takes the connector as receiver but is in neither
	// list would silently receive nothing.
	for _, id := range router.PipelineIDs() {
		if !slices.Contains(cfg.All, id) && !slices.Contains(cfg.Detections, id) {
			return nil, fmt.Errorf("pipeline %s takes the %s connector as receiver but is listed in neither all nor detections", id, set.ID)
		}
	}
	all, err := consumerFor(router, "all", cfg.All)
	if err != nil {
		return nil, err
	}
	detections, err := consumerFor(router, "detections", cfg.Detections)
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &detectionsConnector{
		ShutdownFunc:   func(context.Context) error { tb.Shutdown(); return nil },
		all:            all,
		detections:     detections,
		telemetry:      tb,
		allAttr:        metric.WithAttributeSet(attribute.NewSet(attribute.String("output", "all"))),
		detectionsAttr: metric.WithAttributeSet(attribute.NewSet(attribute.String("output", "detections"))),
	}, nil
}

// consumerFor is the fan-out to the listed pipelines, nil for none.
func consumerFor(router connector.LogsRouterAndConsumer, field string, ids []pipeline.ID) (consumer.Logs, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	c, err := router.Consumer(ids...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (each must be a pipeline that lists the connector among its receivers)", field, err)
	}
	return c, nil
}

// Capabilities: the connector changes nothing it receives; the records it
// hands to the detections pipelines are its own copies, and the fan-out to
// the pipelines in all copies for the mutating ones itself when ld is
// read-only.
func (*detectionsConnector) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

func (c *detectionsConnector) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	// The copy is made before ld is handed on: the pipelines in all may
	// change it (a batch processor moves its records out) or keep it.
	var detected plog.Logs
	if c.detections != nil {
		detected = copyDetections(ld)
	}
	var errs []error
	if c.all != nil {
		c.telemetry.ConnectorDetectionsRecordsRouted.Add(ctx, int64(ld.LogRecordCount()), c.allAttr)
		errs = append(errs, c.all.ConsumeLogs(ctx, ld))
	}
	if c.detections == nil {
		return errors.Join(errs...)
	}
	if n := detected.LogRecordCount(); n > 0 {
		c.telemetry.ConnectorDetectionsRecordsRouted.Add(ctx, int64(n), c.detectionsAttr)
		errs = append(errs, c.detections.ConsumeLogs(ctx, detected))
	}
	return errors.Join(errs...)
}

// copyDetections copies the records that carry vigil.AttrRuleUUID (set by
// the detection processor on every record a signature matched), each under a
// copy of its resource and scope; resources and scopes without one are not
// copied.
func copyDetections(ld plog.Logs) plog.Logs {
	out := plog.NewLogs()
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		var outRL plog.ResourceLogs
		haveRL := false
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			var outSL plog.ScopeLogs
			haveSL := false
			lrs := sl.LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				if _, ok := lr.Attributes().Get(vigil.AttrRuleUUID); !ok {
					continue
				}
				if !haveRL {
					outRL = out.ResourceLogs().AppendEmpty()
					rl.Resource().CopyTo(outRL.Resource())
					outRL.SetSchemaUrl(rl.SchemaUrl())
					haveRL = true
				}
				if !haveSL {
					outSL = outRL.ScopeLogs().AppendEmpty()
					sl.Scope().CopyTo(outSL.Scope())
					outSL.SetSchemaUrl(sl.SchemaUrl())
					haveSL = true
				}
				lr.CopyTo(outSL.LogRecords().AppendEmpty())
			}
		}
	}
	return out
}
