package kerneleventsreceiver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

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

	mu   sync.Mutex
	file *os.File
}

// Skipped lines are logged at most skipLogFirst times per skipLogTick for
// each reason; the decode_errors metric and the final log line count all.
const (
	skipLogTick  = 10 * time.Second
	skipLogFirst = 10
)

func newReplaySource(cfg *Config, tb *metadata.TelemetryBuilder, logger *zap.Logger) *replaySource {
	skipLogger := logger.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return zapcore.NewSamplerWithOptions(c, skipLogTick, skipLogFirst, 0)
	}))
	return &replaySource{path: cfg.File.Path, maxLineBytes: cfg.File.MaxLineBytes, telemetry: tb, logger: logger, skipLogger: skipLogger}
}

func (s *replaySource) open() error {
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("kernelevents: file.path: %w", err)
	}
	s.mu.Lock()
	s.file = f
	s.mu.Unlock()
	return nil
}

// resource is empty: each resource takes the host its events name.
func (s *replaySource) resource(pcommon.Map) {}

func (s *replaySource) run(ctx context.Context, out *batcher) {
	defer out.flush()
	lines := newLineReader(s.file, s.maxLineBytes)
	line, skipped := 0, 0
	skip := func(msg string, err error) {
		skipped++
		s.telemetry.KerneleventsDecodeErrors.Add(ctx, 1)
		s.skipLogger.Warn(msg, zap.String("file", s.path), zap.Int("line", line), zap.Error(err))
	}
	for ctx.Err() == nil {
		raw, err := lines.next()
		if err == io.EOF {
			break
		}
		line++
		switch {
		case errors.Is(err, errLineTooLong):
			skip("skipping a line longer than file.max_line_bytes", err)
			continue
		case err != nil:
			if ctx.Err() == nil {
				s.logger.Error("stopped replaying", zap.String("file", s.path), zap.Int("line", line), zap.Error(err))
			}
			return
		case len(raw) == 0:
			continue
		}
		var ev tracee.Event
		if err := json.Unmarshal(raw, &ev); err != nil || ev.EventName == "" {
			if err == nil {
				err = fmt.Errorf("no eventName")
			}
			skip("skipping a line that is not a Tracee event", err)
			continue
		}
		tracee.RecordFromEvent(&ev, out.add(ev.EventName, &resourceKey{host: ev.HostName, process: ev.Process()}, nil))
		if out.full() {
			out.flush()
		}
	}
	s.logger.Info("replay finished", zap.String("file", s.path), zap.Int("lines", line), zap.Int("skipped", skipped))
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
