package otlpjsonencodingextension

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// The digits are made eight at a time with lane arithmetic: every digit
// count (1 to 20), every power of ten and its neighbours (where the count
// changes and a chunk is all zeros or all nines), the sign and the extremes
// must read as strconv's.
func TestAppendIntMatchesStrconv(t *testing.T) {
	check := func(v int64) {
		t.Helper()
		if got, want := string(appendInt([]byte("x"), v)), "x"+strconv.FormatInt(v, 10); got != want {
			t.Fatalf("appendInt(%d) = %q, want %q", v, got, want)
		}
		u := uint64(v)
		if got, want := string(appendUint([]byte("x"), u)), "x"+strconv.FormatUint(u, 10); got != want {
			t.Fatalf("appendUint(%d) = %q, want %q", u, got, want)
		}
	}
	for _, v := range []int64{0, 1, 9, 10, 99, 100, math.MaxInt64, math.MinInt64, math.MinInt64 + 1, -1, 1_764_633_600_000_000_000} {
		check(v)
	}
	p := uint64(1)
	for range 20 { // 1 to 1e19
		for _, u := range []uint64{p - 1, p, p + 1, 2*p - 1, 9*p + p - 1} {
			check(int64(u))
			check(-int64(u))
		}
		p *= 10
	}
	check(-1) // math.MaxUint64 as unsigned
	r := rand.New(rand.NewPCG(3, 4))
	for range 200_000 {
		check(int64(r.Uint64() >> r.IntN(64)))
	}
	// Every value below 1e8 goes through one 8-digit conversion: a step
	// prime to ten puts every digit in every position.
	for x := uint64(0); x < 1e8; x += 997 {
		check(int64(x))
	}
}
