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
// the reader does that part and hands each event, with its resolved
// resource, to a builder, which writes it into a batcher of its own. All
// events of a process go to the same builder: its records keep their order
// and share a resource within a batch. Records of different processes may
// reach the next consumer in another order than the ring's.
type builders struct {
	workers []builderWorker
	// free holds the chunks no one is filling or writing: the reader waits
	// for one when every builder is behind.
	free chan *chunk
	done sync.WaitGroup
}

// builderWorker is one builder goroutine's: its record writer and batcher,
// the chunks sent to it, and the chunk the reader is filling for it.
type builderWorker struct {
	rb  *recordBuilder
	out *batcher
	in  chan *chunk
	cur *chunk
}

// chunk is a run of events for one builder. The reader sends it when full,
// or with flush set when the source flushes: the builder then queues its
// batch once it has written the chunk's records.
type chunk struct {
	events   []pending
	observed pcommon.Timestamp // when the reader began the chunk
	flush    bool
}

// pending is an event on its way to a builder, with what the reader
// resolved for it in the ring's order.
type pending struct {
	ev   bpf.Event
	def  *catalog.EventDef
	key  resourceKey
	argv []string
}

// chunkEvents is the events per chunk: handing one over costs two channel
// operations, shared by this many records. chunkDepth is how many full
// chunks may wait for each builder.
const (
	chunkEvents = 128
	chunkDepth  = 2
)

// maxBuilders bounds the builders whatever GOMAXPROCS says: with the
// reader's share of the work at about a fifth of a record's, more builders
// than four would wait for it, each holding a partial batch.
const maxBuilders = 4

// builderCount is how many builders a source runs on this machine.
func builderCount() int { return min(runtime.GOMAXPROCS(0), maxBuilders) }

// startBuilders starts n builders writing records as rb does: the first
// into out, the others into siblings of out.
func startBuilders(rb *recordBuilder, out *batcher, n int) *builders {
	bs := &builders{workers: make([]builderWorker, n), free: make(chan *chunk, n*(chunkDepth+2))}
	for range cap(bs.free) {
		bs.free <- &chunk{events: make([]pending, 0, chunkEvents)}
	}
	for i := range bs.workers {
		w := &bs.workers[i]
		w.rb, w.out, w.in = rb.fork(), out, make(chan *chunk, chunkDepth)
		if i > 0 {
			w.out = out.sibling()
		}
		bs.done.Add(1)
		go func() {
			defer bs.done.Done()
			w.run(bs.free)
		}()
	}
	return bs
}

// add hands ev, whose resource the reader resolved as key and argv, to its
// process's builder. ev is swapped with the slot's old event, not copied:
// the decoder reuses that one's buffers for the next read.
func (bs *builders) add(ev *bpf.Event, def *catalog.EventDef, key *resourceKey, argv []string) {
	w := &bs.workers[ev.HostPID%uint32(len(bs.workers))]
	if w.cur == nil {
		w.cur = <-bs.free
		w.cur.observed = observedNow()
	}
	c := w.cur
	c.events = c.events[:len(c.events)+1]
	p := &c.events[len(c.events)-1]
	p.ev, *ev = *ev, p.ev
	p.def, p.key, p.argv = def, *key, argv
	if len(c.events) == cap(c.events) {
		w.in <- c
		w.cur = nil
	}
}

// flush sends every builder what the reader has for it, and has each queue
// its batch after writing it.
func (bs *builders) flush() {
	for i := range bs.workers {
		w := &bs.workers[i]
		if w.cur == nil {
			w.cur = <-bs.free
		}
		w.cur.flush = true
		w.in <- w.cur
		w.cur = nil
	}
}

// stop flushes, and returns once every builder has queued its last batch.
func (bs *builders) stop() {
	bs.flush()
	for i := range bs.workers {
		close(bs.workers[i].in)
	}
	bs.done.Wait()
}

// run writes the records of each chunk sent, then gives the chunk back.
func (w *builderWorker) run(free chan<- *chunk) {
	for c := range w.in {
		for i := range c.events {
			p := &c.events[i]
			w.rb.write(&p.ev, p.def, &p.key, p.argv, w.out, c.observed)
			if w.out.full() {
				w.out.flush()
			}
		}
		if c.flush {
			w.out.flush()
		}
		c.events, c.flush = c.events[:0], false
		free <- c
	}
}
