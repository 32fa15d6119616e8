package engine

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
	"github.com/vigil-sec/vigil/tracee"
)

// loadBudget bounds the evaluation of each signature's metadata while
// loading: generous, since under qemu on a busy machine code run for the
// first time is translated and waits for a core.
const loadBudget = 30 * time.Second

// loadSet loads the built-in signatures and the compatibility suite's.
func loadSet(t testing.TB) *signature.Set {
	t.Helper()
	set, err := signature.Load(context.Background(), []signature.Source{
		{FS: os.DirFS("../.."), Root: "signatures", Ruleset: "builtin"},
		{FS: os.DirFS("../../testdata"), Root: "compat", Ruleset: "compat"},
	}, loadBudget)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// pair is the engine with guards and memo and without either, for
// comparison.
type pair struct {
	guarded, plain *Worker
	eng            *Engine
}

func newPair(t testing.TB, set *signature.Set) *pair {
	t.Helper()
	ctx := context.Background()
	g, err := New(set, set.Signatures, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(set, set.Signatures, Options{NoGuards: true, NoMemo: true})
	if err != nil {
		t.Fatal(err)
	}
	wg, _ := g.NewWorker(ctx)
	wp, _ := p.NewWorker(ctx)
	t.Cleanup(func() { wg.Close(ctx); wp.Close(ctx) })
	return &pair{guarded: wg, plain: wp, eng: g}
}

type result struct {
	IDs  []string
	Data []string
	Errs int
}

func evalWith(w *Worker, lr plog.LogRecord, res pcommon.Resource) result {
	name := strings.TrimPrefix(lr.EventName(), vigil.EventNamePrefix)
	g := w.e.Candidates(name, vigil.RecordOrigin(vigil.AttrsOf(lr, res)))
	if g == nil {
		return result{}
	}
	ms, errs := w.Eval(context.Background(), g, lr, res, nil)
	var r result
	for _, m := range ms {
		r.IDs = append(r.IDs, m.Signature.ID)
		if m.Data != nil {
			r.Data = append(r.Data, m.Data.String())
		}
	}
	r.Errs = len(errs)
	return r
}

// check compares the guarded engine with the plain one on a record and
// returns whether anything matched.
func (p *pair) check(t *testing.T, lr plog.LogRecord, res pcommon.Resource) bool {
	t.Helper()
	got, want := evalWith(p.guarded, lr, res), evalWith(p.plain, lr, res)
	if !reflect.DeepEqual(got, want) {
		m, _ := (&plog.JSONMarshaler{}).MarshalLogs(single(lr, res))
		t.Fatalf("guards or memo changed the result: %+v, without them %+v\nrecord: %s", got, want, m)
	}
	return len(got.IDs) > 0
}

func single(lr plog.LogRecord, res pcommon.Resource) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	res.CopyTo(rl.Resource())
	lr.CopyTo(rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty())
	return ld
}

func recordOf(ev *tracee.Event) (plog.LogRecord, pcommon.Resource) {
	lr, res := plog.NewLogRecord(), pcommon.NewResource()
	tracee.RecordFromEvent(ev, lr)
	p := ev.Process()
	vigil.WriteResource(res.Attributes(), ev.HostName, &p, nil)
	return lr, res
}

// TestGuardsOnStream: on every record of the benchmark stream, guards
// change nothing.
func TestGuardsOnStream(t *testing.T) {
	p := newPair(t, loadSet(t))
	f, err := os.Open("../../../../testdata/streams/mixed.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	n, matched := 0, 0
	for sc.Scan() {
		var ev tracee.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		lr, res := recordOf(&ev)
		if p.check(t, lr, res) {
			matched++
		}
		n++
	}
	if n == 0 || matched == 0 || p.guarded.memoHits == 0 {
		t.Fatalf("%d records, %d matched, %d results from the memo", n, matched, p.guarded.memoHits)
	}
}

// TestGuardsFound: the built-in signatures are written so that guards
// apply to all of them.
func TestGuardsFound(t *testing.T) {
	set := loadSet(t)
	e, err := New(set, set.Signatures, Options{})
	if err != nil {
		t.Fatal(err)
	}
	builtins := 0
	for _, s := range set.Signatures {
		if !strings.HasPrefix(s.ID, "VGL-") {
			continue
		}
		builtins++
		if form, why := e.Guard(s.ID); form == "" {
			t.Errorf("%s is unguarded: %s", s.ID, why)
		}
	}
	if builtins == 0 || e.Guarded() < builtins {
		t.Errorf("%d built-ins, %d signatures guarded", builtins, e.Guarded())
	}
}

var fuzzEvents = []string{"security_file_open", "security_inode_rename", "sched_process_exec", "magic_write", "security_socket_connect",
	"socket_dup", "ptrace", "security_bprm_check", "security_sb_mount", "openat", "unlink", "mem_prot_alert", "security_kernel_read_file"}

// FuzzGuards builds records of the selected events with arbitrary
// arguments and checks guards never change the result.
func FuzzGuards(f *testing.F) {
	f.Add(uint8(0), "/etc/shadow", "O_RDONLY", "python3", "/usr/bin/python3", "LD_PRELOAD=x", []byte("\x7fELF"), "AF_INET", int64(0), true, false)
	f.Add(uint8(2), "memfd:x", "O_WRONLY", "nginx", "/usr/sbin/nginx", "PATH=/", []byte("ELF"), "AF_UNIX", int64(1), false, true)
	f.Add(uint8(4), "/var/run/docker.sock", "o_rdwr", "evil", "/tmp/.x", "", []byte{}, "AF_INET6", int64(-1), true, true)
	f.Add(uint8(1), "/etc/sudoers.d/\xff", "O_RDWR|O_CREAT", "cat", "/usr/bin/cat", "LD_PRELOAD=", []byte("\x7fELF\x00"), "", int64(2), false, false)
	set := loadSet(f)
	var p *pair
	f.Fuzz(func(t *testing.T, ev uint8, path, flags, comm, exe, env string, data []byte, family string, num int64, container, started bool) {
		if p == nil {
			p = newPair(t, set)
		}
		name := fuzzEvents[int(ev)%len(fuzzEvents)]
		def, _ := catalog.LookupEvent(name)
		e := tracee.Event{EventName: name, ProcessName: comm, Executable: tracee.File{Path: exe}, ProcessID: num % 5}
		if container {
			e.ContainerID, e.Container.ID, e.ContextFlags.ContainerStarted = "c1", "c1", started
		}
		for i, a := range def.Args {
			var v any
			switch {
			case a.Type == catalog.TypeBytes:
				v = data
			case a.Type == catalog.TypeSockaddr:
				v = map[string]string{"sa_family": family, "sin_addr": path, "sun_path": path, "sin6_addr": path}
			case a.Type == catalog.TypeStrArr || a.Type == catalog.TypeStrArrC:
				v = []string{env, path}
			case a.Name == "flags" || a.Name == "request" || a.Name == "alert" || a.Name == "type":
				v = flags
			case a.Type == catalog.TypeStr || a.Type == catalog.TypeCharPtr:
				v = path
				if i%2 == 1 {
					v = env
				}
			default:
				v = num
			}
			e.Args = append(e.Args, tracee.Arg{Name: a.Name, Type: a.Type, Value: v})
		}
		lr, res := recordOf(&e)
		p.check(t, lr, res)
	})
}

// TestRouting: event names and origins select the signatures that asked
// for them; nothing is selected for an event no selector names when there
// is no "*" selector.
func TestRouting(t *testing.T) {
	set := loadSet(t)
	ids := func(g *Group) []string {
		var out []string
		if g != nil {
			for _, c := range g.sigs {
				out = append(out, c.sig.ID)
			}
		}
		return out
	}
	onlyBuiltin := signature.Filter(set.Signatures, nil, []string{"TST-1", "TST-2", "TST-3", "TST-4", "TST-5", "TST-6", "TST-7"})
	b, err := New(set, onlyBuiltin, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if g := b.Candidates("sched_process_fork", vigil.OriginHost); g != nil {
		t.Errorf("fork selects %v", ids(g))
	}
	if got, want := ids(b.Candidates("security_sb_mount", vigil.OriginContainer)), []string{"VGL-1013"}; !reflect.DeepEqual(got, want) {
		t.Errorf("container mount: %v, want %v", got, want)
	}
	if g := b.Candidates("security_sb_mount", vigil.OriginHost); g != nil {
		t.Errorf("host mount selects %v", ids(g))
	}
	all, err := New(set, set.Signatures, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(all.Candidates("sched_process_fork", vigil.OriginHost)), []string{"TST-5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("with a * selector, fork selects %v, want %v", got, want)
	}
	if got, want := ids(all.Candidates("unlink", vigil.OriginContainerInit)), []string{"TST-5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("unlink from container-init: %v, want %v", got, want)
	}
	if got, want := ids(all.Candidates("unlink", vigil.OriginHost)), []string{"TST-5", "TST-6"}; !reflect.DeepEqual(got, want) {
		t.Errorf("unlink from host: %v, want %v", got, want)
	}
}

// TestArgumentLookupRecognised: guards read arguments through
// get_tracee_argument only when it is the plain lookup, whoever wrote it:
// Tracee's own helpers.rego (here in its shape) qualifies, a variant that
// also filters on the type does not, and Guard says so.
func TestArgumentLookupRecognised(t *testing.T) {
	sig := `package tracee.T_1

import data.tracee.helpers

__rego_metadoc__ := {"id": "T-1", "name": "t"}

tracee_selected_events[s] {
	s := {"source": "tracee", "name": "openat"}
}

tracee_match {
	startswith(helpers.get_tracee_argument("pathname"), "/etc/")
}
`
	for _, tt := range []struct {
		name    string
		helpers string
		want    string // the guard, or why there is none
	}{
		{"tracee's shape", "package tracee.helpers\n\nget_tracee_argument(arg_name) = res {\n\targ := input.args[_]\n\targ.name == arg_name\n\tres := arg.value\n}\n",
			`startswith(args.pathname, "/etc/")`},
		{"filters on the type too", "package tracee.helpers\n\nget_tracee_argument(arg_name) = res {\n\targ := input.args[_]\n\targ.name == arg_name\n\targ.type == \"int\"\n\tres := arg.value\n}\n",
			"line 12: get_tracee_argument is not the plain lookup by name; line 12: startswith of a value that is not an argument or input field the guards read"},
		{"reads another field", "package tracee.helpers\n\nget_tracee_argument(arg_name) = res {\n\targ := input.args[_]\n\targ.name == arg_name\n\tres := arg.type\n}\n",
			"line 12: get_tracee_argument is not the plain lookup by name; line 12: startswith of a value that is not an argument or input field the guards read"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			set, err := signature.Load(context.Background(), []signature.Source{{FS: fstest.MapFS{
				"t.rego":       {Data: []byte(sig)},
				"helpers.rego": {Data: []byte(tt.helpers)},
			}, Root: "."}}, loadBudget)
			if err != nil {
				t.Fatal(err)
			}
			// With or without the guard, the results are the same.
			p := newPair(t, set)
			form, why := p.eng.Guard("T-1")
			if got := form + why; got != tt.want {
				t.Fatalf("Guard = %q, %q; want %q", form, why, tt.want)
			}
			for _, path := range []string{"/etc/passwd", "/tmp/x"} {
				lr, res := recordOf(&tracee.Event{EventName: "openat", Args: []tracee.Arg{{Name: "pathname", Type: catalog.TypeStr, Value: path}}})
				p.check(t, lr, res)
			}
		})
	}
}
