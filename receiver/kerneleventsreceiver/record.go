package kerneleventsreceiver

import (
	"path"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/bpf"
	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/argparse"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/containermeta"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/containers"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/exehash"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/proctree"
)

// recordBuilder turns decoded kernel events into log records following the
// root package's schema, enriched from the process tree and container ids.
type recordBuilder struct {
	tree       *proctree.Tree
	containers *containers.Resolver
	// runtimes describes containers from their runtimes; nil when
	// container_runtimes.enabled is false.
	runtimes *containermeta.Resolver
	// parsed memoises parsed integer arguments: flag values repeat, and
	// rendering one costs allocations per record.
	parsed map[parsedKey]string
	// events holds what each event's integer arguments need (intArgsOf):
	// one lookup a record, where looking each argument's form up and then
	// its rendering took two map lookups per integer argument.
	events map[*catalog.EventDef]*intArgs
	// syscall is the syscall the last event outside its own syscall was
	// raised in (syscallName): a flood's events are raised in one.
	syscall syscallMemo
	writer  vigil.RecordWriter
	// ancestryDepth is how many ancestors a resource lists; 0 for none.
	ancestryDepth int
	// hasher hashes the files of exec events; nil when hashing is off.
	hasher *exehash.Hasher
}

// parsedKey names an argument by its catalog entry, whose address is
// stable: hashing a pointer costs less than hashing the event's and the
// argument's names on every record.
type parsedKey struct {
	arg   *catalog.ArgDef
	value uint64
}

// maxParsed bounds the memo; it is cleared when full.
const maxParsed = 4096

func newRecordBuilder(tree *proctree.Tree, res *containers.Resolver) *recordBuilder {
	return &recordBuilder{tree: tree, containers: res, parsed: map[parsedKey]string{}, events: map[*catalog.EventDef]*intArgs{}}
}

// fork returns a builder that shares b's enrichment (the process tree, the
// containers, the hasher) and has memos and a writer of its own: one per
// goroutine that writes records.
func (b *recordBuilder) fork() *recordBuilder {
	f := newRecordBuilder(b.tree, b.containers)
	f.runtimes, f.ancestryDepth, f.hasher = b.runtimes, b.ancestryDepth, b.hasher
	return f
}

// write adds the record of ev to out, under the resource of key and argv
// (see resourceOf). def is ev's catalog entry.
func (b *recordBuilder) write(ev *bpf.Event, def *catalog.EventDef, key *resourceKey, argv []string, out *batcher, observed pcommon.Timestamp) {
	h := vigil.RecordHeader{
		Def:       def,
		Name:      def.Name,
		ID:        int64(def.ID),
		Timestamp: pcommon.NewTimestampFromTime(bpf.BootTimeToWall(ev.Timestamp)),
		Observed:  observed,
		HostTID:   int64(ev.HostTID),
		TID:       int64(ev.TID),
		// in ns since the epoch, as Tracee's threadStartTime, from which the
		// entity ids are derived
		ThreadStartTime: bpf.BootTimeToWall(ev.ThreadStartTime).UnixNano(),
		CPU:             int64(ev.CPU),
		Compat:          ev.Flags&bpf.FlagCompat != 0,
		ReturnValue:     ev.ReturnValue,
	}
	if def.Syscall {
		h.Syscall = def.Name
	} else if ev.Syscall >= 0 {
		h.Syscall = b.syscallName(ev.Syscall)
	}
	hashed := b.hasher != nil && (def.ID == catalog.IDSchedProcessExec || def.ID == catalog.IDSecurityBprmCheck)
	attrs := len(ev.Args)
	if hashed {
		attrs += 2
	}
	w := &b.writer
	w.Begin(out.add(def.Name, key, argv), &h, attrs)
	ints := b.intArgsOf(def)
	for i := range ev.Args {
		arg := &ev.Args[i]
		if int(arg.Index) >= len(def.Args) {
			continue // the decoder checked bounds against the wire, not the catalog
		}
		b.putArg(w, ints, &def.Args[arg.Index], arg)
	}
	if hashed {
		b.putHash(w, ev, def)
	}
	w.End()
}

// putHash writes the hash of the file an exec event ran, or the status
// that says why there is none: the hasher answers at once.
func (b *recordBuilder) putHash(w *vigil.RecordWriter, ev *bpf.Event, def *catalog.EventDef) {
	fa := &bprmFileArgs
	if def.ID == catalog.IDSchedProcessExec {
		fa = &execFileArgs
	}
	req := exehash.Request{PID: ev.HostPID, Executed: def.ID == catalog.IDSchedProcessExec}
	for i := range ev.Args {
		a := &ev.Args[i]
		switch int(a.Index) {
		case fa.pathname:
			req.Path = a.Str
		case fa.dev:
			req.Key.Dev = uintValue(a)
		case fa.inode:
			req.Key.Inode = uintValue(a)
		case fa.ctime:
			req.Key.Ctime = uintValue(a)
		}
	}
	sum, status := "", exehash.StatusUnreadable
	if req.Key.Inode != 0 { // 0: the event lost its file's arguments
		sum, status = b.hasher.Lookup(req)
	}
	if sum != "" {
		w.Value(vigil.AttrExecutableSHA256).SetStr(sum)
	}
	w.Value(vigil.AttrExecutableHashStatus).SetStr(status)
}

// fileArgs are the indices of an exec event's arguments that name its
// file, looked up once rather than by name on every record; -1 for one the
// event lacks (security_bprm_check has no ctime).
type fileArgs struct{ pathname, dev, inode, ctime int }

var (
	execFileArgs = fileArgsOf("sched_process_exec")
	bprmFileArgs = fileArgsOf("security_bprm_check")
)

func fileArgsOf(event string) fileArgs {
	def, _ := catalog.LookupEvent(event)
	return fileArgs{def.ArgIndex("pathname"), def.ArgIndex("dev"), def.ArgIndex("inode"), def.ArgIndex("ctime")}
}

// resourceOf returns the resource key of ev's process, enriched from the
// process tree and the container resolver, and its argv where known; and
// whether its container's runtime has yet to describe it (addContainer).
func (b *recordBuilder) resourceOf(ev *bpf.Event) (key resourceKey, argv []string, awaiting bool) {
	// an unknown process has no path, no argv; the ancestry starts from
	// the event's parent, not the tree's: the kernel's is current when the
	// tree missed a reparenting
	p, ancestry := b.tree.Lookup(ev.HostPID, ev.HostPPID, b.ancestryDepth)
	key = resourceKey{process: vigil.Process{
		PID:            int64(ev.HostPID),
		ParentPID:      int64(ev.HostPPID),
		VPID:           int64(ev.PID),
		ParentVPID:     int64(ev.PPID),
		UserID:         int64(ev.UID),
		CgroupID:       ev.CgroupID,
		MountNS:        int64(ev.MountNS),
		PIDNS:          int64(ev.PIDNS),
		Name:           ev.Comm,
		ExecutablePath: p.ExecutablePath,
	}}
	awaiting = b.addContainer(&key.process, b.containers.Lookup(ev.CgroupID, ev.HostPID))
	if len(p.Argv) > 0 {
		key.argv = &p.Argv[0]
	}
	key.process.Ancestry = ancestry
	// A container has started once its init process runs the entrypoint;
	// until then pid 1 of the container is still the runtime setting it up
	// (Tracee's "container-init" origin).
	key.process.ContainerStarted = key.process.ContainerID != "" && !(ev.PID == 1 && isRuntimeInit(p.ExecutablePath, ev.Comm))
	return key, p.Argv, awaiting
}

// putArg writes one argument under kernel.args.<name> in its Tracee parsed
// form. ad is argument arg.Index of the event's catalog entry, ints what
// the event's integer arguments need.
func (b *recordBuilder) putArg(w *vigil.RecordWriter, ints *intArgs, ad *catalog.ArgDef, arg *bpf.Arg) {
	i := int(arg.Index)
	switch arg.Kind {
	case bpf.ArgInt, bpf.ArgUint:
		raw := uintValue(arg)
		if form := ints.forms[i]; form != nil {
			w.ArgStr(i, b.parse(ints, i, ad, raw))
			return
		}
		w.ArgInt(i, int64(raw))
	case bpf.ArgString:
		w.ArgStr(i, arg.Str)
	case bpf.ArgStrings:
		w.ArgStrings(i, arg.Strs)
	case bpf.ArgBytes:
		if ad.Type == catalog.TypeSockaddr {
			sa := argparse.Sockaddr(arg.Bytes)
			m := w.ArgMap(i, len(sa))
			for k, v := range sa {
				m.Str(k, vigil.ValidUTF8(v)) // a unix socket's path is any bytes
			}
			return
		}
		if ad.Type == argparse.SlimCredType {
			cred := argparse.SlimCred(arg.Bytes)
			m := w.ArgMap(i, len(cred))
			for _, f := range cred {
				m.Int(f.Name, f.Value)
			}
			return
		}
		w.ArgBytes(i, arg.Bytes)
	}
}

// intArgs is what an event's integer arguments need, by argument index:
// the parsed form of each (nil for one Tracee keeps an integer), and the
// last value each rendered, which a flood repeats.
type intArgs struct {
	forms []argparse.IntForm
	last  []parsedValue
}

// parsedValue is an integer argument's value and its rendering.
type parsedValue struct {
	raw  uint64
	s    string
	used bool
}

// intArgsOf returns what def's integer arguments need, made at its first
// record.
func (b *recordBuilder) intArgsOf(def *catalog.EventDef) *intArgs {
	ints := b.events[def]
	if ints == nil {
		ints = &intArgs{forms: make([]argparse.IntForm, len(def.Args)), last: make([]parsedValue, len(def.Args))}
		for i := range def.Args {
			ints.forms[i], _ = argparse.ForInt(def.Name, def.Args[i].Name)
		}
		b.events[def] = ints
	}
	return ints
}

// parse renders integer argument i, ad, in its parsed form: the argument's
// last rendering when raw is its last value, else memoised.
func (b *recordBuilder) parse(ints *intArgs, i int, ad *catalog.ArgDef, raw uint64) string {
	last := &ints.last[i]
	if last.used && last.raw == raw {
		return last.s
	}
	k := parsedKey{ad, raw}
	s, ok := b.parsed[k]
	if !ok {
		if len(b.parsed) >= maxParsed {
			clear(b.parsed)
		}
		s = ints.forms[i](raw)
		b.parsed[k] = s
	}
	*last = parsedValue{raw: raw, s: s, used: true}
	return s
}

// syscallMemo is a syscall's id and name ("" for one the catalog lacks).
type syscallMemo struct {
	id    int32
	name  string
	known bool
}

// syscallName returns the name of syscall id, in which an event other
// than a syscall's was raised: "" for one the catalog lacks, which has no
// name to give (the record is then outside a syscall, as its return value,
// 0 for events other than syscalls, says nothing).
func (b *recordBuilder) syscallName(id int32) string {
	if !b.syscall.known || b.syscall.id != id {
		name := ""
		if sc, ok := catalog.LookupEventID(catalog.EventID(id)); ok && sc.Syscall {
			name = sc.Name
		}
		b.syscall = syscallMemo{id: id, name: name, known: true}
	}
	return b.syscall.name
}

// observedNow is the ObservedTimestamp of records read now.
func observedNow() pcommon.Timestamp { return pcommon.NewTimestampFromTime(time.Now()) }

// runtimeInits are the OCI runtimes whose own init process becomes a
// container's pid 1 before exec'ing the entrypoint.
var runtimeInits = map[string]bool{"runc": true, "crun": true, "youki": true, "runsc": true}

func isRuntimeInit(exePath, comm string) bool {
	return runtimeInits[path.Base(exePath)] || strings.HasPrefix(comm, "runc:")
}
