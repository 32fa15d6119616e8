package vigil

import (
	"strings"
	"unicode/utf8"
)

// ValidUTF8 returns s with each byte that is not part of valid UTF-8
// replaced by U+FFFD, as encoding/json (and so Tracee's JSON output)
// writes it. The kernel's strings are bytes (a file name may be any), but
// OTLP's strings must be UTF-8: a backend that checks refuses the whole
// request holding one that is not, and JSON lines holding one are not JSON.
func ValidUTF8(s string) string {
	if isASCII(s) || utf8.ValidString(s) {
		return s
	}
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

// isASCII reports whether s is all ASCII, as most of a record's strings
// are: eight bytes at a time (the compiler makes the shifts one load),
// then byte by byte, without a branch per byte. utf8.ValidString alone
// spent some 20 ns on each of a record's short strings, 5% of building it.
func isASCII(s string) bool {
	var or uint64
	for ; len(s) >= 8; s = s[8:] {
		or |= uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	}
	for i := 0; i < len(s); i++ {
		or |= uint64(s[i])
	}
	return or&0x8080808080808080 == 0
}
