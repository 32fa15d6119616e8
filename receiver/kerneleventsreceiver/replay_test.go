package kerneleventsreceiver

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/internal/streams"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadatatest"
	"github.com/vigil-sec/vigil/tracee"
)

// collected flattens the records a sink received.
// record is a collected log record with its resource, which describes its
// process.
type record struct {
	plog.LogRecord
	resource pcommon.Resource
}

// attrs looks attributes up as readers of the schema do.
func (r record) attrs() vigil.Attrs { return vigil.AttrsOf(r.LogRecord, r.resource) }

func collected(sink *consumertest.LogsSink) []record {
	var out []record
	for _, logs := range sink.AllLogs() {
		for _, rl := range logs.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					out = append(out, record{lr, rl.Resource()})
				}
			}
		}
	}
	return out
}

// replayToEnd runs a receiver replaying cfg's file into sink until the
// replay has finished, shuts it down, and returns what it logged.
func replayToEnd(t *testing.T, tel *componenttest.Telemetry, cfg *Config, sink consumer.Logs) *observer.ObservedLogs {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	set := metadatatest.NewSettings(tel)
	set.Logger = zap.New(core)
	rcv, err := NewFactory().CreateLogs(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(t, func() bool { return logs.FilterMessage("replay finished").Len() == 1 }, waitLimit, 5*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))
	return logs
}

func TestReplaySourceEmitsRecordsAndCountsBadLines(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })

	cfg := createDefaultConfig().(*Config)
	cfg.Source = SourceFile
	cfg.File.Path = "testdata/replay.jsonl"
	cfg.BatchSize = 2 // three good events: two batches
	sink := new(consumertest.LogsSink)
	rcv, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(tel), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 3 }, waitLimit, 5*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))

	assert.Len(t, sink.AllLogs(), 2)
	// the first batch holds events of two processes: a resource each, with
	// the host and process the events named
	first := sink.AllLogs()[0].ResourceLogs()
	require.Equal(t, 2, first.Len())
	for i, want := range []struct {
		pid  int64
		name string
	}{{1234, "cat"}, {4321, "app"}} {
		res := first.At(i).Resource().Attributes()
		host, _ := res.Get(vigil.AttrHostName)
		assert.Equal(t, "node-1", host.Str(), "resource %d", i)
		pid, _ := res.Get(vigil.AttrProcessPID)
		assert.Equal(t, want.pid, pid.Int(), "resource %d", i)
		name, _ := res.Get(vigil.AttrExecutableName)
		assert.Equal(t, want.name, name.Str(), "resource %d", i)
	}

	recs := collected(sink)
	assert.Equal(t, "kernel.openat", recs[0].EventName())
	path, _ := recs[0].Attributes().Get(vigil.AttrArgPrefix + "pathname")
	assert.Equal(t, "/etc/shadow", path.Str())

	assert.Equal(t, "kernel.ptrace", recs[1].EventName())
	req, _ := recs[1].Attributes().Get(vigil.AttrArgPrefix + "request")
	assert.Equal(t, "PTRACE_TRACEME", req.Str())
	origin, _ := recs[1].attrs().Get(vigil.AttrOrigin)
	assert.Equal(t, vigil.OriginContainer, origin.Str())

	addr, _ := recs[2].Attributes().Get(vigil.AttrArgPrefix + "addr")
	assert.Equal(t, map[string]any{"sa_family": "AF_INET", "sin_addr": "10.0.0.7", "sin_port": "443"}, addr.Map().AsRaw())

	// The non-JSON line and the event without a name are counted, not fatal.
	metadatatest.AssertEqualKerneleventsDecodeErrors(t, tel, []metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualKerneleventsEventsEmitted(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attributeSetFor("openat")},
		{Value: 1, Attributes: attributeSetFor("ptrace")},
		{Value: 1, Attributes: attributeSetFor("connect")},
	}, metricdatatest.IgnoreTimestamp())
}

func TestReplaySkipsOverLongLineAndGoesOn(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })

	good, err := os.ReadFile("testdata/replay.jsonl")
	require.NoError(t, err)
	first, _, _ := strings.Cut(string(good), "\n")
	// valid JSON, a real event, but longer than the limit
	long := strings.Replace(first, `"eventName":`, `"padding":"`+strings.Repeat("p", 200<<10)+`","eventName":`, 1)
	path := filepath.Join(t.TempDir(), "events.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(first+"\n"+long+"\n"+first+"\n"), 0o600))

	cfg := createDefaultConfig().(*Config)
	cfg.Source = SourceFile
	cfg.File.Path = path
	cfg.File.MaxLineBytes = 64 << 10
	require.NoError(t, cfg.Validate())
	sink := new(consumertest.LogsSink)
	logs := replayToEnd(t, tel, cfg, sink)

	assert.Equal(t, 2, sink.LogRecordCount(), "the lines around the long one")
	metadatatest.AssertEqualKerneleventsDecodeErrors(t, tel, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
	skips := logs.FilterMessage("skipping a line longer than file.max_line_bytes").All()
	require.Len(t, skips, 1)
	assert.Equal(t, path, skips[0].ContextMap()["file"])
	assert.Equal(t, int64(2), skips[0].ContextMap()["line"])
}

func TestReplaySkipLogIsRateLimited(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	const bad = 3 * skipLogFirst
	path := filepath.Join(t.TempDir(), "garbage.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(strings.Repeat("not json\n", bad)), 0o600))

	cfg := createDefaultConfig().(*Config)
	cfg.Source = SourceFile
	cfg.File.Path = path
	logs := replayToEnd(t, tel, cfg, new(consumertest.LogsSink))

	metadatatest.AssertEqualKerneleventsDecodeErrors(t, tel, []metricdata.DataPoint[int64]{{Value: bad}}, metricdatatest.IgnoreTimestamp())
	assert.Equal(t, skipLogFirst, logs.FilterMessage("skipping a line that is not a Tracee event").Len(), "logged the first few only")
	assert.Equal(t, int64(bad), logs.FilterMessage("replay finished").All()[0].ContextMap()["skipped"], "the summary counts them all")
}

// TestReplayKeepsTheFileOrder: lines are decoded in parallel chunks (ended
// by their count of lines or of bytes), yet
// the records come in the file's order, every bad line is counted with its
// own line number, and the summary counts every line.
func TestReplayKeepsTheFileOrder(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	good, err := os.ReadFile("testdata/replay.jsonl")
	require.NoError(t, err)
	first, _, _ := strings.Cut(string(good), "\n")
	const events = 5*replayChunkLines + 7
	var file strings.Builder
	badLines := []int64{}
	// some lines long enough that a chunk ends on its bytes, not its lines
	padded := strings.Replace(first, `"eventName":`, `"padding":"`+strings.Repeat("p", replayChunkBytes/4)+`","eventName":`, 1)
	for i := range events {
		line := first
		if i%50 == 0 {
			line = padded
		}
		// each event a timestamp of its own, so the order can be read back
		file.WriteString(strings.Replace(line, `"timestamp":1700000000000000000`, fmt.Sprintf(`"timestamp":%d`, i+1), 1) + "\n")
		if i%300 == 299 {
			file.WriteString("not json\n")
			badLines = append(badLines, int64(i+2+len(badLines)))
		}
	}
	path := filepath.Join(t.TempDir(), "events.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(file.String()), 0o600))

	cfg := createDefaultConfig().(*Config)
	cfg.Source = SourceFile
	cfg.File.Path = path
	sink := new(consumertest.LogsSink)
	logs := replayToEnd(t, tel, cfg, sink)

	recs := collected(sink)
	require.Len(t, recs, events)
	for i, r := range recs {
		require.Equal(t, pcommon.Timestamp(i+1), r.Timestamp(), "record %d", i)
	}
	var skipped []int64
	for _, e := range logs.FilterMessage("skipping a line that is not a Tracee event").All() {
		skipped = append(skipped, e.ContextMap()["line"].(int64))
	}
	assert.Equal(t, badLines, skipped)
	assert.Equal(t, int64(events+len(badLines)), logs.FilterMessage("replay finished").All()[0].ContextMap()["lines"])
}

// blockingSink holds its first batch until release is closed.
type blockingSink struct {
	consumertest.LogsSink
	called  chan struct{}
	release chan struct{}
	once    sync.Once
}

func (s *blockingSink) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	s.once.Do(func() {
		close(s.called)
		<-s.release
	})
	return s.LogsSink.ConsumeLogs(ctx, ld)
}

// TestReplayShutdownMidFile: a shutdown while the reader, the decoders and
// the pipeline are all mid-file returns, with no goroutine left waiting.
func TestReplayShutdownMidFile(t *testing.T) {
	good, err := os.ReadFile("testdata/replay.jsonl")
	require.NoError(t, err)
	first, _, _ := strings.Cut(string(good), "\n")
	path := filepath.Join(t.TempDir(), "events.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(strings.Repeat(first+"\n", 20*replayChunkLines)), 0o600))

	cfg := createDefaultConfig().(*Config)
	cfg.Source = SourceFile
	cfg.File.Path = path
	cfg.BatchSize, cfg.QueueSize = 16, 1
	sink := &blockingSink{called: make(chan struct{}), release: make(chan struct{})}
	rcv, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(componenttest.NewTelemetry()), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	<-sink.called // the pipeline holds a batch: everything upstream fills and waits

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		done <- rcv.Shutdown(ctx)
	}()
	close(sink.release)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(2 * waitLimit):
		t.Fatal("Shutdown did not return")
	}
}

// TestReplayBatchesAsOneBatcherWould: batches are built in parallel, yet
// each holds what one batcher fed the lines in order gives: the same
// records, cut into batches at the same lines (bad ones left out), under
// the same resources, in the same order. On the mixed stream a resource
// holds about one record; on the sessions stream several, found again
// through the batcher's table, where the replay's keys are its chunks'.
func TestReplayBatchesAsOneBatcherWould(t *testing.T) {
	// lines of the recorded streams, enough for several chunks and batches
	few := 3*replayChunkLines + 41
	t.Run("mixed", func(t *testing.T) { replayBatchesAsOneBatcherWould(t, streams.Mixed, few, 37, nil) })
	t.Run("sessions", func(t *testing.T) { replayBatchesAsOneBatcherWould(t, streams.Sessions, few, 37, nil) })
	// A downstream slower than the reader keeps each builder waiting to
	// queue its batch while the reader reuses the chunks given back: the
	// batcher points at the resource keys in a batch's chunks until the
	// batch is queued (replayBatch.build), so a chunk given back sooner
	// would be read into under it.
	t.Run("sessions, slow downstream", func(t *testing.T) {
		slow := &slowSink{pause: 200 * time.Microsecond}
		replayBatchesAsOneBatcherWould(t, streams.Sessions, 30000, 300, slow)
	})
}

// slowSink keeps what it is given, after a pause a batch: a downstream
// slower than the replay.
type slowSink struct {
	consumertest.LogsSink
	pause time.Duration
}

func (s *slowSink) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	time.Sleep(s.pause)
	return s.LogsSink.ConsumeLogs(ctx, ld)
}

// replayBatchesAsOneBatcherWould replays n lines of the stream read returns
// (from its start, again as often as it takes), with bad lines among them,
// into got (one without a pause when nil) in batches of batchSize, and requires the
// batches one batcher given the lines one at a time would send.
func replayBatchesAsOneBatcherWould(t *testing.T, read func() ([]byte, error), n, batchSize int, got *slowSink) {
	stream, err := read()
	require.NoError(t, err)
	lines := bytes.SplitAfter(stream, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 { // after the last newline
		lines = lines[:len(lines)-1]
	}
	var file bytes.Buffer
	for i := range n {
		file.Write(lines[i%len(lines)])
		if i%97 == 5 {
			file.WriteString("not json\n")
		}
	}
	path := filepath.Join(t.TempDir(), "events.jsonl")
	require.NoError(t, os.WriteFile(path, file.Bytes(), 0o600))

	cfg := createDefaultConfig().(*Config)
	cfg.Source = SourceFile
	cfg.File.Path = path
	cfg.BatchSize = batchSize
	if got == nil {
		got = new(slowSink)
	}
	replayToEnd(t, componenttest.NewTelemetry(), cfg, got)

	// the same lines through one batcher, one at a time
	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	want := new(consumertest.LogsSink)
	q := newSendQueue(want, tb, 1024, nil)
	go q.send()
	b := newBatcher(q, cfg.BatchSize, func(pcommon.Map) {})
	var d tracee.Decoder
	for _, line := range bytes.Split(bytes.TrimSuffix(file.Bytes(), []byte("\n")), []byte("\n")) {
		var ev tracee.Event
		if d.Decode(line, &ev) != nil {
			continue
		}
		tracee.RecordFromEvent(&ev, b.add(ev.EventName, &resourceKey{host: ev.HostName, process: ev.Process()}, nil))
		if b.full() {
			b.flush()
		}
	}
	b.flush()
	require.NoError(t, q.drain(context.Background()))

	require.Len(t, got.AllLogs(), len(want.AllLogs()))
	var m plog.ProtoMarshaler
	for i, w := range want.AllLogs() {
		wb, err := m.MarshalLogs(w)
		require.NoError(t, err)
		gb, err := m.MarshalLogs(got.AllLogs()[i])
		require.NoError(t, err)
		require.Equal(t, wb, gb, "batch %d", i)
	}
}

// TestReplayReusesChunksAcrossCollections checks that a chunk and bytes
// given back are what the next ones are read into, even after a
// collection (which emptied the sync.Pools this replaced), and that a
// full list drops what it cannot hold rather than block.
func TestReplayReusesChunksAcrossCollections(t *testing.T) {
	r := newReplayReuse(1)
	c := r.chunk()
	require.Same(t, r, c.reuse)
	c.users.Store(1)
	c.lines = append(c.lines, replayLine{number: 1})
	c.done()
	runtime.GC()
	again := r.chunk()
	require.Same(t, c, again)
	require.Empty(t, again.lines, "a chunk given back is emptied")

	giveBack(r.data, make([]byte, 10, 4096))
	runtime.GC()
	b := r.bytes()
	require.Empty(t, b)
	require.Equal(t, 4096, cap(b))
	require.Equal(t, replayChunkBytes, cap(r.bytes()), "nothing left to reuse: new bytes")

	for range cap(r.chunks) + 1 {
		giveBack(r.chunks, &replayChunk{})
	}
	require.Len(t, r.chunks, cap(r.chunks))
}

// TestChunkLinesAfterReuse: a line added to a chunk given back has its
// own number, bytes and error, whatever the line that held its place
// before: addLine writes those, and leaves the rest to the decoding.
func TestChunkLinesAfterReuse(t *testing.T) {
	r := newReplayReuse(1)
	c := r.chunk()
	c.addLine(1, 0, 10, nil)
	c.addLine(2, 0, 0, errLineTooLong)
	c.users.Store(1)
	c.done()
	again := r.chunk()
	require.Same(t, c, again)
	again.addLine(7, 0, 0, errLineTooLong)
	again.addLine(8, 5, 9, nil)
	require.Len(t, again.lines, 2)
	first, second := again.lines[0], again.lines[1]
	require.Equal(t, 7, first.number)
	require.ErrorIs(t, first.err, errLineTooLong)
	require.Equal(t, [3]int{8, 5, 9}, [3]int{second.number, second.start, second.end})
	require.NoError(t, second.err, "the error of the line before in its place is not kept")
}

// steppingClock is a clock that moves by step at each reading.
type steppingClock struct {
	t    time.Time
	step time.Duration
}

func (c *steppingClock) now() time.Time {
	c.t = c.t.Add(c.step)
	return c.t
}

// replayProgressOf replays path, opened first, then given more (appended
// after the open), with a clock that moves by step at each reading, and
// returns the progress lines logged.
func replayProgressOf(t *testing.T, path string, more []byte, step time.Duration) []observer.LoggedEntry {
	t.Helper()
	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	cfg.Source, cfg.File.Path = SourceFile, path
	core, logs := observer.New(zap.InfoLevel)
	src := newReplaySource(cfg, tb, zap.New(core))
	clock := &steppingClock{t: time.Unix(1e9, 0), step: step}
	src.now = clock.now
	require.NoError(t, src.open())
	defer src.close()
	if len(more) > 0 {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		require.NoError(t, err)
		_, err = f.Write(more)
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
	q := newSendQueue(new(consumertest.LogsSink), tb, 1024, nil)
	go q.send()
	src.run(context.Background(), newBatcher(q, cfg.BatchSize, src.resource))
	require.NoError(t, q.drain(context.Background()))
	require.Equal(t, 1, logs.FilterMessage("replay finished").Len())
	return logs.FilterMessage("replaying").All()
}

// progressLines returns n lines of the mixed stream, every 50th replaced
// by a bad one, and the file's bytes up to the end of each.
func progressLines(t *testing.T, n int) ([]byte, []int64) {
	stream, err := streams.Mixed()
	require.NoError(t, err)
	var file bytes.Buffer
	offsets := make([]int64, n)
	for i, line := range bytes.SplitAfter(stream, []byte("\n"))[:n] {
		if i%50 == 7 {
			line = []byte("not json\n")
		}
		file.Write(line)
		offsets[i] = int64(file.Len())
	}
	return file.Bytes(), offsets
}

// TestReplayLogsItsProgress: at most once per progress interval, with the
// lines read and skipped so far, the share of the file read and the lines
// per second since the line before; the clock is the test's.
func TestReplayLogsItsProgress(t *testing.T) {
	const n = 4*replayChunkLines + 100 // five chunks
	file, offsets := progressLines(t, n)
	path := filepath.Join(t.TempDir(), "events.jsonl")
	require.NoError(t, os.WriteFile(path, file, 0o600))

	// 6 s a chunk against 10 s between lines: the second and fourth log
	progress := replayProgressOf(t, path, nil, 6*time.Second)
	require.Len(t, progress, 2)
	for i, lines := range []int{2 * replayChunkLines, 4 * replayChunkLines} {
		skipped := (lines + 50 - 1 - 7) / 50 // lines i%50 == 7 below lines
		assert.Equal(t, map[string]any{
			"file":             path,
			"lines":            int64(lines),
			"skipped":          int64(skipped),
			"percent_read":     math.Round(1000*float64(offsets[lines-1])/float64(len(file))) / 10,
			"lines_per_second": int64(math.Round(float64(2*replayChunkLines) / 12)),
		}, progress[i].ContextMap(), "progress line %d", i+1)
		assert.Equal(t, zap.InfoLevel, progress[i].Level)
	}
}

// TestReplayProgressOfAGrowingFile: lines past the size the file had when
// it was opened are logged without a share of it.
func TestReplayProgressOfAGrowingFile(t *testing.T) {
	file, offsets := progressLines(t, 2*replayChunkLines+50)
	opened := offsets[replayChunkLines+43] // within the second chunk
	path := filepath.Join(t.TempDir(), "events.jsonl")
	require.NoError(t, os.WriteFile(path, file[:opened], 0o600))

	// 10 s a chunk: each logs
	progress := replayProgressOf(t, path, file[opened:], 10*time.Second)
	require.Len(t, progress, 3)
	assert.Equal(t, math.Round(1000*float64(offsets[replayChunkLines-1])/float64(opened))/10, progress[0].ContextMap()["percent_read"],
		"the first chunk ends within the size at open")
	for i, lines := range []int{replayChunkLines, 50} {
		p := progress[i+1].ContextMap()
		assert.NotContains(t, p, "percent_read", "past the size at open")
		assert.Equal(t, int64(math.Round(float64(lines)/10)), p["lines_per_second"])
	}
	assert.Equal(t, int64(2*replayChunkLines+50), progress[2].ContextMap()["lines"])
}
