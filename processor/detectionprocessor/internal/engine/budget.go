package engine

import (
	"runtime"
	"sync/atomic"
	"time"
)

// watchTicks is how many times per budget the watchdog looks at its
// worker: an evaluation is cancelled once it has used a budget since the
// watchdog first saw it, so after 1 to 1+1/watchTicks budgets.
const watchTicks = 4

// watch bounds the evaluations of one worker. Timing every evaluation
// (a timer, or even reading the clock) would cost more than many
// evaluations do, so the worker only counts them: seq is odd while one
// runs. A watchdog goroutine looks at seq every budget/watchTicks; an
// evaluation it sees running for a whole budget is cancelled by storing
// its seq in cancelled. topdown polls Cancelled between expressions (and
// in long built-ins such as numbers.range), which then compares the two
// counters; an evaluation that ended meanwhile is never the one cancelled.
//
// The budget is CPU time of the thread the evaluations run on, when the
// worker is bound to one (Worker.Bind), and wall time otherwise. Wall time
// alone would blame a signature for the machine being busy: under the very
// floods a security agent must ride out, a worker left waiting for a CPU
// would have its built-in signatures cancelled, and after max_overruns
// disabled, by anyone able to load the machine.
//
// A watchdog that ticks while its worker has nothing to evaluate costs an
// idle collector more than anything else it does (two workers' ticks were
// about half of its CPU), so after a tick that finds no evaluation since
// the one before, it parks until the next begin wakes it.
type watch struct {
	seq       atomic.Uint64
	cancelled atomic.Uint64
	tid       atomic.Int64 // the bound thread, 0 when unbound
	parked    atomic.Bool  // the watchdog waits on wake, not on its ticker
	wake      chan struct{}
	stop      chan struct{}
	done      chan struct{}
}

func newWatch(budget time.Duration) *watch {
	w := &watch{wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go w.run(budget)
	return w
}

// begin and end bracket one evaluation. begin wakes a parked watchdog: the
// only cost an evaluation pays for parking is the load of parked.
func (w *watch) begin() {
	w.seq.Add(1)
	if w.parked.Load() && w.parked.CompareAndSwap(true, false) {
		w.wake <- struct{}{} // never blocks: one wake per park, and the buffer holds one
	}
}

func (w *watch) end() { w.seq.Add(1) }

// Cancel cancels the running evaluation (topdown.Cancel).
func (w *watch) Cancel() { w.cancelled.Store(w.seq.Load()) }

// Cancelled reports whether the running evaluation was cancelled
// (topdown.Cancel).
func (w *watch) Cancelled() bool { return w.cancelled.Load() == w.seq.Load() }

// bind pins the calling goroutine to its thread, so that the thread's CPU
// time is the evaluations' CPU time, until the returned function is called.
// Where threads have no CPU clock the budget stays wall time.
func (w *watch) bind() (unbind func()) {
	runtime.LockOSThread()
	w.tid.Store(currentThread())
	return func() {
		w.tid.Store(0)
		runtime.UnlockOSThread()
	}
}

// elapsed is the bound thread's CPU time, or the wall clock when unbound.
func (w *watch) elapsed() time.Duration {
	if tid := w.tid.Load(); tid != 0 {
		if d, ok := threadCPUTime(tid); ok {
			return d
		}
	}
	return time.Duration(time.Now().UnixNano())
}

func (w *watch) run(budget time.Duration) {
	defer close(w.done)
	interval := budget / watchTicks
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var running uint64      // the evaluation seen running at the last tick
	var since time.Duration // elapsed() when it was first seen
	var idle uint64         // seq at the last tick that found no evaluation running
	for {
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
		s := w.seq.Load()
		if s%2 == 0 {
			running = 0
			if s == idle {
				tick.Stop()
				if !w.park(s) {
					return
				}
				tick.Reset(interval)
				// the evaluation that woke the watchdog has just begun:
				// its budget starts now, not at the next tick
				if woke := w.seq.Load(); woke%2 == 1 {
					running, since = woke, w.elapsed()
				}
			}
			idle = s
			continue
		}
		now := w.elapsed()
		if s != running {
			running, since = s, now
			continue
		}
		if now-since >= budget {
			w.cancelled.Store(s)
		}
	}
}

// park waits for the begin after seq s, or for stop (it then returns
// false). Parked is set before seq is read again and begin adds to seq
// before reading parked, so of a begin racing with the park at least one
// sees the other: the watchdog does not park, or begin wakes it.
func (w *watch) park(s uint64) bool {
	w.parked.Store(true)
	if w.seq.Load() != s {
		if w.parked.CompareAndSwap(true, false) {
			return true
		}
		// A begin took the park: it has sent, or will send, a wake.
	}
	select {
	case <-w.wake:
		return true
	case <-w.stop:
		return false
	}
}

// close stops the watchdog.
func (w *watch) close() {
	close(w.stop)
	<-w.done
}
