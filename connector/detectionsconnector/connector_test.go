package detectionsconnector

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pipeline"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/vigil-sec/vigil/connector/detectionsconnector/internal/metadata"
	"github.com/vigil-sec/vigil/connector/detectionsconnector/internal/metadatatest"
)

var (
	filePipeline   = pipeline.NewIDWithName(pipeline.SignalLogs, "file")
	stdoutPipeline = pipeline.NewIDWithName(pipeline.SignalLogs, "stdout")
)

// testLogs builds two resources: the first with a scope of three records
// of which the second matched, and a scope with no match; the second
// resource with one unmatched record.
func testLogs() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	sl := putProcessAndScope(rl)
	for i, event := range []string{"execve", "security_file_open", "openat"} {
		lr := sl.LogRecords().AppendEmpty()
		putRecord(lr, event, i)
	}
	other := rl.ScopeLogs().AppendEmpty()
	other.Scope().SetName("other")
	other.LogRecords().AppendEmpty().SetEventName("close")
	rl2 := ld.ResourceLogs().AppendEmpty()
	rl2.Resource().Attributes().PutInt("process.pid", 7)
	rl2.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().SetEventName("exit")
	return ld
}

// wantDetections is what testLogs' detections copy must be: the matched
// record under its resource and scope, nothing else.
func wantDetections() plog.Logs {
	ld := plog.NewLogs()
	sl := putProcessAndScope(ld.ResourceLogs().AppendEmpty())
	putRecord(sl.LogRecords().AppendEmpty(), "security_file_open", 1)
	return ld
}

func putProcessAndScope(rl plog.ResourceLogs) plog.ScopeLogs {
	rl.SetSchemaUrl("https://example.com/resource-schema")
	rl.Resource().Attributes().PutInt("process.pid", 42)
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("kernelevents")
	sl.SetSchemaUrl("https://example.com/scope-schema")
	return sl
}

// putRecord sets a record; security_file_open is the one a signature matched.
func putRecord(lr plog.LogRecord, event string, seq int) {
	lr.SetEventName(event)
	lr.Attributes().PutInt("seq", int64(seq))
	if event == "security_file_open" {
		lr.Attributes().PutStr("security_rule.uuid", "VGL-1029")
		lr.Attributes().PutStr("security_rule.name", "Sensitive file read")
	}
}

func newTestConnector(t *testing.T, cfg *Config, consumers map[pipeline.ID]consumer.Logs) (connector.Logs, *componenttest.Telemetry) {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	c, err := NewFactory().CreateLogsToLogs(context.Background(), metadatatest.NewSettings(tel), cfg, connector.NewLogsRouter(consumers))
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, c.Shutdown(context.Background())) })
	return c, tel
}

func TestRoutesEveryRecordAndCopiesDetections(t *testing.T) {
	var file, stdout consumertest.LogsSink
	c, tel := newTestConnector(t, &Config{All: []pipeline.ID{filePipeline}, Detections: []pipeline.ID{stdoutPipeline}},
		map[pipeline.ID]consumer.Logs{filePipeline: &file, stdoutPipeline: &stdout})

	in := testLogs()
	require.NoError(t, c.ConsumeLogs(context.Background(), in))

	require.Len(t, file.AllLogs(), 1)
	assert.Equal(t, testLogs(), file.AllLogs()[0], "every record reaches all unchanged")
	require.Len(t, stdout.AllLogs(), 1)
	assert.Equal(t, wantDetections(), stdout.AllLogs()[0])

	output := func(name string) attribute.Set { return attribute.NewSet(attribute.String("output", name)) }
	metadatatest.AssertEqualConnectorDetectionsRecordsRouted(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: output("all"), Value: 5},
		{Attributes: output("detections"), Value: 1},
	}, metricdatatest.IgnoreTimestamp())
}

func TestNoDetectionsNoCall(t *testing.T) {
	var file, stdout consumertest.LogsSink
	c, _ := newTestConnector(t, &Config{All: []pipeline.ID{filePipeline}, Detections: []pipeline.ID{stdoutPipeline}},
		map[pipeline.ID]consumer.Logs{filePipeline: &file, stdoutPipeline: &stdout})

	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().SetEventName("openat")
	require.NoError(t, c.ConsumeLogs(context.Background(), ld))

	assert.Equal(t, 1, file.LogRecordCount())
	assert.Empty(t, stdout.AllLogs(), "an empty batch must not reach the detections pipelines")
}

// mutating stands for a pipeline whose first processor changes what it
// receives, as a batch processor moves the records out.
type mutating struct {
	consumertest.LogsSink
	mutate func(plog.Logs)
}

func (m *mutating) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

func (m *mutating) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	m.mutate(ld)
	return m.LogsSink.ConsumeLogs(ctx, ld)
}

func TestOutputsDoNotShareData(t *testing.T) {
	emptyAll := func(ld plog.Logs) {
		ld.ResourceLogs().RemoveIf(func(plog.ResourceLogs) bool { return true })
	}
	renameDetections := func(ld plog.Logs) {
		lr := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		lr.Attributes().PutStr("security_rule.name", "changed downstream")
	}
	file := &mutating{mutate: emptyAll}
	stdout := &mutating{mutate: renameDetections}
	c, _ := newTestConnector(t, &Config{All: []pipeline.ID{filePipeline}, Detections: []pipeline.ID{stdoutPipeline}},
		map[pipeline.ID]consumer.Logs{filePipeline: file, stdoutPipeline: stdout})

	in := testLogs()
	require.NoError(t, c.ConsumeLogs(context.Background(), in))

	// The pipeline in all took the original and emptied it; the detections
	// were copied before, so they are whole.
	assert.Equal(t, 0, in.ResourceLogs().Len())
	require.Len(t, stdout.AllLogs(), 1)
	got := stdout.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	uuid, _ := got.Attributes().Get("security_rule.uuid")
	assert.Equal(t, "VGL-1029", uuid.Str())
}

func TestReadOnlyInputIsCopiedForMutatingPipelines(t *testing.T) {
	emptyAll := func(ld plog.Logs) {
		ld.ResourceLogs().RemoveIf(func(plog.ResourceLogs) bool { return true })
	}
	file := &mutating{mutate: emptyAll}
	var stdout consumertest.LogsSink
	c, _ := newTestConnector(t, &Config{All: []pipeline.ID{filePipeline}, Detections: []pipeline.ID{stdoutPipeline}},
		map[pipeline.ID]consumer.Logs{filePipeline: file, stdoutPipeline: &stdout})

	in := testLogs()
	in.MarkReadOnly()
	require.NoError(t, c.ConsumeLogs(context.Background(), in))
	assert.Equal(t, testLogs().LogRecordCount(), in.LogRecordCount(), "read-only input must not be changed downstream")
	assert.Equal(t, 1, stdout.LogRecordCount())
}

func TestDetectionsOnly(t *testing.T) {
	var stdout consumertest.LogsSink
	c, tel := newTestConnector(t, &Config{Detections: []pipeline.ID{stdoutPipeline}},
		map[pipeline.ID]consumer.Logs{stdoutPipeline: &stdout})
	require.NoError(t, c.ConsumeLogs(context.Background(), testLogs()))
	require.Len(t, stdout.AllLogs(), 1)
	assert.Equal(t, wantDetections(), stdout.AllLogs()[0])
	metadatatest.AssertEqualConnectorDetectionsRecordsRouted(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("output", "detections")), Value: 1},
	}, metricdatatest.IgnoreTimestamp())
}

func TestCreateChecksPipelinesAgainstTheRouter(t *testing.T) {
	sink := func() consumer.Logs { return new(consumertest.LogsSink) }
	create := func(cfg *Config, consumers map[pipeline.ID]consumer.Logs) error {
		_, err := NewFactory().CreateLogsToLogs(context.Background(), metadatatest.NewSettings(componenttest.NewTelemetry()), cfg, connector.NewLogsRouter(consumers))
		return err
	}

	err := create(&Config{All: []pipeline.ID{filePipeline}},
		map[pipeline.ID]consumer.Logs{filePipeline: sink(), stdoutPipeline: sink()})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "pipeline logs/stdout takes the "+metadata.Type.String()+" connector as receiver but is listed in neither all nor detections")

	err = create(&Config{All: []pipeline.ID{filePipeline}, Detections: []pipeline.ID{stdoutPipeline}},
		map[pipeline.ID]consumer.Logs{filePipeline: sink()})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "detections: ")
	assert.Contains(t, err.Error(), "logs/stdout")
}

// A connector with one list only, which Validate allows, hands every batch
// to it (and, with detections only, just the detections).
func TestOneListOnly(t *testing.T) {
	var file consumertest.LogsSink
	c, _ := newTestConnector(t, &Config{All: []pipeline.ID{filePipeline}}, map[pipeline.ID]consumer.Logs{filePipeline: &file})
	require.NoError(t, c.ConsumeLogs(context.Background(), testLogs()))
	require.Len(t, file.AllLogs(), 1)
	assert.Equal(t, testLogs(), file.AllLogs()[0])

	var stdout consumertest.LogsSink
	c, _ = newTestConnector(t, &Config{Detections: []pipeline.ID{stdoutPipeline}}, map[pipeline.ID]consumer.Logs{stdoutPipeline: &stdout})
	require.NoError(t, c.ConsumeLogs(context.Background(), testLogs()))
	require.Len(t, stdout.AllLogs(), 1)
	assert.Equal(t, wantDetections(), stdout.AllLogs()[0])
}
