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
// value); reading the ring, keeping the process tree and resolving
// resources is the rest, and must stay in the ring's order: an exec later
// in the ring must not rename an earlier record's process. So the reader
// does that part, from the records' headers (and the arguments of the
// events that change the tree), and collects the records of a batch, their
// bytes as read and each one's resolved resource, into a chunk; the
// builders take the chunks in turn, each decoding the arguments and
// writing a whole batch into a batcher of its own, and queue the batches
// in the order the reader made them. The batches are the ones one
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
// the next builder after queueing. malformed counts a record whose
// arguments do not decode, which it leaves out.
type builderWorker struct {
	rb        *recordBuilder
	out       *batcher
	in        chan *chunk
	turn      chan struct{}
	malformed func()
}

// chunk is the events of one batch.
type chunk struct {
	// raw holds the bytes of the records read from the ring, one after
	// another: copying them is cheaper for the reader than decoding their
	// arguments, which the builder does.
	raw    []byte
	events []pending
	// resources holds what the reader resolved for the events, once for
	// each run of events of one resource: a resource key is most of an
	// event's bytes, and a burst from one process would copy it for each.
	resources []resolved
	observed  pcommon.Timestamp // when the reader began the batch
}

// pending is an event on its way to a builder: a record in its chunk's
// raw bytes, from start to end, or an event the reader made (built, as
// container_create), and the index in its chunk's resources of what the
// reader resolved for it in the ring's order.
type pending struct {
	start, end int
	built      *bpf.Event
	def        *catalog.EventDef
	resource   int
}

// resolved is an event's resource key and argv, as resourceOf returns
// them.
type resolved struct {
	key  resourceKey
	argv []string
}

// maxChunkBytes bounds the records' bytes a chunk keeps room for
// between batches: 1024 records of a few hundred bytes, the usual batch.
const maxChunkBytes = 1 << 20

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
// into out, the others into siblings of out. malformed is called, from
// the builders, for each record left out because its arguments do not
// decode.
func startBuilders(rb *recordBuilder, out *batcher, n int, malformed func()) *builders {
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
		w.in, w.turn, w.malformed = make(chan *chunk, chunkDepth), make(chan struct{}, 1), malformed
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

// add puts a record read from the ring, raw, whose resource the reader
// resolved as key and argv, into the current batch, and hands the batch to
// the next builder when full. raw is copied; its arguments are decoded by
// the builder. A nil key is the previous add's key and argv, which the
// record then joins without comparing keys: only while that add's batch is
// being filled (filling).
func (bs *builders) add(raw []byte, def *catalog.EventDef, key *resourceKey, argv []string) {
	c := bs.slot(def, key, argv)
	p := &c.events[len(c.events)-1]
	// a slot reused from an earlier batch may have held an event the
	// reader made (see run, which clears those): a load, and a store only
	// then, so that this record is never taken for that event
	if p.built != nil {
		p.built = nil
	}
	p.start = len(c.raw)
	c.raw = append(c.raw, raw...)
	p.end = len(c.raw)
	bs.flushIfFull()
}

// addEvent is add for an event the reader made rather than read; ev is
// kept, not copied.
func (bs *builders) addEvent(ev *bpf.Event, def *catalog.EventDef, key *resourceKey, argv []string) {
	c := bs.slot(def, key, argv)
	c.events[len(c.events)-1].built = ev
	bs.flushIfFull()
}

// slot appends an event of def to the current batch, under key's
// resource (nil: the previous one's), and returns the batch.
func (bs *builders) slot(def *catalog.EventDef, key *resourceKey, argv []string) *chunk {
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
	// equal keys carry the same argv: the key holds its first element.
	// A nil key joins the batch's last resource, the previous add's.
	if n := len(c.resources); key != nil && (n == 0 || c.resources[n-1].key != *key) {
		c.resources = append(c.resources, resolved{*key, argv})
	}
	p := &c.events[len(c.events)-1]
	p.def, p.resource = def, len(c.resources)-1
	return c
}

func (bs *builders) flushIfFull() {
	if len(bs.cur.events) >= bs.size {
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

// filling reports whether a batch is being filled: the next add joins it.
func (bs *builders) filling() bool { return bs.cur != nil }

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
	var decoded bpf.Event // reused: the decoder keeps its buffers
	for c := range w.in {
		for i := range c.events {
			p := &c.events[i]
			ev := p.built
			if ev == nil {
				if err := bpf.Decode(c.raw[p.start:p.end], &decoded); err != nil {
					w.malformed()
					continue
				}
				ev = &decoded
			}
			r := &c.resources[p.resource]
			w.rb.write(ev, p.def, &r.key, r.argv, w.out, c.observed)
		}
		<-w.turn
		w.out.flush()
		next <- struct{}{}
		c.raw = c.raw[:0]
		if cap(c.raw) > maxChunkBytes {
			c.raw = nil // a batch of large records (argv, env) is not kept for the next
		}
		// the events the reader made are not kept past their batch; the
		// rest is left to be overwritten (its definitions are the
		// catalog's): clearing the whole slice wrote a barrier entry per
		// pointer per record while the garbage collector marks
		for i := range c.events {
			if c.events[i].built != nil {
				c.events[i].built = nil
			}
		}
		c.events = c.events[:0]
		// the keys' strings and ancestries are not kept past their batch
		clear(c.resources)
		c.resources = c.resources[:0]
		free <- c
	}
}
