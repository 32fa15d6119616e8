package kerneleventsreceiver

import (
	"path"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/bpf"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/argparse"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/containers"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/proctree"
)

// recordBuilder turns decoded kernel events into log records following the
// root package's schema, enriched from the process tree and container ids.
type recordBuilder struct {
	tree       *proctree.Tree
	containers *containers.Resolver
	// parsed memoises parsed integer arguments: flag values repeat, and
	// rendering one costs allocations per record.
	parsed map[parsedKey]string
}

type parsedKey struct {
	event, arg string
	value      uint64
}

// fixedAttrs counts the attributes a record has whatever its event: the
// thread, the event id and flags, and the syscall and return value (an event
// raised outside a syscall has neither). The rest are its arguments; what
// describes its process is on its resource.
const fixedAttrs = 6 + 2

// maxParsed bounds the memo; it is cleared when full.
const maxParsed = 4096

func newRecordBuilder(tree *proctree.Tree, res *containers.Resolver) *recordBuilder {
	return &recordBuilder{tree: tree, containers: res, parsed: make(map[parsedKey]string)}
}

// build adds the record of ev to out. def is ev's catalog entry.
func (b *recordBuilder) build(ev *bpf.Event, def *vigil.EventDef, out *batcher, observed pcommon.Timestamp) {
	key, argv := b.resourceOf(ev)
	lr := out.add(def.Name, &key, argv)

	lr.SetEventName(def.RecordName())
	lr.SetTimestamp(pcommon.NewTimestampFromTime(bpf.BootTimeToWall(ev.Timestamp)))
	lr.SetObservedTimestamp(observed)
	lr.SetSeverityNumber(plog.SeverityNumberInfo)
	lr.SetSeverityText("INFO")

	attrs := lr.Attributes()
	// the room needed (two spare at most, for events without a syscall):
	// the attribute array is most of a record's memory, and every byte of
	// it is garbage to collect later
	attrs.EnsureCapacity(fixedAttrs + len(ev.Args))
	attrs.PutInt(vigil.AttrThreadID, int64(ev.HostTID))
	attrs.PutInt(vigil.AttrThreadVTID, int64(ev.TID))
	attrs.PutInt(vigil.AttrThreadStartTime, int64(ev.ThreadStartTime))
	attrs.PutInt(vigil.AttrCPU, int64(ev.CPU))
	attrs.PutBool(vigil.AttrIsCompat, ev.Flags&bpf.FlagCompat != 0)
	attrs.PutInt(vigil.AttrEventID, int64(def.ID))
	if def.Syscall {
		attrs.PutStr(vigil.AttrSyscall, def.Name)
		attrs.PutInt(vigil.AttrReturnValue, ev.ReturnValue)
	} else if ev.Syscall >= 0 {
		if sc, ok := vigil.LookupEventID(vigil.EventID(ev.Syscall)); ok && sc.Syscall {
			attrs.PutStr(vigil.AttrSyscall, sc.Name)
		}
		attrs.PutInt(vigil.AttrReturnValue, ev.ReturnValue)
	}

	var body strings.Builder
	body.Grow(96) // most bodies fit: one allocation
	body.WriteString(def.Name)
	for i := range ev.Args {
		arg := &ev.Args[i]
		if int(arg.Index) >= len(def.Args) {
			continue // the decoder checked bounds against the wire, not the catalog
		}
		b.putArg(attrs, def.Name, &def.Args[arg.Index], arg, &body)
	}
	if def.Syscall {
		body.WriteString(" = ")
		body.WriteString(strconv.FormatInt(ev.ReturnValue, 10))
	}
	lr.Body().SetStr(body.String())
}

// resourceOf returns the resource key of ev's process, enriched from the
// process tree and the container resolver, and its argv where known.
func (b *recordBuilder) resourceOf(ev *bpf.Event) (resourceKey, []string) {
	p, _ := b.tree.Get(ev.HostPID) // unknown: no path, no argv
	key := resourceKey{process: vigil.Process{
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
		ContainerID:    b.containers.ContainerID(ev.CgroupID, ev.HostPID),
	}}
	if len(p.Argv) > 0 {
		key.argv = &p.Argv[0]
	}
	// A container has started once its init process runs the entrypoint;
	// until then pid 1 of the container is still the runtime setting it up
	// (Tracee's "container-init" origin).
	key.process.ContainerStarted = key.process.ContainerID != "" && !(ev.PID == 1 && isRuntimeInit(p.ExecutablePath, ev.Comm))
	return key, p.Argv
}

// putArg stores one argument under kernel.args.<name> in its Tracee parsed
// form, and adds the readable ones (strings and parsed flags) to the body.
func (b *recordBuilder) putArg(attrs pcommon.Map, event string, ad *vigil.ArgDef, arg *bpf.Arg, body *strings.Builder) {
	key := ad.AttrKey()
	switch arg.Kind {
	case bpf.ArgInt, bpf.ArgUint:
		raw := arg.Uint
		if arg.Kind == bpf.ArgInt {
			raw = uint64(arg.Int)
		}
		if form, ok := argparse.ForInt(event, ad.Name); ok {
			s := b.parse(form, event, ad.Name, raw)
			attrs.PutStr(key, s)
			body.WriteByte(' ')
			body.WriteString(s)
			return
		}
		if arg.Kind == bpf.ArgInt {
			attrs.PutInt(key, arg.Int)
		} else {
			attrs.PutInt(key, int64(arg.Uint))
		}
	case bpf.ArgString:
		attrs.PutStr(key, arg.Str)
		if arg.Str != "" {
			body.WriteByte(' ')
			body.WriteString(arg.Str)
		}
	case bpf.ArgStrings:
		vigil.PutStrings(attrs.PutEmptySlice(key), arg.Strs)
	case bpf.ArgBytes:
		if ad.Type == vigil.TypeSockaddr {
			m := attrs.PutEmptyMap(key)
			for k, v := range argparse.Sockaddr(arg.Bytes) {
				m.PutStr(k, v)
			}
			return
		}
		if ad.Type == argparse.SlimCredType {
			m := attrs.PutEmptyMap(key)
			for _, f := range argparse.SlimCred(arg.Bytes) {
				m.PutInt(f.Name, f.Value)
			}
			return
		}
		attrs.PutEmptyBytes(key).FromRaw(arg.Bytes)
	}
}

// parse renders an integer argument in its parsed form, memoised.
func (b *recordBuilder) parse(form argparse.IntForm, event, arg string, raw uint64) string {
	k := parsedKey{event, arg, raw}
	if s, ok := b.parsed[k]; ok {
		return s
	}
	if len(b.parsed) >= maxParsed {
		clear(b.parsed)
	}
	s := form(raw)
	b.parsed[k] = s
	return s
}

// observedNow is the ObservedTimestamp of records read now.
func observedNow() pcommon.Timestamp { return pcommon.NewTimestampFromTime(time.Now()) }

// runtimeInits are the OCI runtimes whose own init process becomes a
// container's pid 1 before exec'ing the entrypoint.
var runtimeInits = map[string]bool{"runc": true, "crun": true, "youki": true, "runsc": true}

func isRuntimeInit(exePath, comm string) bool {
	return runtimeInits[path.Base(exePath)] || strings.HasPrefix(comm, "runc:")
}
