//go:build !linux

package kerneleventsreceiver

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.uber.org/zap"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// ebpfSource is unavailable off Linux; only the replay source works there.
type ebpfSource struct{}

func newEBPFSource(*Config, []*vigil.EventDef, *metadata.TelemetryBuilder, *zap.Logger) source {
	return ebpfSource{}
}

func (ebpfSource) open() error {
	return errors.New("kernelevents: eBPF capture needs Linux; use source: file to replay recorded events")
}
func (ebpfSource) resource(pcommon.Map)          {}
func (ebpfSource) run(context.Context, *batcher) {}
func (ebpfSource) close() error                  { return nil }
