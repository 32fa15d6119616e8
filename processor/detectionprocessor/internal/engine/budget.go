package engine

import (
	"sync/atomic"
	"time"
)

// watchTicks is how many times per budget the watchdog looks at its
// worker: an evaluation is cancelled between 1 and 1+1/watchTicks budgets
// after it began.
const watchTicks = 4

// watch bounds the evaluations of one worker. Timing every evaluation
// (a timer, or even reading the clock) would cost more than many
// evaluations do, so the worker only counts them: seq is odd while one
// runs. A watchdog goroutine looks at seq every budget/watchTicks; an
// evaluation it sees running for a whole budget is cancelled by storing
// its seq in cancelled. topdown polls Cancelled between expressions (and
// in long built-ins such as numbers.range), which then compares the two
// counters; an evaluation that ended meanwhile is never the one cancelled.
type watch struct {
	seq       atomic.Uint64
	cancelled atomic.Uint64
	stop      chan struct{}
	done      chan struct{}
}

func newWatch(budget time.Duration) *watch {
	w := &watch{stop: make(chan struct{}), done: make(chan struct{})}
	go w.run(budget)
	return w
}

// begin and end bracket one evaluation.
func (w *watch) begin() { w.seq.Add(1) }
func (w *watch) end()   { w.seq.Add(1) }

// Cancel cancels the running evaluation (topdown.Cancel).
func (w *watch) Cancel() { w.cancelled.Store(w.seq.Load()) }

// Cancelled reports whether the running evaluation was cancelled
// (topdown.Cancel).
func (w *watch) Cancelled() bool { return w.cancelled.Load() == w.seq.Load() }

func (w *watch) run(budget time.Duration) {
	defer close(w.done)
	tick := time.NewTicker(budget / watchTicks)
	defer tick.Stop()
	var running uint64 // the evaluation seen running at the last tick
	seen := 0          // at how many ticks in a row
	for {
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
		s := w.seq.Load()
		if s%2 == 0 || s != running {
			running, seen = s, 0
			continue
		}
		if seen++; seen == watchTicks {
			w.cancelled.Store(s)
		}
	}
}

// close stops the watchdog.
func (w *watch) close() {
	close(w.stop)
	<-w.done
}
