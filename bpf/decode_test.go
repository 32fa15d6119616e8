package bpf

import (
	"errors"
	"reflect"
	"slices"
	"testing"
)

// sampleEvents are realistic events of each argument kind.
func sampleEvents() []Event {
	return []Event{
		{
			Timestamp: 817183084206, ThreadStartTime: 817182562975, CgroupID: 1, EventID: 59, Syscall: 59,
			HostPID: 19368, HostTID: 19368, HostPPID: 19367, PID: 19368, TID: 19368, PPID: 19367,
			MountNS: 4026531832, PIDNS: 4026531836, CPU: 1, Comm: "cat",
			Args: []Arg{
				{Index: 0, Kind: ArgString, Str: "/usr/bin/cat"},
				{Index: 1, Kind: ArgStrings, Strs: []string{"cat", "/etc/hostname"}},
			},
		},
		{
			Timestamp: 1, EventID: 257, Syscall: 257, ReturnValue: -2, Comm: "sh", Flags: FlagContainer,
			Args: []Arg{
				{Index: 0, Kind: ArgInt, Int: -100},
				{Index: 1, Kind: ArgString, Str: "/etc/shadow"},
				{Index: 2, Kind: ArgInt, Int: 524288},
				{Index: 3, Kind: ArgUint, Uint: 0o644},
			},
		},
		{
			EventID: 42, Syscall: 42, Comm: "curl",
			Args: []Arg{
				{Index: 0, Kind: ArgInt, Int: 3},
				{Index: 1, Kind: ArgBytes, Bytes: []byte{2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
				{Index: 2, Kind: ArgInt, Int: 16},
			},
		},
		{EventID: 716, Syscall: -1, Comm: "a-fifteen-chars", Args: []Arg{{Index: 0, Kind: ArgInt, Int: 768}, {Index: 1, Kind: ArgUint, Uint: 1}}},
		{EventID: 715, Syscall: -1, Args: []Arg{{Index: 10, Kind: ArgStrings, Strs: []string{}}, {Index: 11, Kind: ArgString, Str: ""}}},
	}
}

// normalize makes nil and empty slices compare equal.
func normalize(ev *Event) {
	for i := range ev.Args {
		a := &ev.Args[i]
		if len(a.Strs) == 0 {
			a.Strs = nil
		}
		if len(a.Bytes) == 0 {
			a.Bytes = nil
		}
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	for _, want := range sampleEvents() {
		var got Event
		if err := Decode(Encode(&want), &got); err != nil {
			t.Fatalf("event %d: %v", want.EventID, err)
		}
		normalize(&got)
		normalize(&want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("event %d:\n got %+v\nwant %+v", want.EventID, got, want)
		}
	}
}

func TestDecodeReuses(t *testing.T) {
	evs := sampleEvents()
	var ev Event
	if err := Decode(Encode(&evs[0]), &ev); err != nil {
		t.Fatal(err)
	}
	argv := ev.Args[1].Strs
	raw := Encode(&evs[0])
	allocs := testing.AllocsPerRun(100, func() {
		if err := Decode(raw, &ev); err != nil {
			t.Fatal(err)
		}
	})
	// the same event again: every string and slice is reused
	if allocs != 0 {
		t.Errorf("decoding the same event again allocates %.0f times, want 0", allocs)
	}
	if &ev.Args[1].Strs[0] != &argv[0] {
		t.Error("Decode did not reuse the Strs of an argument")
	}
	// changed strings are new strings
	other := evs[0]
	other.Args = []Arg{{Index: 0, Kind: ArgString, Str: "/usr/bin/dog"}, {Index: 1, Kind: ArgStrings, Strs: []string{"cat", "/etc/passwd", "-n"}}}
	if err := Decode(Encode(&other), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Args[0].Str != "/usr/bin/dog" || !slices.Equal(ev.Args[1].Strs, other.Args[1].Strs) {
		t.Errorf("after reuse: %+v", ev.Args)
	}
	// a shorter event leaves no stale arguments behind
	if err := Decode(Encode(&evs[3]), &ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.Args) != 2 || ev.Args[0].Int != 768 || ev.Args[0].Str != "" || len(ev.Args[0].Strs) != 0 {
		t.Errorf("stale state after reuse: %+v", ev.Args)
	}
}

// TestDecodeHeaderAlone: the header alone decodes as Decode decodes it, and the
// arguments an earlier Decode left are left as they were; a record shorter
// than the header is an ErrDecode.
func TestDecodeHeaderAlone(t *testing.T) {
	evs := sampleEvents()
	var ev Event
	if err := Decode(Encode(&evs[0]), &ev); err != nil {
		t.Fatal(err)
	}
	args := ev.Args
	for _, want := range evs {
		raw := Encode(&want)
		if err := DecodeHeader(raw, &ev); err != nil {
			t.Fatalf("event %d: %v", want.EventID, err)
		}
		if &ev.Args[0] != &args[0] || len(ev.Args) != len(args) {
			t.Errorf("event %d: DecodeHeader changed the arguments", want.EventID)
		}
		got := ev
		got.Args, want.Args = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("event %d:\n got %+v\nwant %+v", want.EventID, got, want)
		}
		if err := DecodeHeader(raw[:hdrSize-1], &ev); !errors.Is(err, ErrDecode) {
			t.Errorf("event %d cut short: %v, want ErrDecode", want.EventID, err)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	good := Encode(&sampleEvents()[0])
	withArgc := func(b []byte, n byte) []byte {
		b = append([]byte(nil), b...)
		b[104] = n
		return b
	}
	tests := []struct {
		name string
		raw  []byte
	}{
		{"empty", nil},
		{"short header", good[:hdrSize-1]},
		{"truncated argument", good[:len(good)-1]},
		{"trailing bytes", append(append([]byte(nil), good...), 0)},
		{"argc larger than the arguments", withArgc(good, 3)},
		{"unknown kind", append(withArgc(good[:hdrSize], 1), 0, 9, 0, 0, 0, 0, 0, 0, 0, 0)},
		{"string longer than the record", append(withArgc(good[:hdrSize], 1), 0, byte(ArgString), 0xff, 0xff, 0xff, 0xff)},
		{"huge string count", append(withArgc(good[:hdrSize], 1), 0, byte(ArgStrings), 0xff, 0xff, 0xff, 0x7f)},
		{"bytes length cut", append(withArgc(good[:hdrSize], 1), 0, byte(ArgBytes), 0x10, 0)},
		{"integer cut", append(withArgc(good[:hdrSize], 1), 0, byte(ArgInt), 1, 2, 3)},
		{"argument header cut", append(withArgc(good[:hdrSize], 1), 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev Event
			err := Decode(tt.raw, &ev)
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("Decode = %v, want an error wrapping ErrDecode", err)
			}
		})
	}
}

func TestDecodeHeader(t *testing.T) {
	ev := Event{
		Timestamp: 1, ThreadStartTime: 2, CgroupID: 3, ReturnValue: -4, EventID: 5, Syscall: -1,
		HostPID: 7, HostTID: 8, HostPPID: 9, PID: 10, TID: 11, PPID: 12, UID: 13, GID: 14,
		MountNS: 15, PIDNS: 16, CPU: 17, Flags: FlagCompat | FlagContainer, Comm: "123456789012345",
	}
	var got Event
	if err := Decode(Encode(&ev), &got); err != nil {
		t.Fatal(err)
	}
	if got.Args == nil {
		got.Args = ev.Args
	}
	if !reflect.DeepEqual(got, ev) {
		t.Errorf("got %+v\nwant %+v", got, ev)
	}
}

// FuzzDecode's seeds are sampleEvents and, in testdata/fuzz/FuzzDecode,
// records the programs wrote for a real sh/cat/connect run.
func FuzzDecode(f *testing.F) {
	for _, ev := range sampleEvents() {
		f.Add(Encode(&ev))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var ev Event
		err := Decode(raw, &ev)
		if err != nil {
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("error does not wrap ErrDecode: %v", err)
			}
			return
		}
		// what decodes re-encodes to the same bytes, but for the comm,
		// which is cut at its NUL, and the header padding
		normalize(&ev)
		again := Encode(&ev)
		if len(again) != len(raw) {
			t.Fatalf("re-encoded %d bytes, decoded %d", len(again), len(raw))
		}
	})
}

// BenchmarkDecode decodes an openat record again and again into one event,
// as a builder does: the cost per record of the arguments' decoding.
func BenchmarkDecode(b *testing.B) {
	raw := Encode(&sampleEvents()[1])
	var ev Event
	b.ReportAllocs()
	for b.Loop() {
		if err := Decode(raw, &ev); err != nil {
			b.Fatal(err)
		}
	}
}
