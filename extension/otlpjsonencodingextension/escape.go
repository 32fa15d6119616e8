package otlpjsonencodingextension

// appendString appends s as a JSON string the way pdata's JSON stream
// (jsoniter without HTML escaping) writes it: '"' and '\\' backslashed,
// \n \r \t by name, other bytes below 0x20 as \u00XX, everything else,
// including bytes of invalid UTF-8, as it is.
//
// Most strings (paths, names, argv) need no escaping at all, so the scan
// tests eight bytes at a time and copies each run that needs none whole.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		for i+8 <= len(s) && !needsEscape8(load8(s, i)) {
			i += 8
		}
		// Byte by byte through the word that needs escaping (or the
		// tail shorter than a word), then back to whole words.
		for end := min(i+8, len(s)); i < end; i++ {
			if needsEscape(s[i]) {
				b = append(b, s[start:i]...)
				b = appendEscaped(b, s[i])
				start = i + 1
			}
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func needsEscape(c byte) bool { return c < 0x20 || c == '"' || c == '\\' }

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

// load8 reads s[i:i+8] little-endian (the compiler merges the loads).
func load8(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
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
