package otlpjsonencodingextension

import (
	"encoding/binary"
	"unsafe"
)

// appendString appends s as a JSON string the way pdata's JSON stream
// (jsoniter without HTML escaping) writes it: '"' and '\\' backslashed,
// \n \r \t by name, other bytes below 0x20 as \u00XX, everything else,
// including bytes of invalid UTF-8, as it is.
//
// Most strings (keys, paths, names, argv) need no escaping at all: they
// are tested whole, eight bytes at a time, and copied in one piece. The
// others are copied run by run between the bytes that need escaping.
func appendString(b []byte, s string) []byte {
	return append(appendStringContent(append(b, '"'), s), '"')
}

// appendStringContent appends s escaped, without the quotes.
func appendStringContent(b []byte, s string) []byte {
	clean := cleanPrefix(s)
	if clean == len(s) {
		return append(b, s...)
	}
	return appendEscapedRuns(b, s, clean)
}

// cleanPrefix returns a length n such that s[:n] needs no escaping, and
// n == len(s) only if none of s does. From eight bytes on, it tests whole
// words, the last one being s's last eight bytes (overlapping the one
// before), and stops at the first word that needs escaping.
func cleanPrefix(s string) int {
	if len(s) < 8 {
		for i := range len(s) {
			if escapes[s[i]] {
				return i
			}
		}
		return len(s)
	}
	bs := unsafe.Slice(unsafe.StringData(s), len(s)) // only read
	for i := 0; i < len(bs)-8; i += 8 {
		if escapeBits(binary.LittleEndian.Uint64(bs[i:])) != 0 {
			return i
		}
	}
	if escapeBits(binary.LittleEndian.Uint64(bs[len(bs)-8:])) != 0 {
		return len(bs) - 8
	}
	return len(bs)
}

// appendEscapedRuns appends s escaped, copying the runs between the bytes
// that need escaping whole; s[:from] needs none. Clean words are stepped
// over eight bytes at a time: a long argv or body with one quote is mostly
// clean.
func appendEscapedRuns(b []byte, s string, from int) []byte {
	bs := unsafe.Slice(unsafe.StringData(s), len(s)) // only read
	start := 0
	for i := from; i < len(bs); {
		if i+8 <= len(bs) && escapeBits(binary.LittleEndian.Uint64(bs[i:])) == 0 {
			i += 8
			continue
		}
		if escapes[bs[i]] {
			b = append(b, s[start:i]...)
			b = appendEscaped(b, bs[i])
			start = i + 1
		}
		i++
	}
	return append(b, s[start:]...)
}

// escapes marks the bytes a JSON string cannot hold as they are.
var escapes = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

const hexDigits = "0123456789abcdef"

func appendEscaped(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// escapeBits is not 0 if and only if a byte of w is below 0x20, '"' or
// '\\'. hasLess(w, n), (w - n*ones) &^ w & highs, sets the high bit of a
// byte below n when no lower byte borrowed; bytes with their own high bit
// set are masked out by &^w, and a borrow only starts at a byte that is
// itself below n, so the test is exact for "any byte" (not for which one).
// A byte equal to c is a byte of w^c below 1. The three tests are or-ed
// and compared once.
func escapeBits(w uint64) uint64 {
	q, bs := w^(ones*'"'), w^(ones*'\\')
	return ((w-ones*0x20)&^w | (q-ones)&^q | (bs-ones)&^bs) & highs
}
