package detectionprocessor

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/engine"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/metadata"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
)

// errorLogInterval is how often one signature's runtime errors are logged;
// the errors in between are counted and reported with the next message.
const errorLogInterval = time.Minute

// durationSampling is the mean number of evaluations per evaluation timed
// for the duration histogram: timing and recording every one cost about 5%
// of the collector's CPU in a file-open storm with examples/default.yaml,
// for a distribution a sample gives as well. The gaps between timed
// evaluations are random (1 to 2*durationSampling-1), so a stream that
// repeats with some period is not sampled at one phase of it.
const durationSampling = 16

// timeNext reports whether the worker's next evaluation is to be timed for
// the duration histogram, drawing the gap to the one after when it is.
func (w *worker) timeNext() bool {
	if w.untimed > 0 {
		w.untimed--
		return false
	}
	w.untimed = rand.IntN(2*durationSampling - 1)
	return true
}

// parallelThreshold is the batch size below which a batch is evaluated on
// the calling goroutine: fanning out costs more than a few evaluations.
const parallelThreshold = 64

type detectionProcessor struct {
	cfg       *Config
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder
	limiter   *limiter // nil: no rate limit; kept across reloads
	nworkers  int

	// current is the signature set batches are evaluated with; a reload
	// replaces it.
	current atomic.Pointer[ruleset]
	// stopReload stops the reloader and waits for it; nil without one.
	stopReload func()
	// items lends each batch its list of candidates (*[]item): a new list
	// grew about nine times for a batch of 256, some 20 KB of pointers a batch
	// for the GC to sweep.
	items sync.Pool
}

// ruleset is one loaded signature set and the workers evaluating it. A
// batch acquires the current set once, so each of its records is evaluated
// by exactly one set, however reloads interleave.
type ruleset struct {
	eng *engine.Engine
	// workers is the pool of evaluation states. The pipeline may call
	// ConsumeLogs from several goroutines; each call takes the workers it
	// uses out of the pool and puts them back.
	workers chan *worker
	created int // workers made, to close
	sigs    map[*signature.Signature]*sigState

	// inUse is read-held by the batches using the set; retiring the set
	// takes it for writing, so it waits for them.
	inUse  sync.RWMutex
	closed bool
}

// sigState is what the processor keeps per signature: its telemetry
// attribute and the rate limit of its error log.
type sigState struct {
	attr       metric.MeasurementOption
	lastLogged atomic.Int64 // unix nanos
	suppressed atomic.Int64
}

// logDue reports whether a signature's error is to be logged now, at most
// once per errorLogInterval, and how many were not logged since the last.
func (st *sigState) logDue() (bool, int64) {
	now := time.Now().UnixNano()
	last := st.lastLogged.Load()
	if now-last < int64(errorLogInterval) || !st.lastLogged.CompareAndSwap(last, now) {
		st.suppressed.Add(1)
		return false, 0
	}
	return true, st.suppressed.Swap(0)
}

// worker is the per-goroutine evaluation state.
type worker struct {
	ev         *engine.Worker
	matches    []engine.Match
	detections []detection
	untimed    int // evaluations before the next one timed (timeNext)
}

// item is a record some signature selected.
type item struct {
	lr    plog.LogRecord
	res   pcommon.Resource
	group *engine.Group
}

func newDetectionProcessor(set processor.Settings, cfg *Config) (*detectionProcessor, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	n := cfg.Workers
	if n == 0 {
		n = runtime.GOMAXPROCS(0)
	}
	return &detectionProcessor{cfg: cfg, logger: set.Logger, telemetry: tb, limiter: newLimiter(cfg.RateLimit), nworkers: n}, nil
}

// minLoadTimeout bounds reading one signature's metadata at start-up. It is
// not the per-record budget: the first evaluation of a rule is far slower than
// the hot path, and a collector starting on a busy node must not refuse a
// valid signature for it; a metadoc that never finishes still fails start-up.
const minLoadTimeout = 5 * time.Second

// loadTimeout is the budget of reading one signature's metadata.
func loadTimeout(evaluationTimeout time.Duration) time.Duration {
	return max(evaluationTimeout, minLoadTimeout)
}

// LoadSignatures loads, compiles and filters the configured signatures, as
// start (and a reload) does; the signature tooling (cmd/vigil-signatures)
// lints with it, so that it reports what the processor would.
func LoadSignatures(ctx context.Context, cfg *Config) (*engine.Engine, []*signature.Signature, error) {
	srcs, err := signatureSources(cfg)
	if err != nil {
		return nil, nil, err
	}
	set, err := signature.Load(ctx, srcs, loadTimeout(cfg.EvaluationTimeout))
	if err != nil {
		return nil, nil, err
	}
	var errs []error
	for field, list := range map[string][]string{"include": cfg.Signatures.Include, "exclude": cfg.Signatures.Exclude} {
		for _, i := range signature.Unmatched(set.Signatures, list) {
			errs = append(errs, fmt.Errorf("signatures.%s[%d]: %q names no loaded signature id or tag", field, i, list[i]))
		}
	}
	errs = append(errs, namedSignatures(cfg.Exceptions, set.Signatures))
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	enabled := signature.Filter(set.Signatures, cfg.Signatures.Include, cfg.Signatures.Exclude)
	eng, err := engine.New(set, enabled, engine.Options{Budget: cfg.EvaluationTimeout, MaxOverruns: cfg.MaxOverruns, Exceptions: engineExceptions(cfg.Exceptions, enabled)})
	if err != nil {
		return nil, nil, err
	}
	return eng, enabled, nil
}

func (p *detectionProcessor) start(ctx context.Context, _ component.Host) error {
	reloading := p.cfg.Signatures.ReloadInterval > 0 && len(p.cfg.Signatures.Paths) > 0
	var fp [sha256.Size]byte
	if reloading {
		fp = fingerprint(p.cfg.Signatures.Paths) // before loading: a change while loading is reloaded
	}
	rs, err := p.load(ctx)
	if err != nil {
		return err
	}
	p.current.Store(rs)
	if reloading {
		p.stopReload = p.watch(p.cfg.Signatures.ReloadInterval, fp)
	}
	return nil
}

// load loads the configured signatures into a new ruleset.
func (p *detectionProcessor) load(ctx context.Context) (*ruleset, error) {
	eng, enabled, err := LoadSignatures(ctx, p.cfg)
	if err != nil {
		return nil, err
	}
	rs := &ruleset{eng: eng, workers: make(chan *worker, p.nworkers), sigs: make(map[*signature.Signature]*sigState, len(enabled))}
	for range p.nworkers {
		w, err := eng.NewWorker(ctx)
		if err != nil {
			_ = rs.closeWorkers(ctx)
			return nil, err
		}
		// the first evaluation timed is drawn too: a worker starts at every
		// start and reload, and timing each one's first would favour cold
		// evaluations
		rs.workers <- &worker{ev: w, untimed: rand.IntN(2*durationSampling - 1)}
		rs.created++
	}
	for _, s := range enabled {
		rs.sigs[s] = &sigState{attr: metric.WithAttributeSet(attribute.NewSet(attribute.String("signature_id", s.ID)))}
	}
	p.logger.Info("detection signatures loaded", zap.Int("signatures", len(enabled)), zap.Int("guarded", eng.Guarded()), zap.Int("workers", p.nworkers),
		zap.Strings("selected_events", eng.SelectedEvents()))
	return rs, nil
}

// acquire returns the current ruleset, held until release.
func (p *detectionProcessor) acquire() *ruleset {
	for {
		rs := p.current.Load()
		rs.inUse.RLock()
		if !rs.closed {
			return rs
		}
		// Replaced and retired between the load and the lock: take the
		// set that replaced it.
		rs.inUse.RUnlock()
	}
}

func (rs *ruleset) release() { rs.inUse.RUnlock() }

// retire closes a replaced ruleset once the batches using it are done.
func (rs *ruleset) retire(ctx context.Context) error {
	rs.inUse.Lock()
	defer rs.inUse.Unlock()
	rs.closed = true
	return rs.closeWorkers(ctx)
}

// closeWorkers closes the workers, waiting for those a batch still uses
// (the evaluation budget bounds how long) unless ctx ends first.
func (rs *ruleset) closeWorkers(ctx context.Context) error {
	for ; rs.created > 0; rs.created-- {
		// an idle worker first: select picks at random among ready cases,
		// and an ended ctx must not leave idle workers (and their
		// watchdogs) running
		var w *worker
		select {
		case w = <-rs.workers:
		default:
			select {
			case w = <-rs.workers:
			case <-ctx.Done():
				return fmt.Errorf("closing the detection workers: %w", ctx.Err())
			}
		}
		w.ev.Close(ctx)
	}
	return nil
}

func (p *detectionProcessor) shutdown(ctx context.Context) error {
	if p.stopReload != nil {
		p.stopReload()
	}
	var err error
	if rs := p.current.Load(); rs != nil {
		err = rs.closeWorkers(ctx)
	}
	p.telemetry.Shutdown()
	return err
}

func (p *detectionProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	rs := p.acquire()
	defer rs.release()
	buf, _ := p.items.Get().(*[]item)
	if buf == nil {
		buf = new([]item)
	}
	items := (*buf)[:0]
	for _, rl := range ld.ResourceLogs().All() {
		res := rl.Resource()
		resOrigin, resHasOrigin := res.Attributes().Get(vigil.AttrOrigin)
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				name := strings.TrimPrefix(lr.EventName(), vigil.EventNamePrefix)
				if g := rs.eng.Candidates(name, originOf(lr, res, resOrigin, resHasOrigin)); g != nil {
					items = append(items, item{lr: lr, res: res, group: g})
				}
			}
		}
	}
	p.evaluate(ctx, rs, items)
	p.telemetry.ProcessorDetectionRecordsEvaluated.Add(ctx, int64(len(items)))
	*buf = recycle(items)
	p.items.Put(buf)
	if p.cfg.DropUnmatched {
		dropUnmatched(ld)
		if ld.ResourceLogs().Len() == 0 {
			// nothing left to forward: an empty payload would reach the
			// exporters, which write it anyway (the file exporter a "{}"
			// line, the debug exporter an empty Logs)
			return ld, processorhelper.ErrSkipProcessingData
		}
	}
	return ld, nil
}

// originOf is vigil.RecordOrigin of a record of res, given res's
// kernel.origin, looked up once per resource: a record without its own
// (the receiver puts it on the resource) then costs a scan of its own
// attributes, not of the resource's as well.
func originOf(lr plog.LogRecord, res pcommon.Resource, resOrigin pcommon.Value, resHasOrigin bool) string {
	if v, ok := lr.Attributes().Get(vigil.AttrOrigin); ok {
		return v.Str()
	}
	if resHasOrigin {
		return resOrigin.Str()
	}
	return vigil.RecordOrigin(vigil.AttrsOf(lr, res))
}

// recycle empties items for the next batch, zeroing what it held: a list
// waiting in the pool must not keep this batch's records alive.
func recycle(items []item) []item {
	clear(items)
	return items[:0]
}

// evaluate tags the items, splitting them across the free workers when
// there are enough items to pay for it.
func (p *detectionProcessor) evaluate(ctx context.Context, rs *ruleset, items []item) {
	if len(items) == 0 {
		return
	}
	ws := []*worker{<-rs.workers}
	if len(items) >= parallelThreshold {
	take:
		for len(ws) < cap(rs.workers) {
			select {
			case w := <-rs.workers:
				ws = append(ws, w)
			default:
				break take
			}
		}
	}
	var wg sync.WaitGroup
	defer func() {
		// also when this goroutine's part panics: a worker is given back
		// only once its part has ended
		wg.Wait()
		for _, w := range ws {
			rs.workers <- w
		}
	}()
	// the first part (all of them, with one worker) on this goroutine,
	// which would only wait otherwise: a goroutine started and a wake-up
	// fewer a batch
	chunk := (len(items) + len(ws) - 1) / len(ws)
	for i, w := range ws[1:] {
		lo := (i + 1) * chunk
		if lo >= len(items) {
			break
		}
		part := items[lo:min(lo+chunk, len(items))]
		wg.Go(func() { w.run(ctx, p, rs, part) })
	}
	ws[0].run(ctx, p, rs, items[:chunk])
}

func (w *worker) run(ctx context.Context, p *detectionProcessor, rs *ruleset, items []item) {
	defer w.ev.Bind()()
	for _, it := range items {
		var start time.Time
		timed := w.timeNext()
		if timed {
			start = time.Now()
		}
		var errs []engine.EvalError
		w.matches, errs = w.ev.Eval(ctx, it.group, it.lr, it.res, w.matches[:0])
		if timed {
			p.telemetry.ProcessorDetectionEvaluationDuration.Record(ctx, time.Since(start).Seconds())
		}
		for _, e := range errs {
			p.reportError(ctx, rs.sigs[e.Signature], e)
		}
		for _, s := range w.ev.Excepted() {
			p.telemetry.ProcessorDetectionExcepted.Add(ctx, 1, rs.sigs[s].attr)
		}
		if len(w.matches) > 0 {
			w.detections = p.admit(ctx, rs, it, w.matches, w.detections[:0])
			if len(w.detections) > 0 {
				tag(it.lr, w.detections)
			}
		}
	}
}

// admit appends to dst the matches the rate limit lets through, with the
// repeats suppressed before each, and counts them.
func (p *detectionProcessor) admit(ctx context.Context, rs *ruleset, it item, matches []engine.Match, dst []detection) []detection {
	for _, m := range matches {
		st := rs.sigs[m.Signature]
		var suppressed int64
		if p.limiter != nil {
			var emit bool
			if emit, suppressed = p.limiter.admit(p.limiter.key(m.Signature.ID, vigil.AttrsOf(it.lr, it.res))); !emit {
				p.telemetry.ProcessorDetectionSuppressed.Add(ctx, 1, st.attr)
				continue
			}
		}
		p.telemetry.ProcessorDetectionMatches.Add(ctx, 1, st.attr)
		dst = append(dst, detection{Match: m, suppressed: suppressed})
	}
	return dst
}

// reportError counts a signature's runtime error or overrun and logs it, at
// most once per errorLogInterval per signature; disabling a signature is
// always logged.
func (p *detectionProcessor) reportError(ctx context.Context, st *sigState, e engine.EvalError) {
	fields := []zap.Field{zap.String("signature", e.Signature.ID), zap.String("file", e.Signature.File)}
	if !e.Overrun {
		p.telemetry.ProcessorDetectionEvaluationErrors.Add(ctx, 1, st.attr)
		if due, skipped := st.logDue(); due {
			p.logger.Warn("signature evaluation failed; the record passes on without its tags",
				append(fields, zap.Int64("errors_not_logged_since_last", skipped), zap.Error(e.Err))...)
		}
		return
	}
	p.telemetry.ProcessorDetectionEvaluationOverruns.Add(ctx, 1, st.attr)
	if e.Disabled {
		p.telemetry.ProcessorDetectionSignaturesDisabled.Add(ctx, 1, st.attr)
		p.logger.Error("signature disabled: it ran past evaluation_timeout max_overruns times in a row; the other signatures keep running",
			append(fields, zap.Duration("evaluation_timeout", p.cfg.EvaluationTimeout), zap.Int("max_overruns", p.cfg.MaxOverruns))...)
		return
	}
	if due, skipped := st.logDue(); due {
		p.logger.Warn("signature evaluation cancelled: it ran past evaluation_timeout; the record passes on without its tags",
			append(fields, zap.Duration("evaluation_timeout", p.cfg.EvaluationTimeout), zap.Int64("errors_not_logged_since_last", skipped))...)
	}
}

// dropUnmatched removes the records without detection tags, and the scopes
// and resources left empty.
func dropUnmatched(ld plog.Logs) {
	ld.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool {
			sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				_, tagged := lr.Attributes().Get(vigil.AttrRuleUUID)
				return !tagged
			})
			return sl.LogRecords().Len() == 0
		})
		return rl.ScopeLogs().Len() == 0
	})
}
