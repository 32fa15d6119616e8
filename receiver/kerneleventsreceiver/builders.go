package kerneleventsreceiver

import (
	"runtime"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/vigil-sec/vigil/bpf"
	"github.com/vigil-sec/vigil/catalog"
)

// builders spread the writing of records over goroutines. Writing a record
// into pdata is most of the reader's work (an allocation per attribute
// value); reading and decoding the ring, keeping the process tree and
// resolving resources is the rest, and must stay in the ring's order: an
// exec later in the ring must not rename an earlier record's process. So
// the reader does that part, and collects the events of a batch, each with
// its resolved resource, into a chunk; the builders take the chunks in
// turn, each writing a whole batch into a batcher of its own, and queue the
// batches in the order the reader made them. The batches are the ones one
// goroutine would make: the same records, in the ring's order, grouped by
// resource the same way; a flood from one process is spread as well as
// events of many.
type builders struct {
	workers []builderWorker
	next    int    // the builder of the next chunk
	cur     *chunk // the chunk being filled
	size    int    // events per chunk: the batch size
	// free holds the chunks no one is filling or writing; made counts
	// those allocated, up to cap(free): the reader then waits for one.
	free chan *chunk
	made int
	done sync.WaitGroup
}

// builderWorker is one builder goroutine's: its record writer and batcher,
// the chunks sent to it, and its turn to queue a batch, which it passes to
// the next builder after queueing.
type builderWorker struct {
	rb   *recordBuilder
	out  *batcher
	in   chan *chunk
	turn chan struct{}
}

// chunk is the events of one batch.
type chunk struct {
	events []pending
	// resources holds what the reader resolved for the events, once for
	// each run of events of one resource: a resource key is most of an
	// event's bytes, and a burst from one process would copy it for each.
	resources []resolved
	observed  pcommon.Timestamp // when the reader began the batch
}

// pending is an event on its way to a builder, and the index in its
// chunk's resources of what the reader resolved for it in the ring's
// order.
type pending struct {
	ev       bpf.Event
	def      *catalog.EventDef
	resource int
}

// resolved is an event's resource key and argv, as resourceOf returns
// them.
type resolved struct {
	key  resourceKey
	argv []string
}

// chunkDepth is how many chunks may wait for each builder, besides the one
// it writes.
const chunkDepth = 1

// maxBuilders bounds the builders whatever GOMAXPROCS says: the reader's
// share of a record's CPU is about a quarter (docs/performance.md), so
// more builders than four would wait for it, each holding a batch's
// events.
const maxBuilders = 4

// builderCount is how many builders a source runs on this machine.
func builderCount() int { return min(runtime.GOMAXPROCS(0), maxBuilders) }

// startBuilders starts n builders writing records as rb does: the first
// into out, the others into siblings of out.
func startBuilders(rb *recordBuilder, out *batcher, n int) *builders {
	bs := &builders{
		workers: make([]builderWorker, n),
		size:    out.size,
		// the reader's chunk, and each builder's, and those waiting
		free: make(chan *chunk, 1+n*(1+chunkDepth)),
	}
	for i := range bs.workers {
		w := &bs.workers[i]
		w.rb, w.out = rb.fork(), out
		if i > 0 {
			w.out = out.sibling()
		}
		w.in, w.turn = make(chan *chunk, chunkDepth), make(chan struct{}, 1)
	}
	bs.workers[0].turn <- struct{}{}
	for i := range bs.workers {
		bs.done.Add(1)
		go func() {
			defer bs.done.Done()
			bs.workers[i].run(bs.free, bs.workers[(i+1)%n].turn)
		}()
	}
	return bs
}

// add puts ev, whose resource the reader resolved as key and argv, into
// the current batch, and hands the batch to the next builder when full. ev
// is swapped with the slot's old event, not copied: the decoder reuses that
// one's buffers for the next read.
func (bs *builders) add(ev *bpf.Event, def *catalog.EventDef, key *resourceKey, argv []string) {
	if bs.cur == nil {
		bs.cur = bs.chunk()
		bs.cur.observed = observedNow()
	}
	c := bs.cur
	if len(c.events) < cap(c.events) {
		c.events = c.events[:len(c.events)+1]
	} else {
		c.events = append(c.events, pending{})
	}
	// equal keys carry the same argv: the key holds its first element
	if n := len(c.resources); n == 0 || c.resources[n-1].key != *key {
		c.resources = append(c.resources, resolved{*key, argv})
	}
	p := &c.events[len(c.events)-1]
	p.ev, *ev = *ev, p.ev
	p.def, p.resource = def, len(c.resources)-1
	if len(c.events) >= bs.size {
		bs.flush()
	}
}

// chunk returns a free chunk, a new one while fewer than cap(free) exist.
func (bs *builders) chunk() *chunk {
	select {
	case c := <-bs.free:
		return c
	default:
	}
	if bs.made < cap(bs.free) {
		bs.made++
		return &chunk{}
	}
	return <-bs.free
}

// flush hands the current batch, if any, to the next builder.
func (bs *builders) flush() {
	if bs.cur == nil {
		return
	}
	bs.workers[bs.next].in <- bs.cur
	bs.next = (bs.next + 1) % len(bs.workers)
	bs.cur = nil
}

// stop flushes, and returns once every builder has queued its last batch.
func (bs *builders) stop() {
	bs.flush()
	for i := range bs.workers {
		close(bs.workers[i].in)
	}
	bs.done.Wait()
}

// run writes each chunk sent into a batch, queues the batch in its turn,
// passes the turn to next and gives the chunk back.
func (w *builderWorker) run(free chan<- *chunk, next chan<- struct{}) {
	for c := range w.in {
		for i := range c.events {
			p := &c.events[i]
			r := &c.resources[p.resource]
			w.rb.write(&p.ev, p.def, &r.key, r.argv, w.out, c.observed)
		}
		<-w.turn
		w.out.flush()
		next <- struct{}{}
		c.events = c.events[:0]
		// the keys' strings and ancestries are not kept past their batch
		clear(c.resources)
		c.resources = c.resources[:0]
		free <- c
	}
}
