package bpf

import (
	"encoding/binary"
	"fmt"
)

// hdrSize is sizeof(struct vigil_hdr) in c/wire.h.
const hdrSize = 112

// Decode decodes one record (c/wire.h) into ev, reusing ev.Args and the
// Strs and Bytes of its elements. It checks every length against the record
// and never panics; on error ev is partly filled and the error wraps
// ErrDecode.
func Decode(raw []byte, ev *Event) error {
	if err := DecodeHeader(raw, ev); err != nil {
		return err
	}
	argc := int(raw[104])

	d := decoder{buf: raw, off: hdrSize}
	// ev.Args resliced in place: the compiler then writes its length only,
	// not its pointer (see decoder)
	ev.Args = ev.Args[:0]
	for i := 0; i < argc; i++ {
		if len(ev.Args) < cap(ev.Args) {
			ev.Args = ev.Args[:len(ev.Args)+1]
		} else {
			ev.Args = append(ev.Args, Arg{})
		}
		if err := d.arg(&ev.Args[len(ev.Args)-1]); err != nil {
			ev.Args = ev.Args[:len(ev.Args)-1]
			return fmt.Errorf("%w: argument %d of %d (event %d): %v", ErrDecode, i, argc, ev.EventID, err)
		}
	}
	if left := len(d.buf) - d.off; left != 0 {
		return fmt.Errorf("%w: %d bytes after the last argument (event %d)", ErrDecode, left, ev.EventID)
	}
	return nil
}

// DecodeHeader decodes the header of a record into ev: every field but
// Args, which it leaves as they were. It is what a reader needs to order
// and route a record (its event, process and thread) before Decode reads
// its arguments, possibly on another goroutine. On error it wraps
// ErrDecode.
func DecodeHeader(raw []byte, ev *Event) error {
	if len(raw) < hdrSize {
		return fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrDecode, len(raw), hdrSize)
	}
	le := binary.LittleEndian
	ev.Timestamp = le.Uint64(raw[0:])
	ev.ThreadStartTime = le.Uint64(raw[8:])
	ev.CgroupID = le.Uint64(raw[16:])
	ev.ReturnValue = int64(le.Uint64(raw[24:]))
	ev.EventID = le.Uint32(raw[32:])
	ev.Syscall = int32(le.Uint32(raw[36:]))
	ev.HostPID = le.Uint32(raw[40:])
	ev.HostTID = le.Uint32(raw[44:])
	ev.HostPPID = le.Uint32(raw[48:])
	ev.PID = le.Uint32(raw[52:])
	ev.TID = le.Uint32(raw[56:])
	ev.PPID = le.Uint32(raw[60:])
	ev.UID = le.Uint32(raw[64:])
	ev.GID = le.Uint32(raw[68:])
	ev.MountNS = le.Uint32(raw[72:])
	ev.PIDNS = le.Uint32(raw[76:])
	ev.CPU = le.Uint32(raw[80:])
	ev.Flags = le.Uint32(raw[84:])
	comm := raw[88:104]
	for i, c := range comm {
		if c == 0 {
			comm = comm[:i]
			break
		}
	}
	setStr(&ev.Comm, comm)
	return nil
}

// Encode writes ev in the wire format of c/wire.h, as the programs do: the
// record Decode reads back as ev. Tests of readers that take records as
// bytes (ReadRaw) make them with it.
func Encode(ev *Event) []byte {
	le := binary.LittleEndian
	b := make([]byte, hdrSize)
	le.PutUint64(b[0:], ev.Timestamp)
	le.PutUint64(b[8:], ev.ThreadStartTime)
	le.PutUint64(b[16:], ev.CgroupID)
	le.PutUint64(b[24:], uint64(ev.ReturnValue))
	le.PutUint32(b[32:], ev.EventID)
	le.PutUint32(b[36:], uint32(ev.Syscall))
	for i, v := range []uint32{ev.HostPID, ev.HostTID, ev.HostPPID, ev.PID, ev.TID, ev.PPID,
		ev.UID, ev.GID, ev.MountNS, ev.PIDNS, ev.CPU, ev.Flags} {
		le.PutUint32(b[40+4*i:], v)
	}
	copy(b[88:103], ev.Comm)
	b[104] = byte(len(ev.Args))
	str := func(s []byte) {
		b = le.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	for _, a := range ev.Args {
		b = append(b, a.Index, byte(a.Kind))
		switch a.Kind {
		case ArgInt:
			b = le.AppendUint64(b, uint64(a.Int))
		case ArgUint:
			b = le.AppendUint64(b, a.Uint)
		case ArgString:
			str([]byte(a.Str))
		case ArgStrings:
			b = le.AppendUint32(b, uint32(len(a.Strs)))
			for _, s := range a.Strs {
				str([]byte(s))
			}
		case ArgBytes:
			str(a.Bytes)
		}
	}
	return b
}

// decoder consumes the argument part of a record, buf[off:]. It advances
// an offset rather than reslicing buf: a slice stored per field is a
// pointer store, a write barrier while the garbage collector marks (a
// fifth of the barriers the capture made, in a profile of the collector).
type decoder struct {
	buf []byte
	off int
}

// take returns the next n bytes, or false if fewer are left (or n < 0).
// (Without an error to build it is inlined.)
func (d *decoder) take(n int) ([]byte, bool) {
	if uint(n) > uint(len(d.buf)-d.off) {
		return nil, false
	}
	b := d.buf[d.off : d.off+n]
	d.off += n
	return b, true
}

// short is the error of a take of n bytes that failed.
func (d *decoder) short(n int) error {
	return fmt.Errorf("needs %d bytes, %d left", n, len(d.buf)-d.off)
}

func (d *decoder) u32() (int, error) {
	b, ok := d.take(4)
	if !ok {
		return 0, d.short(4)
	}
	return int(binary.LittleEndian.Uint32(b)), nil
}

// bytes takes a u32 length and that many bytes.
func (d *decoder) bytes() ([]byte, error) {
	n, err := d.u32()
	if err != nil {
		return nil, err
	}
	b, ok := d.take(n)
	if !ok {
		return nil, d.short(n)
	}
	return b, nil
}

func (d *decoder) arg(a *Arg) error {
	h, ok := d.take(2)
	if !ok {
		return d.short(2)
	}
	a.Index, a.Kind = h[0], ArgKind(h[1])
	a.Int, a.Uint = 0, 0
	// most slots hold the same kind record after record: a string slot
	// keeps its string for setStr to compare
	if a.Kind != ArgString && a.Str != "" {
		a.Str = ""
	}
	// one statement each: the compiler then writes only the lengths, where
	// a tuple assignment stores the pointers again, behind write barriers
	a.Strs = a.Strs[:0]
	a.Bytes = a.Bytes[:0]
	switch a.Kind {
	case ArgInt, ArgUint:
		b, ok := d.take(8)
		if !ok {
			return d.short(8)
		}
		v := binary.LittleEndian.Uint64(b)
		if a.Kind == ArgInt {
			a.Int = int64(v)
		} else {
			a.Uint = v
		}
	case ArgString:
		b, err := d.bytes()
		if err != nil {
			return err
		}
		setStr(&a.Str, b)
	case ArgStrings:
		n, err := d.u32()
		if err != nil {
			return err
		}
		if left := len(d.buf) - d.off; n > left/4 { // each entry has at least its length
			return fmt.Errorf("%d strings cannot fit in %d bytes", n, left)
		}
		for range n {
			b, err := d.bytes()
			if err != nil {
				return err
			}
			if len(a.Strs) < cap(a.Strs) { // the previous record's string there, to compare
				a.Strs = a.Strs[:len(a.Strs)+1]
				setStr(&a.Strs[len(a.Strs)-1], b)
			} else {
				a.Strs = append(a.Strs, string(b))
			}
		}
	case ArgBytes:
		b, err := d.bytes()
		if err != nil {
			return err
		}
		a.Bytes = append(a.Bytes, b...)
	default:
		return fmt.Errorf("unknown kind %d", a.Kind)
	}
	return nil
}

// setStr makes *dst the string of b, storing only when it differs: the
// same process opening the same paths decodes without allocating, and
// without writing a pointer (a write barrier while the collector marks).
// (The comparison does not allocate.)
func setStr(dst *string, b []byte) {
	if string(b) != *dst {
		*dst = string(b)
	}
}
