package tracee

import "testing"

// TestMurmur3 holds murmur3 to MurmurHash3 x86_32's published values.
func TestMurmur3(t *testing.T) {
	for _, c := range []struct {
		in   string
		seed uint32
		want uint32
	}{
		{"", 0, 0},
		{"", 1, 0x514e28b7},
		{"a", 0x9747b28c, 0x7fa09ea6},
		{"abc", 0, 0xb3dd93fa},
		{"abcd", 0x9747b28c, 0xf0478627},
		{"Hello, world!", 0x9747b28c, 0x24884cba},
		{"The quick brown fox jumps over the lazy dog", 0, 0x2e4ff723},
	} {
		if got := murmur3([]byte(c.in), c.seed); got != c.want {
			t.Errorf("murmur3(%q, %#x) = %#x, want %#x", c.in, c.seed, got, c.want)
		}
	}
}

// TestTaskEntityID: start times within one USER_HZ tick give one id, as
// /proc cannot tell them apart; another tick or another task, another.
func TestTaskEntityID(t *testing.T) {
	const start = 1699999999995000000
	id := TaskEntityID(1100, start)
	if TaskEntityID(1100, start+4_999_999) != id {
		t.Error("same tick, different ids")
	}
	if TaskEntityID(1100, start+5_000_000) == id || TaskEntityID(1101, start) == id {
		t.Error("another tick or task has the same id")
	}
}
