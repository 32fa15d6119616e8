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
// Most strings (paths, names, argv) need no escaping at all, so the scan
// tests eight bytes at a time and copies each run that needs none whole.
func appendString(b []byte, s string) []byte {
	return append(appendStringContent(append(b, '"'), s), '"')
}

// appendStringContent appends s escaped, without the quotes.
func appendStringContent(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		for i+8 <= len(s) && !needsEscape8(load8(s, i)) {
			i += 8
		}
		// Fewer than eight bytes left: the last word of s covers them
		// (and some already checked), one test for the usual clean tail.
		if i+8 > len(s) && len(s) >= 8 && !needsEscape8(load8(s, len(s)-8)) {
			break
		}
		// Byte by byte through the word that needs escaping (or the
		// tail), then back to whole words.
		for end := min(i+8, len(s)); i < end; i++ {
			if escapes[s[i]] {
				b = append(b, s[start:i]...)
				b = appendEscaped(b, s[i])
				start = i + 1
			}
		}
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

// load8 reads s[i:i+8] as one little-endian word. Indexing a string byte
// by byte is not merged into one load by the compiler, a byte slice's
// binary.LittleEndian read is; the slice aliases s and is only read.
func load8(s string, i int) uint64 {
	return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s), len(s))[i : i+8])
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// needsEscape8 reports whether any byte of w is below 0x20, '"' or '\\'.
// hasLess(w, n) sets the high bit of a byte below n when no lower byte
// borrowed; bytes with their own high bit set are masked out by ^w, and a
// borrow only starts at a byte that is itself below n, so the test is exact
// for "any byte" (not for which one).
func needsEscape8(w uint64) bool {
	return hasZero(w^(ones*'"')) || hasZero(w^(ones*'\\')) || (w-ones*0x20)&^w&highs != 0
}

func hasZero(w uint64) bool { return (w-ones)&^w&highs != 0 }
