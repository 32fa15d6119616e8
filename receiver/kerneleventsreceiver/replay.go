package kerneleventsreceiver

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.uber.org/zap"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// maxReplayLine bounds one JSON event; Tracee events with full argv and env
// stay well below it.
const maxReplayLine = 4 << 20

// replaySource reads Tracee v0.22.6 JSON events, one per line, and emits the
// same records the eBPF source would. It reads the file once, to its end.
type replaySource struct {
	path      string
	telemetry *metadata.TelemetryBuilder
	logger    *zap.Logger

	mu   sync.Mutex
	file *os.File
}

func newReplaySource(cfg *Config, tb *metadata.TelemetryBuilder, logger *zap.Logger) *replaySource {
	return &replaySource{path: cfg.File.Path, telemetry: tb, logger: logger}
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
	sc := bufio.NewScanner(s.file)
	sc.Buffer(make([]byte, 0, 64<<10), maxReplayLine)
	line := 0
	for sc.Scan() {
		line++
		if ctx.Err() != nil {
			return
		}
		raw := sc.Bytes()
		if len(raw) == 0 {
			continue
		}
		var ev vigil.TraceeEvent
		if err := json.Unmarshal(raw, &ev); err != nil || ev.EventName == "" {
			if err == nil {
				err = fmt.Errorf("no eventName")
			}
			s.telemetry.KerneleventsDecodeErrors.Add(ctx, 1)
			s.logger.Warn("skipping a line that is not a Tracee event", zap.String("file", s.path), zap.Int("line", line), zap.Error(err))
			continue
		}
		vigil.RecordFromTraceeEvent(&ev, out.add(ev.EventName, &resourceKey{host: ev.HostName, process: ev.Process()}, nil))
		if out.full() {
			out.flush()
		}
	}
	if err := sc.Err(); err != nil && ctx.Err() == nil {
		s.telemetry.KerneleventsDecodeErrors.Add(ctx, 1)
		s.logger.Error("stopped replaying", zap.String("file", s.path), zap.Int("line", line+1), zap.Error(err))
	}
	s.logger.Info("replay finished", zap.String("file", s.path), zap.Int("lines", line))
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
