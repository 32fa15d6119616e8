// Package lossreport turns a layer's running count of lost items into log
// lines a person notices without flooding the log: at most one line per
// interval, each with what was lost since the previous one.
package lossreport

import (
	"strconv"
	"time"
)

// Reporter watches one layer's running total of lost items (a kernel
// counter, a count of dropped batches). Feed it the total with Observe, as
// often as convenient; it calls report with the items lost since its last
// report and the time they were lost in, at most once per interval. A
// Reporter is for one goroutine.
type Reporter struct {
	interval time.Duration
	now      func() time.Time
	report   func(lost uint64, window time.Duration)

	reported uint64    // the total at the last report
	since    time.Time // start of the window the unreported loss happened in
	last     time.Time // time of the last report
}

// New returns a Reporter whose baseline is total, the loss before watching
// began (a counter may start above zero), so only later loss is reported.
// now is the clock (time.Now outside tests).
func New(interval time.Duration, now func() time.Time, total uint64, report func(lost uint64, window time.Duration)) *Reporter {
	t := now()
	return &Reporter{interval: interval, now: now, report: report, reported: total, since: t, last: t.Add(-interval)}
}

// Observe takes the layer's current total. Loss is reported once the last
// report is an interval old; until then it accumulates into the next one.
// A total seen unchanged restarts the window, so a line's window is the
// time between the last loss-free observation and now.
func (r *Reporter) Observe(total uint64) {
	now := r.now()
	if total <= r.reported {
		r.reported = total // a total that went back (a restarted counter) is the new baseline
		r.since = now
		return
	}
	if now.Sub(r.last) < r.interval {
		return
	}
	r.emit(total, now)
}

// Final reports what was lost since the last report whatever the interval:
// the layer is stopping and no later Observe will.
func (r *Reporter) Final(total uint64) {
	if total > r.reported {
		r.emit(total, r.now())
	}
}

func (r *Reporter) emit(total uint64, now time.Time) {
	r.report(total-r.reported, now.Sub(r.since))
	r.reported, r.since, r.last = total, now, now
}

// Count formats n with thousands separators, as log lines show counts.
func Count(n uint64) string {
	s := strconv.FormatUint(n, 10)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
