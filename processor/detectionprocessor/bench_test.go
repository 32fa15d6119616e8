package detectionprocessor

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/rego"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/internal/procstat"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/engine"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
	"github.com/vigil-sec/vigil/tracee"
)

const streamFile = "../../testdata/streams/mixed.jsonl.gz"

// record is one record of the stream with what each way of evaluating
// needs precomputed outside the timed loops.
type record struct {
	lr     plog.LogRecord
	res    pcommon.Resource
	name   string // event name without the prefix
	origin string
	tracee tracee.Event // the event as Tracee would hold it
}

// loadStream reads the benchmark stream into one batch of records.
func loadStream(tb testing.TB) (plog.Logs, []record) {
	tb.Helper()
	f, err := os.Open(streamFile)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	// one resource per process, as the receiver batches them
	type resourceKey struct {
		host    string
		process vigil.Process
	}
	ld := plog.NewLogs()
	resources := map[resourceKey]plog.ResourceLogs{}
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	var recs []record
	for sc.Scan() {
		ev := decodeEvent(tb, sc.Bytes())
		k := resourceKey{ev.HostName, ev.Process()}
		rl, ok := resources[k]
		if !ok {
			rl = ld.ResourceLogs().AppendEmpty()
			vigil.WriteResource(rl.Resource().Attributes(), k.host, &k.process, nil)
			rl.ScopeLogs().AppendEmpty()
			resources[k] = rl
		}
		lr := rl.ScopeLogs().At(0).LogRecords().AppendEmpty()
		tracee.RecordFromEvent(ev, lr)
		recs = append(recs, record{
			lr: lr, res: rl.Resource(),
			name:   strings.TrimPrefix(lr.EventName(), vigil.EventNamePrefix),
			origin: vigil.RecordOrigin(vigil.AttrsOf(lr, rl.Resource())),
		})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	for i := range recs {
		recs[i].tracee = tracee.EventFromRecord(recs[i].lr, recs[i].res)
	}
	return ld, recs
}

// traceeWay is baseline (a): Tracee's rego engine. Each signature has its
// own prepared query; each event is given to every signature that selected
// it with rego.EvalInput of the trace.Event, which OPA turns into a Rego
// value through JSON.
type traceeWay struct {
	sigs    []*signature.Signature
	routes  map[[2]string][]*signature.Signature
	queries map[*signature.Signature]rego.PreparedEvalQuery
}

func newTraceeWay(tb testing.TB, set *signature.Set) *traceeWay {
	tw := &traceeWay{sigs: set.Signatures, routes: map[[2]string][]*signature.Signature{}, queries: map[*signature.Signature]rego.PreparedEvalQuery{}}
	for _, s := range set.Signatures {
		pq, err := rego.New(rego.Compiler(set.Compiler), rego.Query(s.MatchRef.String())).PrepareForEval(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		tw.queries[s] = pq
	}
	return tw
}

// candidates routes by selectors, as Tracee does, once per event name and
// origin.
func (tw *traceeWay) candidates(name, origin string) []*signature.Signature {
	k := [2]string{name, origin}
	sigs, ok := tw.routes[k]
	if !ok {
		for _, s := range tw.sigs {
			if s.Selects(name, origin) {
				sigs = append(sigs, s)
			}
		}
		tw.routes[k] = sigs
	}
	return sigs
}

func (tw *traceeWay) match(ctx context.Context, r *record, dst []string) []string {
	for _, s := range tw.candidates(r.name, r.origin) {
		rs, err := tw.queries[s].Eval(ctx, rego.EvalInput(r.tracee))
		if err != nil || len(rs) == 0 {
			continue
		}
		switch v := rs[0].Expressions[0].Value.(type) {
		case bool:
			if v {
				dst = append(dst, s.ID)
			}
		case map[string]any:
			dst = append(dst, s.ID)
		}
	}
	return dst
}

// engineWay is what the processor does per record, without tagging.
type engineWay struct {
	eng     *engine.Engine
	w       *engine.Worker
	matches []engine.Match
	errs    []engine.EvalError // the last record's
}

func (ew *engineWay) match(ctx context.Context, r *record) []engine.Match {
	g := ew.eng.Candidates(r.name, r.origin)
	if g == nil {
		return nil
	}
	ew.matches, ew.errs = ew.w.Eval(ctx, g, r.lr, r.res, ew.matches[:0])
	return ew.matches
}

func builtinEngine(tb testing.TB) (*signature.Set, *engineWay) {
	tb.Helper()
	return builtinEngineWith(tb, nil, defaultEvaluationTimeout)
}

// builtinEngineWith is builtinEngine with exceptions of the built-ins,
// built from the entries as the processor builds them, and an evaluation
// budget (0: none).
func builtinEngineWith(tb testing.TB, entries []ExceptionConfig, budget time.Duration) (*signature.Set, *engineWay) {
	tb.Helper()
	return builtinEngineOpts(tb, engine.Options{Budget: budget, MaxOverruns: defaultMaxOverruns}, entries)
}

// builtinEngineOpts is the engine of every built-in signature with opts
// and the exceptions of entries.
func builtinEngineOpts(tb testing.TB, opts engine.Options, entries []ExceptionConfig) (*signature.Set, *engineWay) {
	tb.Helper()
	return builtinEngineOf(tb, opts, entries, nil)
}

// builtinEngineOf is builtinEngineOpts with only the built-ins keep keeps
// (nil: all).
func builtinEngineOf(tb testing.TB, opts engine.Options, entries []ExceptionConfig, keep func(*signature.Signature) bool) (*signature.Set, *engineWay) {
	tb.Helper()
	ctx := context.Background()
	srcs, err := signatureSources(createDefaultConfig().(*Config))
	if err != nil {
		tb.Fatal(err)
	}
	set, err := signature.Load(ctx, srcs, loadTimeout(defaultEvaluationTimeout))
	if err != nil {
		tb.Fatal(err)
	}
	enabled := set.Signatures
	if keep != nil {
		enabled = slices.DeleteFunc(slices.Clone(enabled), func(s *signature.Signature) bool { return !keep(s) })
	}
	opts.Exceptions = engineExceptions(entries, enabled)
	eng, err := engine.New(set, enabled, opts)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := eng.NewWorker(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { w.Close(ctx) })
	return set, &engineWay{eng: eng, w: w}
}

func ids(ms []engine.Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Signature.ID)
	}
	return out
}

// TestBaselinesAgree holds the three ways to the same matches on every
// record of the stream, so the benchmark compares equal work, and checks
// that the stream has the share of suspicious records it claims.
func TestBaselinesAgree(t *testing.T) {
	ctx := context.Background()
	_, recs := loadStream(t)
	set, ew := builtinEngine(t)
	// the budget in the thread's CPU time, as the processor counts it: in
	// wall time, a busy machine could overrun a signature and lose a match
	defer ew.w.Bind()()
	tw := newTraceeWay(t, set)
	matched := 0
	for i := range recs {
		r := &recs[i]
		got := ids(ew.match(ctx, r))
		// an error (an overrun disables a signature) would show as a
		// mismatch on every later record: name it here
		if len(ew.errs) > 0 {
			t.Fatalf("record %d (%s): evaluation errors %v", i, r.lr.Body().Str(), ew.errs)
		}
		if want := (goChecks{vigil.AttrsOf(r.lr, r.res)}).match(r.lr, nil); !reflect.DeepEqual(got, want) {
			t.Errorf("record %d (%s): engine %v, Go checks %v", i, r.lr.Body().Str(), got, want)
		}
		if want := tw.match(ctx, r, nil); !reflect.DeepEqual(got, want) {
			t.Errorf("record %d (%s): engine %v, Tracee's way %v", i, r.lr.Body().Str(), got, want)
		}
		if len(got) > 0 {
			matched++
		}
	}
	if share := float64(matched) / float64(len(recs)); share < 0.02 || share > 0.05 {
		t.Errorf("%.1f%% of the stream matches; the stream should be a few percent suspicious", 100*share)
	}
}

// meter measures a benchmark per record: wall time, and CPU time of the
// whole process (GC included), from which records per second per core.
type meter struct {
	wall time.Time
	cpu  int64
}

func startMeter(b *testing.B) meter {
	runtime.GC() // collect the set-up's garbage (the decoded stream) before measuring
	b.ResetTimer()
	return meter{wall: time.Now(), cpu: procstat.CPU()}
}

func (m meter) report(b *testing.B, records int) {
	cpu := float64(procstat.CPU()-m.cpu) / float64(records)
	b.ReportMetric(float64(time.Since(m.wall).Nanoseconds())/float64(records), "ns/record")
	b.ReportMetric(cpu, "cpu-ns/record")
	if cpu > 0 {
		b.ReportMetric(1e9/cpu, "records/s/core")
	}
}

// BenchmarkDetection evaluates every built-in signature on the mixed
// stream, one record per op, three ways: the engine (with its memo and
// without), Tracee's way (baseline a) and hand-written Go (baseline b).
// engine-first-30 is the engine with the first 30 built-ins only
// (VGL-1001..1030, the set before the Falco-class ones): the cost of the
// others, in the same run. ns/op and allocs/op are per record.
func BenchmarkDetection(b *testing.B) {
	ctx := context.Background()
	_, recs := loadStream(b)
	set, ew := builtinEngine(b)
	opts := engine.Options{Budget: defaultEvaluationTimeout, MaxOverruns: defaultMaxOverruns}
	_, first30 := builtinEngineOf(b, opts, nil, func(s *signature.Signature) bool { return s.ID <= "VGL-1030" })
	opts.NoMemo = true
	_, noMemo := builtinEngineOpts(b, opts, nil)
	benchEngines(b, recs, namedEngine{"engine", ew}, namedEngine{"engine-first-30", first30}, namedEngine{"engine-no-memo", noMemo})
	b.Run("tracee-way", func(b *testing.B) {
		tw := newTraceeWay(b, set)
		b.ReportAllocs()
		m := startMeter(b)
		var dst []string
		for i := 0; i < b.N; i++ {
			dst = tw.match(ctx, &recs[i%len(recs)], dst[:0])
		}
		m.report(b, b.N)
	})
	b.Run("go-checks", func(b *testing.B) {
		b.ReportAllocs()
		m := startMeter(b)
		var dst []string
		for i := 0; i < b.N; i++ {
			r := &recs[i%len(recs)]
			dst = (goChecks{vigil.AttrsOf(r.lr, r.res)}).match(r.lr, dst[:0])
		}
		m.report(b, b.N)
	})
}

// BenchmarkProcessor is the whole processor (routing, evaluation, tagging,
// telemetry) on the stream as one batch, per record, with one worker and
// with one per CPU.
func BenchmarkProcessor(b *testing.B) {
	for _, workers := range []int{1, 0} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			ld, _ := loadStream(b)
			cfg := createDefaultConfig().(*Config)
			cfg.Workers = workers
			benchProcessor(b, cfg, ld)
		})
	}
}

// worstCaseExceptions excepts, from every built-in, records of processes
// the stream does not have: every candidate whose guard holds tests them
// and none is excepted, so the matches stay those of the plain engine.
var worstCaseExceptions = []ExceptionConfig{{
	Signatures: []string{"linux"},
	Equals:     map[string][]any{vigil.AttrExecutablePath: {"/opt/ci/bin/agent", "/opt/ci/bin/runner"}},
	StartsWith: map[string][]any{vigil.AttrPodNamespace: {"ci-"}},
}}

// TestWorstCaseExceptions: the benchmark's exceptions are tested (the
// guards of many candidates hold) and except nothing, so both engines do
// the same work but for testing them.
func TestWorstCaseExceptions(t *testing.T) {
	ctx := context.Background()
	_, recs := loadStream(t)
	// No budget: an overrun on a loaded machine would differ between the two.
	_, plain := builtinEngineWith(t, nil, 0)
	_, excepting := builtinEngineWith(t, worstCaseExceptions, 0)
	for i := range recs {
		want := ids(plain.match(ctx, &recs[i]))
		if got := ids(excepting.match(ctx, &recs[i])); !reflect.DeepEqual(got, want) {
			t.Fatalf("record %d: %v with the exceptions, %v without", i, got, want)
		}
		if n := len(excepting.w.Excepted()); n != 0 {
			t.Fatalf("record %d: %d signatures excepted", i, n)
		}
	}
}

// BenchmarkNoiseControl measures what exceptions and the rate limit add,
// against the same engine and processor without them in the same run: the
// engine with worstCaseExceptions, and the processor with them and with a
// rate limit that never suppresses (so the tagging work stays the same and
// only the limiter's bookkeeping is added).
func BenchmarkNoiseControl(b *testing.B) {
	ld, recs := loadStream(b)
	_, plain := builtinEngine(b)
	_, excepting := builtinEngineWith(b, worstCaseExceptions, defaultEvaluationTimeout)
	benchEngines(b, recs, namedEngine{"engine/plain", plain}, namedEngine{"engine/exceptions", excepting})
	for _, v := range []struct {
		name              string
		except, ratelimit bool
	}{{"processor/plain", false, false}, {"processor/exceptions", true, false}, {"processor/rate-limit", false, true}, {"processor/both", true, true}} {
		b.Run(v.name, func(b *testing.B) {
			cfg := createDefaultConfig().(*Config)
			cfg.Workers = 1
			if v.except {
				cfg.Exceptions = worstCaseExceptions
			}
			if v.ratelimit {
				cfg.RateLimit.Detections = 1 << 30
			}
			benchProcessor(b, cfg, ld)
		})
	}
}

// benchProcessor runs a processor of cfg on the batch ld per op and
// reports per record.
func benchProcessor(b *testing.B, cfg *Config, ld plog.Logs) {
	p, _ := startProcessor(b, cfg)
	ctx := context.Background()
	b.ReportAllocs()
	m := startMeter(b)
	for i := 0; i < b.N; i++ {
		if err := p.ConsumeLogs(ctx, ld); err != nil {
			b.Fatal(err)
		}
	}
	m.report(b, b.N*ld.LogRecordCount())
}

// syntheticSignatures writes n signatures in Tracee's format, spread over
// the catalog's events except the scheduler's fork and exit, which stay
// unselected; each tests the path or first string argument of its event
// (events without arguments are left out).
func syntheticSignatures(tb testing.TB, n int) string {
	dir := tb.TempDir()
	var names []string
	for _, d := range catalog.Events() {
		if d.Name != "sched_process_fork" && d.Name != "sched_process_exit" && len(d.Args) > 0 {
			names = append(names, d.Name)
		}
	}
	for i := range n {
		name := names[i%len(names)]
		def, _ := catalog.LookupEvent(name)
		argName := def.Args[0].Name
		for _, a := range def.Args {
			if a.Type == catalog.TypeStr {
				argName = a.Name
				break
			}
		}
		src := fmt.Sprintf(`package tracee.SYN_%d

import data.tracee.helpers

__rego_metadoc__ := {"id": "SYN-%d", "version": "1", "name": "synthetic %d", "properties": {"Severity": 1}}

tracee_selected_events[s] {
	s := {"source": "tracee", "name": %q, "origin": "*"}
}

tracee_match = {"value": v} {
	input.eventName == %q
	v := helpers.get_tracee_argument(%q)
	startswith(v, "/opt/synthetic-%d/")
}
`, i, i, i, name, name, argName, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("syn_%d.rego", i)), []byte(src), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// BenchmarkScaling measures the engine with 10 to 1000 synthetic
// signatures on the stream (all records) and on the records no signature
// selected (fork and exit), per record.
func BenchmarkScaling(b *testing.B) {
	ctx := context.Background()
	_, recs := loadStream(b)
	var unselected []record
	for _, r := range recs {
		if r.name == "sched_process_fork" || r.name == "sched_process_exit" {
			unselected = append(unselected, r)
		}
	}
	for _, n := range []int{10, 100, 1000} {
		cfg := pathsConfig(syntheticSignatures(b, n))
		eng, _, err := LoadSignatures(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		w, err := eng.NewWorker(ctx)
		if err != nil {
			b.Fatal(err)
		}
		ew := &engineWay{eng: eng, w: w}
		for _, set := range []struct {
			name string
			recs []record
		}{{"stream", recs}, {"unselected", unselected}} {
			b.Run(fmt.Sprintf("signatures=%d/%s", n, set.name), func(b *testing.B) {
				b.ReportAllocs()
				m := startMeter(b)
				for i := 0; i < b.N; i++ {
					ew.match(ctx, &set.recs[i%len(set.recs)])
				}
				m.report(b, b.N)
			})
		}
		w.Close(ctx)
	}
}

// countingException counts the tests of an exception.
type countingException struct {
	engine.Exception
	tests *int
}

func (c countingException) Excepts(a vigil.Attrs) bool {
	*c.tests++
	return c.Exception.Excepts(a)
}

// BenchmarkNoiseControlUnits measures what exceptions and the rate limit
// cost per record from their unit costs, which the shared machine's noise
// hides in BenchmarkNoiseControl: how often the engine tests an exception
// (worstCaseExceptions on every built-in) and the rate limiter admits a
// match on the stream, times the cost of one test and one admission.
func BenchmarkNoiseControlUnits(b *testing.B) {
	ctx := context.Background()
	_, recs := loadStream(b)
	set, plain := builtinEngine(b)
	tests := 0
	counted := map[string]engine.Exception{}
	for id, e := range engineExceptions(worstCaseExceptions, set.Signatures) {
		counted[id] = countingException{e, &tests}
	}
	eng, err := engine.New(set, set.Signatures, engine.Options{Exceptions: counted})
	if err != nil {
		b.Fatal(err)
	}
	w, err := eng.NewWorker(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close(ctx)
	counting := &engineWay{eng: eng, w: w}
	var matched []vigil.Attrs
	for i := range recs {
		counting.match(ctx, &recs[i])
		for range plain.match(ctx, &recs[i]) {
			matched = append(matched, vigil.AttrsOf(recs[i].lr, recs[i].res))
		}
	}
	rules := engineExceptions(worstCaseExceptions, set.Signatures)["VGL-1029"]
	b.Run("exception-test", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			r := &recs[i%len(recs)]
			rules.Excepts(vigil.AttrsOf(r.lr, r.res))
		}
		perTest := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(float64(tests)/float64(len(recs)), "tests/record")
		b.ReportMetric(perTest*float64(tests)/float64(len(recs)), "ns-added/record")
	})
	b.Run("rate-limit-admit", func(b *testing.B) {
		l := newLimiter(RateLimitConfig{Detections: 1 << 30, Window: time.Hour, Process: defaultRateLimitProcess})
		for i := 0; i < b.N; i++ {
			l.admit(l.key("VGL-1029", matched[i%len(matched)]))
		}
		perAdmit := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(float64(len(matched))/float64(len(recs)), "matches/record")
		b.ReportMetric(perAdmit*float64(len(matched))/float64(len(recs)), "ns-added/record")
	})
}

// hostileStreams are streams where every record is selected by some
// built-in signature and many match: an attacker's flood of cheap selected
// events (one process opening /etc/shadow and its own /proc/<pid>/mem in a
// loop, each record with its own time), and every built-in case's event
// in turn.
func hostileStreams(b *testing.B) map[string][]record {
	var flood, cases []*tracee.Event
	for i := range 2000 {
		flood = append(flood, fileOpen(i, 4242, []string{"/etc/shadow", "/proc/4242/mem"}[i%2]))
	}
	for _, c := range readBuiltinCases(b) {
		cases = append(cases, decodeEvent(b, c.Event))
	}
	return map[string][]record{"flood": recordsOf(flood), "builtin-cases": recordsOf(cases)}
}

// fileOpen is the i-th record of a flood of opens of path by process pid,
// each with its own time and cpu.
func fileOpen(i int, pid int64, path string) *tracee.Event {
	return &tracee.Event{
		Timestamp: 1700000000000000000 + int64(i), ThreadStartTime: 1699999999000000000, ProcessorID: int64(i % 2),
		ProcessID: pid, ThreadID: pid, HostProcessID: pid, HostThreadID: pid, HostParentProcessID: 1,
		ProcessName: "flood", Executable: tracee.File{Path: "/tmp/flood"}, HostName: "node-1",
		EventName: "security_file_open", ArgsNum: 6, Syscall: "openat",
		Args: []tracee.Arg{
			{Name: "pathname", Type: "const char*", Value: path},
			{Name: "flags", Type: "string", Value: "O_RDONLY"},
			{Name: "dev", Type: "dev_t", Value: int64(2049)},
			{Name: "inode", Type: "unsigned long", Value: int64(1234567)},
			{Name: "ctime", Type: "unsigned long", Value: int64(1690000000000000000)},
			{Name: "syscall_pathname", Type: "const char*", Value: path},
		},
	}
}

// BenchmarkFlood evaluates the built-ins on floods of one record repeated
// (but for its time and cpu), per record: an open of /dev/null, which no
// guard lets through, by one process and by two interleaved ones, and an
// open of /etc/shadow, which matches. The two processes differ in pid,
// name and executable. unique-paths opens a new file each time: no record
// repeats, the cost of remembering what is never seen again.
func BenchmarkFlood(b *testing.B) {
	streams := map[string]func(i int) *tracee.Event{
		"devnull":         func(i int) *tracee.Event { return fileOpen(i, 4242, "/dev/null") },
		"devnull-2-procs": func(i int) *tracee.Event { return fileOpen(i, 4242+int64(i%2), "/dev/null") },
		"shadow":          func(i int) *tracee.Event { return fileOpen(i, 4242, "/etc/shadow") },
		"unique-paths":    func(i int) *tracee.Event { return fileOpen(i, 4242, fmt.Sprintf("/tmp/f%d", i)) },
	}
	_, ew := builtinEngine(b)
	for _, name := range []string{"devnull", "devnull-2-procs", "shadow", "unique-paths"} {
		var events []*tracee.Event
		for i := range 2000 {
			events = append(events, streams[name](i))
		}
		benchEngines(b, recordsOf(events), namedEngine{name, ew})
	}
}

// recordsOf writes events as records, each with its resource.
func recordsOf(events []*tracee.Event) []record {
	var out []record
	for _, rl := range logsOf(events...).ResourceLogs().All() {
		for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
			out = append(out, record{lr: lr, res: rl.Resource(), name: strings.TrimPrefix(lr.EventName(), vigil.EventNamePrefix),
				origin: vigil.RecordOrigin(vigil.AttrsOf(lr, rl.Resource()))})
		}
	}
	return out
}

// BenchmarkHostile evaluates the built-ins on the hostile streams, with
// the memo of results and without it (every record in Rego), per record.
func BenchmarkHostile(b *testing.B) {
	streams := hostileStreams(b)
	for _, memo := range []bool{false, true} {
		_, ew := builtinEngineOpts(b, engine.Options{Budget: defaultEvaluationTimeout, MaxOverruns: defaultMaxOverruns, NoMemo: !memo}, nil)
		for _, name := range []string{"flood", "builtin-cases"} {
			benchEngines(b, streams[name], namedEngine{fmt.Sprintf("%s/memo=%v", name, memo), ew})
		}
	}
}

type namedEngine struct {
	name string
	ew   *engineWay
}

// benchEngines runs each engine on recs, cycled, one record per op, and
// reports per record.
func benchEngines(b *testing.B, recs []record, engines ...namedEngine) {
	ctx := context.Background()
	for _, v := range engines {
		b.Run(v.name, func(b *testing.B) {
			matched := 0
			b.ReportAllocs()
			m := startMeter(b)
			for i := 0; i < b.N; i++ {
				matched += len(v.ew.match(ctx, &recs[i%len(recs)]))
			}
			m.report(b, b.N)
			b.ReportMetric(float64(matched)/float64(b.N), "matches/record")
		})
	}
}
