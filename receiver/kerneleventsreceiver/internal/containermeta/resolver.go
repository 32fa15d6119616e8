package containermeta

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Why a runtime gave no answer, as telemetry counts it.
const (
	ReasonUnavailable = "unavailable"  // the socket is missing, unreadable or not answering
	ReasonBadResponse = "bad_response" // something answered that the runtime would not say
)

// failure is a runtime's fault, as opposed to its not knowing the container.
type failure struct {
	reason string
	err    error
}

func (f *failure) Error() string { return f.err.Error() }

// A runtime answers look-ups of container ids: errNotFound when it does
// not know the id, a *failure when it cannot answer.
type runtime interface {
	name() string
	lookup(ctx context.Context, id string) (Info, error)
	close() error
}

// Config chooses the runtimes to ask and bounds the work.
type Config struct {
	// Sockets maps runtime names (Containerd, Docker, Podman, CRIO) to
	// their API sockets; a runtime not in it is not asked.
	Sockets map[string]string
	// Timeout bounds one look-up at one runtime.
	Timeout time.Duration
	// CacheSize bounds the containers remembered, and those waiting for
	// a look-up.
	CacheSize int
}

// workers is how many look-ups run at once: answers take a runtime
// milliseconds, and new containers arrive far slower than records.
const workers = 4

// retryAfter is how long a container no runtime could describe waits
// before it is asked for again: a runtime may come up, or register a
// container after its first process ran.
const retryAfter = 10 * time.Second

// askOrder is the order runtimes are asked in when the cgroup layout names
// none of them: containerd holds Docker's and Kubernetes' containers too.
var askOrder = []string{Containerd, CRIO, Docker, Podman}

// Resolver describes containers from their runtimes. Get never waits: it
// answers from the cache and queues what it does not know.
type Resolver struct {
	runtimes  map[string]runtime
	timeout   time.Duration
	capacity  int
	logger    *zap.Logger
	onFailure func(runtime, reason string)

	mu      sync.Mutex
	entries map[string]*list.Element // of *entry, most recently used first
	lru     *list.List
	logged  map[string]bool // runtimes whose failure has been logged

	queue chan lookupRequest
	// stopping ends the workers and cancels the look-ups under way, so
	// shutdown does not wait for a runtime.
	stopping context.Context
	stop     context.CancelFunc
	wg       sync.WaitGroup
}

type entry struct {
	id    string
	info  Info
	known bool
	// retryAt is when a failed look-up may be tried again; zero while one
	// is queued or running.
	retryAt time.Time
}

type lookupRequest struct{ id, runtime string }

// New starts a resolver asking the runtimes whose sockets cfg names.
// onFailure is called, from its workers, each time a runtime cannot answer;
// each runtime's first failure is also logged.
func New(cfg Config, logger *zap.Logger, onFailure func(runtime, reason string)) (*Resolver, error) {
	runtimes := map[string]runtime{}
	for name, socket := range cfg.Sockets {
		switch {
		case socket == "":
		case name == Containerd:
			c, err := newContainerd(socket)
			if err != nil {
				return nil, err
			}
			runtimes[name] = c
		default:
			runtimes[name] = newHTTPAPI(name, socket)
		}
	}
	return newResolver(cfg, runtimes, logger, onFailure), nil
}

func newResolver(cfg Config, runtimes map[string]runtime, logger *zap.Logger, onFailure func(runtime, reason string)) *Resolver {
	r := &Resolver{
		runtimes:  runtimes,
		timeout:   cfg.Timeout,
		capacity:  cfg.CacheSize,
		logger:    logger,
		onFailure: onFailure,
		entries:   map[string]*list.Element{},
		lru:       list.New(),
		logged:    map[string]bool{},
		queue:     make(chan lookupRequest, cfg.CacheSize),
	}
	r.stopping, r.stop = context.WithCancel(context.Background())
	for range workers {
		r.wg.Add(1)
		go r.work()
	}
	return r
}

// Close stops the look-ups and waits for those running.
func (r *Resolver) Close() error {
	r.stop()
	r.wg.Wait()
	var errs []error
	for _, rt := range r.runtimes {
		errs = append(errs, rt.close())
	}
	return errors.Join(errs...)
}

// Len is how many containers the cache holds, described or waiting.
func (r *Resolver) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lru.Len()
}

// Get returns what is known of container id now, the zero Info the first
// time it is seen: its look-up is queued, starting with the runtime its
// cgroup layout names (guess). When the queue is full the container is
// not remembered, so a later record queues it again.
func (r *Resolver) Get(id, guess string) Info {
	r.mu.Lock()
	defer r.mu.Unlock()
	if el, ok := r.entries[id]; ok {
		r.lru.MoveToFront(el)
		e := el.Value.(*entry)
		if !e.known && !e.retryAt.IsZero() && time.Now().After(e.retryAt) {
			e.retryAt = time.Time{}
			r.enqueue(id, guess)
		}
		return e.info
	}
	if r.lru.Len() >= r.capacity {
		oldest := r.lru.Back()
		delete(r.entries, oldest.Value.(*entry).id)
		r.lru.Remove(oldest)
	}
	r.entries[id] = r.lru.PushFront(&entry{id: id})
	r.enqueue(id, guess)
	return Info{}
}

// enqueue queues a look-up of id, or forgets id when the queue is full.
// r.mu is held.
func (r *Resolver) enqueue(id, guess string) {
	select {
	case r.queue <- lookupRequest{id, guess}:
	default:
		r.lru.Remove(r.entries[id])
		delete(r.entries, id)
	}
}

func (r *Resolver) work() {
	defer r.wg.Done()
	for {
		select {
		case <-r.stopping.Done():
			return
		case req := <-r.queue:
			info, ok := r.lookup(req)
			r.mu.Lock()
			if el, present := r.entries[req.id]; present {
				e := el.Value.(*entry)
				e.info, e.known = info, ok
				if !ok {
					e.retryAt = time.Now().Add(retryAfter)
				}
			}
			r.mu.Unlock()
		}
	}
}

// lookup asks the runtimes in turn, the guessed one first, until one knows
// the container.
func (r *Resolver) lookup(req lookupRequest) (Info, bool) {
	order := make([]string, 0, len(askOrder))
	if _, ok := r.runtimes[req.runtime]; ok {
		order = append(order, req.runtime)
	}
	for _, name := range askOrder {
		if _, ok := r.runtimes[name]; ok && name != req.runtime {
			order = append(order, name)
		}
	}
	for _, name := range order {
		if r.stopping.Err() != nil {
			break
		}
		ctx, cancel := context.WithTimeout(r.stopping, r.timeout)
		info, err := r.runtimes[name].lookup(ctx, req.id)
		cancel()
		if err == nil {
			info.Runtime = name
			return info, true
		}
		var f *failure
		if errors.As(err, &f) && r.stopping.Err() == nil {
			r.failed(name, f)
		}
	}
	return Info{}, false
}

// failed counts a runtime's failure and logs the first of each runtime's:
// on a host without that runtime every look-up fails the same way.
func (r *Resolver) failed(runtime string, f *failure) {
	r.onFailure(runtime, f.reason)
	r.mu.Lock()
	first := !r.logged[runtime]
	r.logged[runtime] = true
	r.mu.Unlock()
	if first {
		r.logger.Warn("container runtime cannot describe containers; records go on without its context (logged once per runtime, counted in kernelevents_container_runtime_failures)",
			zap.String("runtime", runtime), zap.String("reason", f.reason), zap.Error(f.err))
	}
}
