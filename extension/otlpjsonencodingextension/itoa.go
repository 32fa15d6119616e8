package otlpjsonencodingextension

import (
	"encoding/binary"
	"math/bits"
)

// A kernel record carries about ninety decimal digits (three 19-digit
// nanosecond times, namespace ids, inodes, flags), and strconv writes them
// two digits per division into a scratch array that it then copies: a fifth
// of the marshalling. Here eight digits are made at once in one 64-bit word
// (two multiply-and-shift splits across lanes) and stored with one write.

// appendInt appends v in decimal, as strconv.AppendInt(b, v, 10) does.
func appendInt(b []byte, v int64) []byte {
	u := uint64(v)
	if v < 0 {
		b = append(b, '-')
		u = -u // also right for math.MinInt64: 1<<63 as unsigned
	}
	return appendUint(b, u)
}

// appendUint appends u in decimal, as strconv.AppendUint(b, u, 10) does.
func appendUint(b []byte, u uint64) []byte {
	if u < 1e8 {
		return appendLeading(b, uint32(u))
	}
	if u < 1e16 {
		return appendDigits8(appendLeading(b, uint32(u/1e8)), uint32(u%1e8))
	}
	top, rest := u/1e16, u%1e16 // top < 1845
	b = appendLeading(b, uint32(top))
	return appendDigits8(appendDigits8(b, uint32(rest/1e8)), uint32(rest%1e8))
}

// appendLeading appends x (< 1e8) without leading zeros.
func appendLeading(b []byte, x uint32) []byte {
	if x < 10 {
		return append(b, byte('0'+x))
	}
	d := digits8(x)
	// The leading zeros are the low zero bytes (the first in memory).
	zeros := bits.TrailingZeros64(d) / 8
	n := len(b)
	b = binary.LittleEndian.AppendUint64(b, (d|asciiZeros)>>(8*zeros))
	return b[:n+8-zeros]
}

// appendDigits8 appends x (< 1e8) as exactly eight digits.
func appendDigits8(b []byte, x uint32) []byte {
	return binary.LittleEndian.AppendUint64(b, digits8(x)|asciiZeros)
}

const asciiZeros = 0x3030303030303030

// digits8 returns the eight decimal digits of x (< 1e8) as the bytes of a
// little-endian word, most significant first in memory, as values 0-9 (not
// yet ASCII). x splits into two 4-digit halves in 32-bit lanes, each half
// into two 2-digit quarters in 16-bit lanes, each quarter into two digits
// in bytes. Each split divides every lane at once by multiplying with a
// rounded-up reciprocal and shifting: exact for the lanes' ranges (below
// 10,000 for /100 with 10486/2^20, below 100 for /10 with 103/2^10), and
// no lane's product reaches its neighbour.
func digits8(x uint32) uint64 {
	v := uint64(x/10000) | uint64(x%10000)<<32
	q := (v * 10486 >> 20) & 0x0000007f0000007f
	v = q | (v-q*100)<<16
	q = (v * 103 >> 10) & 0x000f000f000f000f
	return q | (v-q*10)<<8
}
