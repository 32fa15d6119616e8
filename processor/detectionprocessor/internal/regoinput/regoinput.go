// Package regoinput builds the Rego `input` of a record: the JSON shape of a
// Tracee v0.22.6 trace.Event, built straight from pdata into an ast.Value,
// its fields from the attributes tracee.Fields maps them to (a Record).
// Going through tracee.EventFromRecord and JSON gives the same value
// (the fuzz test holds the two together) at several times the cost.
package regoinput

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/tracee"
)

// Object keys, made once: every input shares them. The fields attributes
// carry get theirs from tracee.Fields.
var (
	kTimestamp  = ast.StringTerm("timestamp")
	kEventID    = ast.StringTerm("eventId")
	kEventName  = ast.StringTerm("eventName")
	kArgsNum    = ast.StringTerm("argsNum")
	kArgs       = ast.StringTerm("args")
	kName       = ast.StringTerm("name")
	kType       = ast.StringTerm("type")
	kValue      = ast.StringTerm("value")
	kString     = ast.StringTerm(tracee.StringType)
	emptyString = ast.StringTerm("")
	// emptyObject is the object of a host event's container and
	// kubernetes: topdown never modifies its input, so inputs share it.
	emptyObject = ast.ObjectTerm()
)

// An item is one member of the input built from attributes: a field of
// tracee.Fields, or an object of them.
type item struct {
	key    *ast.Term
	field  *tracee.Field // a top-level field
	fields []objectField // an object's fields
	// flags holds, for an object of booleans (contextFlags), its every
	// value, indexed by the bits of its fields: many inputs share them.
	flags []*ast.Term
}

type objectField struct {
	key   *ast.Term
	field *tracee.Field
}

// items are the input's members from attributes, in trace.Event's order.
var items []item

// catalogArgs holds, per catalog event, the name and type terms of its
// arguments, made once instead of for every record.
var catalogArgs = map[*catalog.EventDef][][2]*ast.Term{}

func init() {
	objects := map[string]int{}
	fields := tracee.Fields()
	for i := range fields {
		f := &fields[i]
		if f.Object == "" {
			items = append(items, item{key: ast.StringTerm(f.Name), field: f})
			continue
		}
		at, ok := objects[f.Object]
		if !ok {
			at = len(items)
			objects[f.Object] = at
			items = append(items, item{key: ast.StringTerm(f.Object)})
		}
		items[at].fields = append(items[at].fields, objectField{ast.StringTerm(f.Name), f})
	}
	for i := range items {
		if it := &items[i]; it.field == nil && allBool(it.fields) {
			it.flags = make([]*ast.Term, 1<<len(it.fields))
			for bits := range it.flags {
				members := make([][2]*ast.Term, len(it.fields))
				for j, of := range it.fields {
					members[j] = [2]*ast.Term{of.key, ast.BooleanTerm(bits&(1<<j) != 0)}
				}
				it.flags[bits] = ast.ObjectTerm(members...)
			}
		}
	}
	for i := range items {
		memberKeys = append(memberKeys, items[i].key)
	}
	if len(memberKeys) > maxMembers {
		panic("regoinput: more input members than maxMembers")
	}
	for i, k := range memberKeys {
		memberAt[string(k.Value.(ast.String))] = i
	}
	for _, d := range catalog.Events() {
		terms := make([][2]*ast.Term, len(d.Args))
		for i, a := range d.Args {
			terms[i] = [2]*ast.Term{stringTerm(a.Name), stringTerm(a.Type)}
		}
		catalogArgs[d] = terms
	}
}

func allBool(fields []objectField) bool {
	for _, of := range fields {
		if of.field.Kind != tracee.FieldBool {
			return false
		}
	}
	return len(fields) > 0
}

// maxMembers bounds an input's members and an object's: room on the stack.
const maxMembers = 32

// fixedMembers is the number of members not read from Fields.
const fixedMembers = 6

// Record builds the input of one record, whole or a member at a time: a
// record whose signatures' results are all remembered needs only the
// members they read. Members are the same terms either way.
type Record struct {
	lr        plog.LogRecord
	reader    reader
	eventName string
	def       *catalog.EventDef
	known     bool
	args      *ast.Array // built once
	argsTerm  *ast.Term
	cache     *ArgsCache // nil: none
	// members are those built so far, by memberAt's index: signatures
	// reading the same member share it.
	members [maxMembers]*ast.Term
}

// Reset makes r the builder of the input of lr, of resource res.
// Its args come from cache when it holds them (nil: no cache).
func (r *Record) Reset(lr plog.LogRecord, res pcommon.Resource, cache *ArgsCache) {
	*r = Record{lr: lr, reader: reader{at: vigil.AttrsOf(lr, res)}, cache: cache}
	r.reader.derivation.Reset(r.reader.at)
	r.eventName = strings.TrimPrefix(lr.EventName(), vigil.EventNamePrefix)
	r.def, r.known = catalog.LookupEvent(r.eventName)
}

// Input returns the whole input.
func (r *Record) Input() ast.Value {
	members := make([][2]*ast.Term, 0, len(memberKeys))
	for i, k := range memberKeys {
		if m := r.member(i); m != nil {
			members = append(members, [2]*ast.Term{k, m})
		}
	}
	return ast.NewObject(members...)
}

// memberKeys are the input's keys in trace.Event's order: those not read
// from Fields, then items'; memberAt indexes them.
var (
	memberKeys = []*ast.Term{kTimestamp, kEventID, kEventName, kArgsNum, kArgs, kVigil}
	memberAt   = map[string]int{}
)

// A Member is one of the input's members, resolved from its key once
// (MemberOf), when a signature is compiled: a record's member is then
// found by its index rather than by its name.
type Member int

// NoMember is the Member of a key the input has no member for.
const NoMember Member = -1

// MemberOf returns the member of key, NoMember when the input has none.
func MemberOf(key string) Member {
	if i, ok := memberAt[key]; ok {
		return Member(i)
	}
	return NoMember
}

// Member returns the input's member m, or nil when the input has none.
func (r *Record) Member(m Member) *ast.Term {
	if m == NoMember {
		return nil
	}
	return r.member(int(m))
}

func (r *Record) member(i int) *ast.Term {
	if r.members[i] == nil {
		r.members[i] = r.build(i)
	}
	return r.members[i]
}

func (r *Record) build(i int) *ast.Term {
	if i >= fixedMembers {
		return r.item(&items[i-fixedMembers])
	}
	switch memberKeys[i].Value.(ast.String) {
	case "timestamp":
		return ast.IntNumberTerm(int(r.lr.Timestamp()))
	case "eventId":
		if v, ok := r.reader.at.Get(vigil.AttrEventID); ok && v.Type() == pcommon.ValueTypeInt {
			return ast.StringTerm(strconv.FormatInt(v.Int(), 10))
		} else if r.known {
			return ast.StringTerm(strconv.Itoa(int(r.def.ID)))
		}
		return ast.StringTerm("0")
	case "eventName":
		return stringTerm(r.eventName)
	case "argsNum":
		return ast.IntNumberTerm(r.argList().Len())
	case "vigil":
		// a member like the others, so that the memo keys a signature
		// reading the ancestry on it
		return vigilTerm(&r.reader)
	}
	return r.argsMember() // args
}

func (r *Record) argList() *ast.Array {
	if r.args == nil {
		r.args = r.argsMember().Value.(*ast.Array)
	}
	return r.args
}

func (r *Record) argsMember() *ast.Term {
	if r.argsTerm == nil {
		if r.cache != nil {
			r.argsTerm = r.cache.get(r.lr.Attributes(), r.def, r.known)
		} else {
			r.argsTerm = ast.NewTerm(buildArgs(r.lr.Attributes(), r.def, r.known))
		}
	}
	return r.argsTerm
}

func (r *Record) item(it *item) *ast.Term {
	if it.field != nil {
		return fieldTerm(&r.reader, it.field)
	}
	return it.object(&r.reader)
}

// fieldTerm is the value of f in the input: its attribute's, or the zero
// value of its kind when the attribute is missing or of another kind.
func fieldTerm(r *reader, f *tracee.Field) *ast.Term {
	v, ok := r.get(f.Key)
	switch f.Kind {
	case tracee.FieldInt:
		if ok && v.Type() == pcommon.ValueTypeInt {
			return ast.IntNumberTerm(int(v.Int()))
		}
		return ast.IntNumberTerm(0)
	case tracee.FieldUint:
		if ok && v.Type() == pcommon.ValueTypeInt {
			return ast.UIntNumberTerm(uint64(v.Int()))
		}
		if d, derived := f.Derived(&r.derivation); derived {
			return ast.UIntNumberTerm(uint64(d))
		}
		return ast.IntNumberTerm(0)
	case tracee.FieldStrs: // omitted when empty, as Tracee's omitempty does
		if !ok || v.Type() != pcommon.ValueTypeSlice || v.Slice().Len() == 0 {
			return nil
		}
		return Value(v, "")
	case tracee.FieldBool:
		return ast.BooleanTerm(isTrue(v, ok))
	}
	if ok {
		return stringTerm(v.AsString())
	}
	return emptyString
}

// reader looks attributes up, remembering the last one: two fields in a
// row (containerId, container.id) read the same attribute. Its derivation
// hashes the record's task once for the two entity ids derived from it.
type reader struct {
	at         vigil.Attrs
	key        string
	v          pcommon.Value
	ok         bool
	derivation tracee.Derivation
}

func (r *reader) get(key string) (pcommon.Value, bool) {
	if key != r.key {
		r.key = key
		r.v, r.ok = r.at.Get(key)
	}
	return r.v, r.ok
}

func isTrue(v pcommon.Value, ok bool) bool {
	return ok && v.Type() == pcommon.ValueTypeBool && v.Bool()
}

// object builds an object of fields, leaving out the empty ones Tracee
// omits.
func (it *item) object(r *reader) *ast.Term {
	if it.flags != nil {
		bits := 0
		for j, of := range it.fields {
			if v, ok := r.get(of.field.Key); isTrue(v, ok) {
				bits |= 1 << j
			}
		}
		return it.flags[bits]
	}
	members := make([][2]*ast.Term, 0, maxMembers)
	for _, of := range it.fields {
		t := fieldTerm(r, of.field)
		if of.field.OmitEmpty && t == emptyString {
			continue
		}
		members = append(members, [2]*ast.Term{of.key, t})
	}
	if len(members) == 0 {
		return emptyObject
	}
	return ast.ObjectTerm(members...)
}

// stringTerm makes a string term the way Tracee's JSON would carry it:
// encoding/json replaces each invalid UTF-8 byte (kernel paths need not be
// UTF-8) with U+FFFD, so signatures see the same text here.
func stringTerm(s string) *ast.Term {
	if s == "" {
		return emptyString
	}
	return ast.StringTerm(vigil.ValidUTF8(s))
}

// buildArgs lists the kernel.args.* attributes as Tracee's args array: in
// catalog order with catalog types (tracee.ArgType's) for a known event, then any others in
// attribute order with types guessed from their values.
func buildArgs(at pcommon.Map, def *catalog.EventDef, known bool) *ast.Array {
	args := ast.NewArrayWithCapacity(argCapacity(def, known))
	if known {
		terms := catalogArgs[def]
		for i, ad := range def.Args {
			if v, ok := at.Get(ad.AttrKey()); ok {
				nameType := terms[i]
				if typ := tracee.ArgType(ad.Type, v); typ != ad.Type {
					nameType[1] = kString
				}
				args = args.Append(arg(nameType, ad.Type, v))
			}
		}
	}
	for k, v := range at.All() {
		name, isArg := strings.CutPrefix(k, vigil.AttrArgPrefix)
		if !isArg || (known && def.ArgIndex(name) >= 0) {
			continue
		}
		typ := tracee.ArgTypeOf(v)
		args = args.Append(arg([2]*ast.Term{stringTerm(name), stringTerm(typ)}, typ, v))
	}
	return args
}

func argCapacity(def *catalog.EventDef, known bool) int {
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
// tracee.ArgValueFromAttr does for encoding/json.
func Value(v pcommon.Value, typ string) *ast.Term {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return stringTerm(v.Str())
	case pcommon.ValueTypeInt:
		i := v.Int()
		if i < 0 && tracee.IsUnsignedArgType(typ) {
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
