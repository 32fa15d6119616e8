package kerneleventsreceiver

import "sync/atomic"

// flushGate lets the flusher skip a tick with nothing to flush. A flush
// wakes the reader's thread out of its wait on the ring, only for it to
// find nothing there and no batch begun: on an idle machine that was every
// tick. The flusher asks due with the ring's backlog; the reader tells
// read for each record it takes from the ring and flushed once it has
// handed on what it held.
//
// The reader learns of a record after the ring counts it consumed, so a
// tick can find the ring empty and the reader not yet holding the record
// it is taking. So a tick that finds the ring empty counts itself before it
// looks at held, and the reader, on the first record it holds after a
// flush, sets held before it looks at that count: if a tick found the ring
// empty since the reader's last flush, it may have missed the record, and
// the reader asks for a flush itself. The record then waits no longer than
// flush_interval; the first record after a quiet spell costs the reader
// one more wake-up, often an empty one.
type flushGate struct {
	held       atomic.Bool   // the reader holds records not yet handed on
	emptyTicks atomic.Uint64 // ticks that found the ring empty, ever

	// the reader's own: whether it set held, and emptyTicks when it last
	// flushed
	holding bool
	seen    uint64
}

// due reports whether the flusher must flush: the ring holds pending
// bytes, or the reader holds records. Otherwise the tick is skipped.
func (g *flushGate) due(pending int) bool {
	if pending > 0 {
		return true
	}
	g.emptyTicks.Add(1) // before held: see flushGate
	return g.held.Load()
}

// read notes a record the reader took from the ring, and reports whether
// it must ask for a flush itself: the first record it holds since its last
// flush, with a tick since then that found the ring empty and so may have
// been skipped without it.
func (g *flushGate) read() bool {
	if g.holding {
		return false
	}
	g.holding = true
	g.held.Store(true) // before emptyTicks: see flushGate
	return g.emptyTicks.Load() != g.seen
}

// flushed notes that the reader handed on everything it held.
func (g *flushGate) flushed() {
	g.holding = false
	g.seen = g.emptyTicks.Load()
	g.held.Store(false)
}
