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
	if utf8.ValidString(s) {
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
