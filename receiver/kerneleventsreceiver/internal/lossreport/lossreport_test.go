package lossreport

import (
	"testing"
	"time"
)

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

type line struct {
	lost   uint64
	window time.Duration
}

func newTestReporter(start uint64) (*Reporter, *clock, *[]line) {
	c := &clock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	var lines []line
	r := New(10*time.Second, c.now, start, func(lost uint64, window time.Duration) {
		lines = append(lines, line{lost, window})
	})
	return r, c, &lines
}

func TestReporterRateLimitsAndAggregates(t *testing.T) {
	r, c, lines := newTestReporter(0)
	steps := []struct {
		after time.Duration
		total uint64
		want  []line // lines reported by this step
	}{
		{time.Second, 0, nil},                                   // nothing lost
		{time.Second, 100, []line{{100, time.Second}}},          // first loss: reported at once
		{time.Second, 150, nil},                                 // within 10s of the last line: held
		{4 * time.Second, 400, nil},                             // still held, aggregated
		{5 * time.Second, 450, []line{{350, 10 * time.Second}}}, // 10s after the last line: the sum
		{10 * time.Second, 450, nil},                            // quiet: nothing, and the window restarts
		{10 * time.Second, 451, []line{{1, 10 * time.Second}}},  // a window since the quiet observation
	}
	for i, s := range steps {
		before := len(*lines)
		c.advance(s.after)
		r.Observe(s.total)
		got := (*lines)[before:]
		if len(got) != len(s.want) || (len(got) == 1 && got[0] != s.want[0]) {
			t.Fatalf("step %d (total %d): reported %v, want %v", i, s.total, got, s.want)
		}
	}
}

func TestReporterStartsFromTheBaseline(t *testing.T) {
	r, c, lines := newTestReporter(5000) // lost before the reporter started
	c.advance(time.Second)
	r.Observe(5000)
	if len(*lines) != 0 {
		t.Fatalf("reported %v for loss older than the reporter", *lines)
	}
	c.advance(time.Second)
	r.Observe(5007)
	if want := []line{{7, time.Second}}; len(*lines) != 1 || (*lines)[0] != want[0] {
		t.Fatalf("reported %v, want %v", *lines, want)
	}
}

func TestReporterFinalReportsWhatIsHeld(t *testing.T) {
	r, c, lines := newTestReporter(0)
	c.advance(time.Second)
	r.Observe(10) // reported
	c.advance(time.Second)
	r.Observe(30) // held: within the interval
	c.advance(time.Second)
	r.Final(35)
	want := []line{{10, time.Second}, {25, 2 * time.Second}}
	if len(*lines) != 2 || (*lines)[0] != want[0] || (*lines)[1] != want[1] {
		t.Fatalf("reported %v, want %v", *lines, want)
	}
	r.Final(35)
	if len(*lines) != 2 {
		t.Fatalf("Final reported again with nothing new: %v", *lines)
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 12345: "12,345", 1234567: "1,234,567", 100000: "100,000"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
