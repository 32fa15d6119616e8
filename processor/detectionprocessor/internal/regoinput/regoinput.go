// Package regoinput builds the Rego `input` of a record: the JSON shape of a
// Tracee v0.22.6 trace.Event, built straight from pdata into an ast.Value.
// Going through vigil.TraceeEventFromRecord and JSON gives the same value
// (the fuzz test holds the two together) at several times the cost.
package regoinput

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
)

// Object keys, made once: every input shares them.
var (
	kTimestamp           = ast.StringTerm("timestamp")
	kThreadStartTime     = ast.StringTerm("threadStartTime")
	kProcessorID         = ast.StringTerm("processorId")
	kProcessID           = ast.StringTerm("processId")
	kCgroupID            = ast.StringTerm("cgroupId")
	kThreadID            = ast.StringTerm("threadId")
	kParentProcessID     = ast.StringTerm("parentProcessId")
	kHostProcessID       = ast.StringTerm("hostProcessId")
	kHostThreadID        = ast.StringTerm("hostThreadId")
	kHostParentProcessID = ast.StringTerm("hostParentProcessId")
	kUserID              = ast.StringTerm("userId")
	kMountNS             = ast.StringTerm("mountNamespace")
	kPIDNS               = ast.StringTerm("pidNamespace")
	kProcessName         = ast.StringTerm("processName")
	kExecutable          = ast.StringTerm("executable")
	kPath                = ast.StringTerm("path")
	kHostName            = ast.StringTerm("hostName")
	kContainerID         = ast.StringTerm("containerId")
	kContainer           = ast.StringTerm("container")
	kID                  = ast.StringTerm("id")
	kName                = ast.StringTerm("name")
	kImage               = ast.StringTerm("image")
	kKubernetes          = ast.StringTerm("kubernetes")
	kPodName             = ast.StringTerm("podName")
	kPodNamespace        = ast.StringTerm("podNamespace")
	kPodUID              = ast.StringTerm("podUID")
	kEventID             = ast.StringTerm("eventId")
	kEventName           = ast.StringTerm("eventName")
	kArgsNum             = ast.StringTerm("argsNum")
	kReturnValue         = ast.StringTerm("returnValue")
	kSyscall             = ast.StringTerm("syscall")
	kContextFlags        = ast.StringTerm("contextFlags")
	kContainerStarted    = ast.StringTerm("containerStarted")
	kIsCompat            = ast.StringTerm("isCompat")
	kArgs                = ast.StringTerm("args")
	kType                = ast.StringTerm("type")
	kValue               = ast.StringTerm("value")
	emptyString          = ast.StringTerm("")
)

// Terms that many inputs hold the same: the empty objects of host events
// and the four contextFlags objects. Topdown never modifies its input, so
// inputs can share them.
var (
	emptyObject  = ast.ObjectTerm()
	contextFlags [2][2]*ast.Term // [containerStarted][isCompat]
)

// catalogArgs holds, per catalog event, the name and type terms of its
// arguments, made once instead of for every record.
var catalogArgs = map[*vigil.EventDef][][2]*ast.Term{}

func init() {
	for _, started := range []bool{false, true} {
		for _, compat := range []bool{false, true} {
			contextFlags[b2i(started)][b2i(compat)] = ast.ObjectTerm(
				[2]*ast.Term{kContainerStarted, ast.BooleanTerm(started)},
				[2]*ast.Term{kIsCompat, ast.BooleanTerm(compat)})
		}
	}
	for _, d := range vigil.Events() {
		terms := make([][2]*ast.Term, len(d.Args))
		for i, a := range d.Args {
			terms[i] = [2]*ast.Term{stringTerm(a.Name), stringTerm(a.Type)}
		}
		catalogArgs[d] = terms
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Build returns the Rego input of a record whose resource is res.
func Build(lr plog.LogRecord, res pcommon.Resource) ast.Value {
	at := vigil.AttrsOf(lr, res)
	num := func(k string) *ast.Term {
		if v, ok := at.Get(k); ok && v.Type() == pcommon.ValueTypeInt {
			return ast.IntNumberTerm(int(v.Int()))
		}
		return ast.IntNumberTerm(0)
	}
	str := func(k string) *ast.Term {
		if v, ok := at.Get(k); ok {
			return stringTerm(v.AsString())
		}
		return emptyString
	}
	flag := func(k string) int {
		v, ok := at.Get(k)
		return b2i(ok && v.Type() == pcommon.ValueTypeBool && v.Bool())
	}
	cgroup := ast.IntNumberTerm(0)
	if v, ok := at.Get(vigil.AttrCgroupID); ok && v.Type() == pcommon.ValueTypeInt {
		cgroup = ast.UIntNumberTerm(uint64(v.Int()))
	}
	hostName := emptyString
	if v, ok := res.Attributes().Get(vigil.AttrHostName); ok {
		hostName = stringTerm(v.AsString())
	}
	eventName := strings.TrimPrefix(lr.EventName(), vigil.EventNamePrefix)
	def, known := vigil.LookupEvent(eventName)
	eventID := ast.StringTerm("0")
	if v, ok := at.Get(vigil.AttrEventID); ok && v.Type() == pcommon.ValueTypeInt {
		eventID = ast.StringTerm(strconv.FormatInt(v.Int(), 10))
	} else if known {
		eventID = ast.StringTerm(strconv.Itoa(int(def.ID)))
	}
	containerID := str(vigil.AttrContainerID)
	args := buildArgs(lr.Attributes(), def, known)

	return ast.NewObject(
		[2]*ast.Term{kTimestamp, ast.IntNumberTerm(int(lr.Timestamp()))},
		[2]*ast.Term{kThreadStartTime, num(vigil.AttrThreadStartTime)},
		[2]*ast.Term{kProcessorID, num(vigil.AttrCPU)},
		[2]*ast.Term{kProcessID, num(vigil.AttrProcessVPID)},
		[2]*ast.Term{kCgroupID, cgroup},
		[2]*ast.Term{kThreadID, num(vigil.AttrThreadVTID)},
		[2]*ast.Term{kParentProcessID, num(vigil.AttrParentVPID)},
		[2]*ast.Term{kHostProcessID, num(vigil.AttrProcessPID)},
		[2]*ast.Term{kHostThreadID, num(vigil.AttrThreadID)},
		[2]*ast.Term{kHostParentProcessID, num(vigil.AttrProcessParentPID)},
		[2]*ast.Term{kUserID, num(vigil.AttrUserID)},
		[2]*ast.Term{kMountNS, num(vigil.AttrMountNamespace)},
		[2]*ast.Term{kPIDNS, num(vigil.AttrPIDNamespace)},
		[2]*ast.Term{kProcessName, str(vigil.AttrExecutableName)},
		[2]*ast.Term{kExecutable, ast.ObjectTerm([2]*ast.Term{kPath, str(vigil.AttrExecutablePath)})},
		[2]*ast.Term{kHostName, hostName},
		[2]*ast.Term{kContainerID, containerID},
		[2]*ast.Term{kContainer, optionalObject(
			[2]*ast.Term{kID, containerID},
			[2]*ast.Term{kName, str(vigil.AttrContainerName)},
			[2]*ast.Term{kImage, str(vigil.AttrContainerImage)})},
		[2]*ast.Term{kKubernetes, optionalObject(
			[2]*ast.Term{kPodName, str(vigil.AttrPodName)},
			[2]*ast.Term{kPodNamespace, str(vigil.AttrPodNamespace)},
			[2]*ast.Term{kPodUID, str(vigil.AttrPodUID)})},
		[2]*ast.Term{kEventID, eventID},
		[2]*ast.Term{kEventName, stringTerm(eventName)},
		[2]*ast.Term{kArgsNum, ast.IntNumberTerm(args.Len())},
		[2]*ast.Term{kReturnValue, num(vigil.AttrReturnValue)},
		[2]*ast.Term{kSyscall, str(vigil.AttrSyscall)},
		[2]*ast.Term{kContextFlags, contextFlags[flag(vigil.AttrContainerStarted)][flag(vigil.AttrIsCompat)]},
		[2]*ast.Term{kArgs, ast.NewTerm(args)},
	)
}

// optionalObject keeps the non-empty string fields, as Tracee's omitempty
// tags do.
func optionalObject(items ...[2]*ast.Term) *ast.Term {
	kept := items[:0]
	for _, it := range items {
		if it[1] != emptyString {
			kept = append(kept, it)
		}
	}
	if len(kept) == 0 {
		return emptyObject
	}
	return ast.ObjectTerm(kept...)
}

// stringTerm makes a string term the way Tracee's JSON would carry it:
// encoding/json replaces each invalid UTF-8 byte (kernel paths need not be
// UTF-8) with U+FFFD, so signatures see the same text here.
func stringTerm(s string) *ast.Term {
	if s == "" {
		return emptyString
	}
	return ast.StringTerm(ValidUTF8(s))
}

// ValidUTF8 returns s as input strings carry it: with each invalid UTF-8
// byte replaced by U+FFFD.
func ValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return replaceInvalidUTF8(s)
}

func replaceInvalidUTF8(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// buildArgs lists the kernel.args.* attributes as Tracee's args array: in
// catalog order with catalog types for a known event, then any others in
// attribute order with types guessed from their values.
func buildArgs(at pcommon.Map, def *vigil.EventDef, known bool) *ast.Array {
	args := ast.NewArrayWithCapacity(argCapacity(def, known))
	if known {
		terms := catalogArgs[def]
		for i, ad := range def.Args {
			if v, ok := at.Get(vigil.AttrArgPrefix + ad.Name); ok {
				args = args.Append(arg(terms[i], ad.Type, v))
			}
		}
	}
	for k, v := range at.All() {
		name, isArg := strings.CutPrefix(k, vigil.AttrArgPrefix)
		if !isArg || (known && def.ArgIndex(name) >= 0) {
			continue
		}
		typ := vigil.ArgTypeOf(v)
		args = args.Append(arg([2]*ast.Term{stringTerm(name), stringTerm(typ)}, typ, v))
	}
	return args
}

func argCapacity(def *vigil.EventDef, known bool) int {
	if known {
		return len(def.Args)
	}
	return 4
}

// arg makes one element of args from its name and type terms.
func arg(nameType [2]*ast.Term, typ string, v pcommon.Value) *ast.Term {
	return ast.ObjectTerm(
		[2]*ast.Term{kName, nameType[0]},
		[2]*ast.Term{kType, nameType[1]},
		[2]*ast.Term{kValue, Value(v, typ)},
	)
}

// Value converts an attribute value to its Tracee JSON value, as
// vigil.ArgValueFromAttr does for encoding/json.
func Value(v pcommon.Value, typ string) *ast.Term {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return stringTerm(v.Str())
	case pcommon.ValueTypeInt:
		i := v.Int()
		if i < 0 && vigil.IsUnsignedArgType(typ) {
			return ast.UIntNumberTerm(uint64(i))
		}
		return ast.IntNumberTerm(int(i))
	case pcommon.ValueTypeDouble:
		f := v.Double()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return ast.NullTerm() // JSON has no such number
		}
		return ast.FloatNumberTerm(f)
	case pcommon.ValueTypeBool:
		return ast.BooleanTerm(v.Bool())
	case pcommon.ValueTypeBytes:
		return ast.StringTerm(base64.StdEncoding.EncodeToString(v.Bytes().AsRaw()))
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		terms := make([]*ast.Term, s.Len())
		for i := range terms {
			terms[i] = Value(s.At(i), "")
		}
		return ast.ArrayTerm(terms...)
	case pcommon.ValueTypeMap:
		items := make([][2]*ast.Term, 0, v.Map().Len())
		for k, e := range v.Map().All() {
			items = append(items, [2]*ast.Term{stringTerm(k), Value(e, "")})
		}
		return ast.ObjectTerm(items...)
	}
	return ast.NullTerm()
}
