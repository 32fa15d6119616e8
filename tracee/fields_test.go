package tracee

import (
	"fmt"
	"github.com/vigil-sec/vigil"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// TestTraceeFieldsMatchTheWriter: every field of the table, set in an event,
// is written where the table says, in its kind, and read back; and every
// attribute the writer puts besides the arguments is in the table, but for
// the ones derived from others.
func TestTraceeFieldsMatchTheWriter(t *testing.T) {
	ev := Event{EventName: "vendor_event", EventID: 9999, Args: []Arg{}}
	byKey := map[string]any{} // fields sharing a key share a value
	for i := range traceeFields {
		f := &traceeFields[i]
		v, shared := byKey[f.Key]
		switch p := f.field(&ev).(type) {
		case *int64:
			if !shared {
				v = int64(1000 + i)
			}
			*p = v.(int64)
			assertKind(t, f, FieldInt)
		case *uint64:
			if !shared {
				v = uint64(1)<<63 + uint64(i) // beyond int64: the bit pattern must survive
			}
			*p = v.(uint64)
			assertKind(t, f, FieldUint)
		case *string:
			if !shared {
				v = fmt.Sprintf("v%d", i)
			}
			*p = v.(string)
			assertKind(t, f, FieldStr)
		case *bool:
			v = true
			*p = true
			assertKind(t, f, FieldBool)
		case *uint32:
			v = uint32(1)<<31 + uint32(i) // never what a record derives
			*p = v.(uint32)
			assertKind(t, f, FieldUint)
		case *[]string:
			v = fmt.Sprintf("policy-%d", i)
			*p = []string{v.(string)}
			assertKind(t, f, FieldStrs)
		default:
			t.Fatalf("%s: a field of type %T", f.Path(), p)
		}
		byKey[f.Key] = v
	}

	lr, res := plog.NewLogRecord(), pcommon.NewResource()
	RecordFromEvent(&ev, lr)
	p := ev.Process()
	vigil.WriteResource(res.Attributes(), ev.HostName, &p, nil)

	for i := range traceeFields {
		f := &traceeFields[i]
		in, other := lr.Attributes(), res.Attributes()
		if f.Resource {
			in, other = other, in
		}
		v, ok := in.Get(f.Key)
		if !ok {
			t.Errorf("%s: %s not written where the table says (resource: %v)", f.Path(), f.Key, f.Resource)
			continue
		}
		if _, dup := other.Get(f.Key); dup {
			t.Errorf("%s: %s written on both the record and the resource", f.Path(), f.Key)
		}
		if want := attrType(f.Kind); v.Type() != want {
			t.Errorf("%s: %s is %s, the table says %s", f.Path(), f.Key, v.Type(), want)
		}
	}
	derived := map[string]bool{vigil.AttrEventID: true, vigil.AttrOrigin: true}
	for _, m := range []pcommon.Map{lr.Attributes(), res.Attributes()} {
		for k := range m.All() {
			if _, ok := byKey[k]; !ok && !derived[k] && !strings.HasPrefix(k, vigil.AttrArgPrefix) {
				t.Errorf("the writer puts %s, which no Tracee field of the table names", k)
			}
		}
	}

	back := EventFromRecord(lr, res)
	for i := range traceeFields {
		f := &traceeFields[i]
		if got, want := deref(f.field(&back)), deref(f.field(&ev)); got != want {
			t.Errorf("%s: read back %v, want %v", f.Path(), got, want)
		}
	}
}

func assertKind(t *testing.T, f *Field, want FieldKind) {
	t.Helper()
	if f.Kind != want {
		t.Errorf("%s: kind %d, but its Event field is of kind %d", f.Path(), f.Kind, want)
	}
}

func attrType(k FieldKind) pcommon.ValueType {
	switch k {
	case FieldStr:
		return pcommon.ValueTypeStr
	case FieldBool:
		return pcommon.ValueTypeBool
	case FieldStrs:
		return pcommon.ValueTypeSlice
	}
	return pcommon.ValueTypeInt
}

func deref(p any) any {
	switch p := p.(type) {
	case *int64:
		return *p
	case *uint64:
		return *p
	case *string:
		return *p
	case *bool:
		return *p
	case *uint32:
		return *p
	case *[]string:
		return strings.Join(*p, ",")
	}
	return nil
}
