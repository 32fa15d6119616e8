//go:build !linux

package kerneleventsreceiver

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.uber.org/zap"

	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// ebpfSource is unavailable off Linux; only the replay source works there.
type ebpfSource struct{}

func newEBPFSource(*Config, []*catalog.EventDef, *metadata.TelemetryBuilder, *zap.Logger) source {
	return ebpfSource{}
}

func (ebpfSource) open() error {
	return errors.New("kernelevents: eBPF capture needs Linux; use source: file to replay recorded events")
}
func (ebpfSource) resource(pcommon.Map)          {}
func (ebpfSource) run(context.Context, *batcher) {}
func (ebpfSource) close() error                  { return nil }
