// Package addrslot places strings in small tables by where their bytes
// are, for caches that a hot path looks up with a string it was handed
// before: the same string comes back at the same address, and comparing
// two words costs less than hashing or comparing its bytes.
//
// A table that holds the string itself (or a pointer to its bytes) keeps
// those bytes from being freed, and Go's strings do not change, so another
// string at the same address and of the same length is the same string.
// (A string made with unsafe over bytes that change would break this.)
package addrslot

import "unsafe"

// Of returns the slot, among 1<<bits, of a string whose bytes are where
// s's are: Fibonacci hashing, the address's bits mixed into the top ones.
func Of(s string, bits uint) uint64 {
	return uint64(uintptr(unsafe.Pointer(unsafe.StringData(s)))) * 0x9e3779b97f4a7c15 >> (64 - bits)
}

// Same reports whether held, a string a table holds, is s: the same bytes
// at the same address (see the package's comment).
func Same(held, s string) bool {
	return unsafe.StringData(held) == unsafe.StringData(s) && len(held) == len(s)
}
