package kerneleventsreceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFlushGateSkipsTicksWithNothingToFlush(t *testing.T) {
	var g flushGate
	for range 3 {
		assert.False(t, g.due(0), "an empty ring and nothing held: the reader is left asleep")
	}
	assert.True(t, g.due(1), "records pending in the ring")
}

func TestFlushGateFlushesWhatTheReaderHolds(t *testing.T) {
	var g flushGate
	g.flushed() // a flush before: the ticks since are counted from it
	assert.False(t, g.read(), "no tick since the last flush found the ring empty")
	assert.True(t, g.due(0), "the ring is empty, but the reader holds a record")
	g.flushed()
	assert.False(t, g.due(0), "everything handed on")
}

// A tick can find the ring empty just after the reader took a record from
// it and before the reader marks it held: the tick is skipped, and the
// reader must flush the record itself, or it would wait a tick longer.
func TestFlushGateReaderFlushesARecordATickMissed(t *testing.T) {
	var g flushGate
	g.flushed()
	// the reader took the record (the ring is empty now) ...
	assert.False(t, g.due(0), "the tick sees an empty ring and nothing held")
	// ... and marks it held only now
	assert.True(t, g.read(), "the reader asks for the flush the tick skipped")
	assert.False(t, g.read(), "once per flush")
	g.flushed()
	assert.False(t, g.due(0))
}

// A steady trickle, with records in the ring at every tick, costs no flush
// besides the ticks'.
func TestFlushGateTrickleNeedsNoExtraFlush(t *testing.T) {
	var g flushGate
	g.flushed()
	for range 5 {
		assert.False(t, g.read(), "no tick found the ring empty")
		assert.False(t, g.read())
		assert.True(t, g.due(4096))
		g.flushed()
	}
}
