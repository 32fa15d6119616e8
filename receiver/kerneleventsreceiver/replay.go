package kerneleventsreceiver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
	"github.com/vigil-sec/vigil/tracee"
)

// replaySource reads Tracee v0.22.6 JSON events, one per line, and emits the
// same records the eBPF source would: both write them with a
// vigil.RecordWriter. What a trace.Event has no field for is absent (the
// host's id, arch and OS, the process's argv), and a record's observed time
// is the event's. It reads the file once, to its end.
type replaySource struct {
	path         string
	maxLineBytes int
	telemetry    *metadata.TelemetryBuilder
	logger       *zap.Logger
	// skipLogger is logger rate-limited: a file of bad lines would
	// otherwise log each of them. Every skip is counted all the same.
	skipLogger *zap.Logger
	// now and progressEvery pace the progress lines (see replayProgress):
	// time.Now and progressLogTick but in tests.
	now           func() time.Time
	progressEvery time.Duration

	mu   sync.Mutex
	file *os.File
	// size is the file's at open, -1 when not known (not a regular file).
	size int64
}

// Skipped lines are logged at most skipLogFirst times per skipLogTick for
// each reason; the decode_errors metric and the final log line count all.
const (
	skipLogTick  = 10 * time.Second
	skipLogFirst = 10
)

// progressLogTick is the least time between two progress lines.
const progressLogTick = 10 * time.Second

func newReplaySource(cfg *Config, tb *metadata.TelemetryBuilder, logger *zap.Logger) *replaySource {
	skipLogger := logger.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return zapcore.NewSamplerWithOptions(c, skipLogTick, skipLogFirst, 0)
	}))
	return &replaySource{path: cfg.File.Path, maxLineBytes: cfg.File.MaxLineBytes, telemetry: tb, logger: logger, skipLogger: skipLogger,
		now: time.Now, progressEvery: progressLogTick}
}

func (s *replaySource) open() error {
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("kernelevents: file.path: %w", err)
	}
	size := int64(-1)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	s.mu.Lock()
	s.file, s.size = f, size
	s.mu.Unlock()
	return nil
}

// resource is empty: each resource takes the host its events name.
func (s *replaySource) resource(pcommon.Map) {}

// Lines are decoded in chunks of replayChunkLines, or fewer lines that fit
// in replayChunkBytes (a longer line grows them), by one worker per CPU,
// and emitted in the file's order. The bytes bound the memory in flight: a
// chunk's bytes are held from its reading to its decoding only, which two
// chunks per CPU and one being read may be at once, each of 1 MiB or twice
// a line (file.max_line_bytes) at most.
const (
	replayChunkLines = 256
	replayChunkBytes = 1 << 20
)

// replayChunk is a run of consecutive lines of the file: read by the
// reader goroutine, decoded by a worker, cut into batches by run, and its
// records moved into them by the builders.
type replayChunk struct {
	data  []byte // the lines' bytes, one after another, until decoded
	lines []replayLine
	// read is the number of the last line read, empty ones included;
	// readErr stopped the reading there; offset is the bytes of the file
	// up to the end of that line.
	read    int
	offset  int64
	readErr error
	decoded chan struct{}
	// records holds the record of lines[i] at i. A builder moves each
	// into its batch, the record itself rather than its content, and puts
	// an empty one in its place: the next lines the chunk carries are
	// written into those.
	records plog.LogRecordSlice
	// users are run and the batches holding lines of the chunk: the last
	// one done with it gives it back to reuse.
	users atomic.Int32
	reuse *replayReuse
}

// replayLine is a non-empty line of a chunk, or one read past. A worker
// decodes it and writes its record, which a builder only moves into its
// batch: the batch's order is the file's.
type replayLine struct {
	number     int
	start, end int   // its bytes in the chunk's data
	err        error // errLineTooLong, or why it did not decode
	name       string
	resource   resourceKey
}

// replayReuse holds the chunks, and the chunks' bytes, that a run is done
// with, for the next ones to be read into. Not sync.Pools: a pool is
// emptied at every collection, which comes every few tens of thousands of
// lines here, and each chunk's arrays then grew again by append (76 bytes
// a line, 3.5% of what a line allocated). Bounded (16 chunks a worker,
// more than batches of the default batch_size hold at once, and the bytes
// of the chunks that can wait to be decoded): a chunk or bytes that find
// a list full are left to the collector, as are the lists when the run
// ends.
type replayReuse struct {
	chunks chan *replayChunk
	data   chan []byte
}

func newReplayReuse(workers int) *replayReuse {
	return &replayReuse{chunks: make(chan *replayChunk, 16*workers), data: make(chan []byte, 2*workers+2)}
}

// chunk returns an empty chunk.
func (r *replayReuse) chunk() *replayChunk {
	select {
	case c := <-r.chunks:
		return c
	default:
		return &replayChunk{records: plog.NewLogRecordSlice(), reuse: r}
	}
}

// bytes returns an empty slice to read a chunk's lines into.
func (r *replayReuse) bytes() []byte {
	select {
	case b := <-r.data:
		return b[:0]
	default:
		return make([]byte, 0, replayChunkBytes)
	}
}

// giveBack puts v in list for reuse, unless list is full.
func giveBack[T any](list chan T, v T) {
	select {
	case list <- v:
	default:
	}
}

// replayBatch is the lines of one batch, in the file's order: run cuts
// them where the batcher would (batch_size records, bad lines left out), a
// builder moves their records into a batcher of its own, so that batches
// are built in parallel, and queues the batch once the one before it is
// queued.
type replayBatch struct {
	spans   []replaySpan
	records int
	prev    <-chan struct{} // closed once the batch before is queued
	queued  chan struct{}
}

// replaySpan is lines[from:to] of c, whose good ones are in the batch.
type replaySpan struct {
	c        *replayChunk
	from, to int
}

func newReplayBatch(prev <-chan struct{}) *replayBatch {
	return &replayBatch{prev: prev, queued: make(chan struct{})}
}

// add puts line i of c into the batch.
func (j *replayBatch) add(c *replayChunk, i int) {
	j.records++
	if n := len(j.spans); n > 0 && j.spans[n-1].c == c {
		j.spans[n-1].to = i + 1
		return
	}
	c.users.Add(1)
	j.spans = append(j.spans, replaySpan{c: c, from: i, to: i + 1})
}

// build moves the batch's records into b, in order, and queues the batch
// after the one before it. The chunks are given back once it is queued:
// b points at their lines' resource keys until then (see batcher.move).
func (j *replayBatch) build(b *batcher) {
	for _, sp := range j.spans {
		for i := sp.from; i < sp.to; i++ {
			if l := &sp.c.lines[i]; l.err == nil {
				b.move(l.name, &l.resource, sp.c.records, i)
			}
		}
	}
	<-j.prev
	b.flush()
	for _, sp := range j.spans {
		sp.c.done()
	}
	close(j.queued)
}

func (s *replaySource) run(ctx context.Context, out *batcher) {
	ctx, cancel := context.WithCancel(ctx)
	var goroutines, builders sync.WaitGroup
	// run stops the reader and the workers before returning, whatever
	// ends it
	defer goroutines.Wait()
	defer cancel()

	workers := runtime.GOMAXPROCS(0)
	toDecode := make(chan *replayChunk, workers)
	inOrder := make(chan *replayChunk, 2*workers)
	toBuild := make(chan *replayBatch)
	goroutines.Add(1 + workers)
	go func() {
		defer goroutines.Done()
		s.read(ctx, newReplayReuse(workers), toDecode, inOrder)
	}()
	for range workers {
		go func() {
			defer goroutines.Done()
			var d tracee.Decoder
			var w vigil.RecordWriter
			// the writer is given the decoder's strings only
			w.TrustUTF8()
			for c := range toDecode {
				decodeChunk(&d, &w, c)
			}
		}()
	}
	// the builders' batchers are out's siblings; out itself stays empty
	builders.Add(workers)
	for range workers {
		go func() {
			defer builders.Done()
			b := out.sibling()
			b.validUTF8 = true // its keys' processes are the decoder's
			for j := range toBuild {
				j.build(b)
			}
		}()
	}

	first := make(chan struct{})
	close(first)
	batch := newReplayBatch(first)
	lines, skipped := 0, 0
	progress := replayProgress{logger: s.logger, path: s.path, size: s.size, now: s.now, every: s.progressEvery, last: s.now()}
	skip := func(line int, msg string, err error) {
		skipped++
		s.telemetry.KerneleventsDecodeErrors.Add(ctx, 1)
		s.skipLogger.Warn(msg, zap.String("file", s.path), zap.Int("line", line), zap.Error(err))
	}
	var readErr error
	for c := range inOrder {
		<-c.decoded
		c.users.Store(1) // run's, while it cuts the chunk
		for i := range c.lines {
			l := &c.lines[i]
			switch {
			case errors.Is(l.err, errLineTooLong):
				skip(l.number, "skipping a line longer than file.max_line_bytes", l.err)
			case l.err != nil:
				skip(l.number, "skipping a line that is not a Tracee event", l.err)
			default:
				batch.add(c, i)
				if batch.records >= out.size {
					toBuild <- batch
					batch = newReplayBatch(batch.queued)
				}
			}
		}
		lines, readErr = c.read, c.readErr
		progress.update(lines, skipped, c.offset)
		c.done()
		if readErr != nil || ctx.Err() != nil {
			break
		}
	}
	if batch.records > 0 {
		toBuild <- batch
	}
	close(toBuild)
	builders.Wait()
	switch {
	case readErr != nil && ctx.Err() == nil:
		s.logger.Error("stopped replaying", zap.String("file", s.path), zap.Int("line", lines), zap.Error(readErr))
	case readErr == nil && ctx.Err() == nil:
		s.logger.Info("replay finished", zap.String("file", s.path), zap.Int("lines", lines), zap.Int("skipped", skipped))
	}
}

// replayProgress logs how far a replay has gone, at most once per every, so
// that a user of a long one sees it working and can tell when it will end.
type replayProgress struct {
	logger *zap.Logger
	path   string
	size   int64 // the file's at open, -1 when not known
	now    func() time.Time
	every  time.Duration
	// last is when the last line was logged (the replay's start before
	// the first), and lastLines the lines read then.
	last      time.Time
	lastLines int
}

// update logs the lines read and skipped so far, and offset, the bytes
// they took, as a share of the file's size, if every has passed since the
// last line. The share is left out where the size is not known or the
// file has grown past it since it was opened.
func (p *replayProgress) update(lines, skipped int, offset int64) {
	t := p.now()
	elapsed := t.Sub(p.last)
	if elapsed < p.every {
		return
	}
	fields := []zap.Field{zap.String("file", p.path), zap.Int("lines", lines), zap.Int("skipped", skipped)}
	if p.size > 0 && offset <= p.size {
		fields = append(fields, zap.Float64("percent_read", math.Round(1000*float64(offset)/float64(p.size))/10))
	}
	fields = append(fields, zap.Int64("lines_per_second", int64(math.Round(float64(lines-p.lastLines)/elapsed.Seconds()))))
	p.logger.Info("replaying", fields...)
	p.last, p.lastLines = t, lines
}

// read reads the file in chunks, each sent to be decoded and, in the file's
// order, to be emitted, until its end, an error, or ctx's end.
func (s *replaySource) read(ctx context.Context, free *replayReuse, toDecode, inOrder chan<- *replayChunk) {
	defer close(toDecode)
	defer close(inOrder)
	lines := newLineReader(s.file, s.maxLineBytes)
	number := 0
	for ctx.Err() == nil {
		c := free.chunk()
		c.decoded = make(chan struct{})
		lines.use(free.bytes())
		eof := false
		for len(c.lines) < replayChunkLines {
			start, end, err := lines.next()
			if err == errBufferFull {
				break
			}
			if err == io.EOF {
				eof = true
				break
			}
			number++
			switch {
			case errors.Is(err, errLineTooLong):
				c.addLine(number, 0, 0, err)
				continue
			case err != nil:
				c.readErr = err
			case end > start:
				c.addLine(number, start, end, nil)
				continue
			default: // an empty line
				continue
			}
			break
		}
		// the lines past the chunk's, if any, are copied from these
		// bytes to the next chunk's, which only reads them
		c.data = lines.buf
		c.read, c.offset = number, lines.consumed
		done := eof || c.readErr != nil
		// to the workers first: a chunk run waits for is always being
		// decoded, even if ctx ends before it is queued for run
		for _, to := range []chan<- *replayChunk{toDecode, inOrder} {
			select {
			case to <- c:
			case <-ctx.Done():
				return
			}
		}
		if done {
			return
		}
	}
}

// addLine appends line number, its bytes data[start:end], or err. Only
// these fields are written: its name and resource key, what a line of
// the chunk's earlier use may have left there, are written by its
// decoding, and not read if it has an error. (Appended whole, the line's
// 330 bytes were written again, each of their pointers behind a write
// barrier while the collector marks.)
func (c *replayChunk) addLine(number, start, end int, err error) {
	if len(c.lines) == cap(c.lines) {
		c.lines = append(c.lines, replayLine{})
	} else {
		c.lines = c.lines[:len(c.lines)+1]
	}
	l := &c.lines[len(c.lines)-1]
	l.number, l.start, l.end, l.err = number, start, end, err
}

// decodeChunk writes the records of the lines of c that were read whole,
// with the worker's decoder and writer, and gives its bytes back for
// another chunk to be read into: the records do not point into them.
func decodeChunk(d *tracee.Decoder, w *vigil.RecordWriter, c *replayChunk) {
	defer close(c.decoded)
	for c.records.Len() < len(c.lines) {
		c.records.AppendEmpty()
	}
	data := c.data
	var ev tracee.Event
	for i := range c.lines {
		l := &c.lines[i]
		if l.err != nil {
			continue
		}
		if err := d.Decode(data[l.start:l.end], &ev); err != nil {
			l.err = err
			continue
		}
		if ev.EventName == "" {
			l.err = errors.New("no eventName")
			continue
		}
		// field by field, into the line: a key built whole would be a
		// temporary of some 280 bytes, copied in
		l.name, l.resource.host, l.resource.argv = ev.EventName, ev.HostName, nil
		l.resource.process = ev.Process()
		tracee.WriteRecord(w, &ev, c.records.At(i))
	}
	// bytes grown for a long line are not kept: file.max_line_bytes may
	// be up to 256 MiB
	if cap(c.data) <= 2*replayChunkBytes {
		giveBack(c.reuse.data, c.data)
	}
	c.data = nil
}

// done is called by each user of c once it is done with it: the last
// gives c back for reuse, its records moved into their batches, which
// leaves them empty.
func (c *replayChunk) done() {
	if c.users.Add(-1) == 0 {
		c.lines, c.readErr = c.lines[:0], nil
		giveBack(c.reuse.chunks, c)
	}
}

func (s *replaySource) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file = nil
	return err
}
