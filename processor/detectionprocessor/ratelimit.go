package detectionprocessor

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	vigil "github.com/vigil-sec/vigil"
)

// RateLimitConfig limits the detections of one signature for one process.
type RateLimitConfig struct {
	// Detections is how many detections of one signature for one process
	// are emitted per window; the repeats are suppressed and counted. 0
	// turns the limit off.
	Detections int `mapstructure:"detections"`
	// Window is the length of the window, which starts at the first
	// detection emitted.
	Window time.Duration `mapstructure:"window"`
	// Process lists the attributes that identify a process. The default,
	// executable path and container, makes a shell loop running cat
	// 10,000 times one process, as it is one behaviour.
	Process []string `mapstructure:"process"`
}

const (
	defaultRateLimitWindow = time.Minute
	maxRateLimitWindow     = 24 * time.Hour
)

var defaultRateLimitProcess = []string{vigil.AttrExecutablePath, vigil.AttrContainerID}

func (c *RateLimitConfig) validate() error {
	var errs []error
	if c.Detections < 0 {
		errs = append(errs, fmt.Errorf("rate_limit.detections: must be 0 (no limit) or more, got %d", c.Detections))
	}
	if c.Detections > 0 {
		if c.Window <= 0 || c.Window > maxRateLimitWindow {
			errs = append(errs, fmt.Errorf("rate_limit.window: must be more than 0s and at most %s, got %s", maxRateLimitWindow, c.Window))
		}
		if len(c.Process) == 0 {
			errs = append(errs, errors.New("rate_limit.process: list the attributes that identify a process"))
		}
	}
	for i, a := range c.Process {
		if a == "" {
			errs = append(errs, fmt.Errorf("rate_limit.process[%d]: empty entry", i))
		}
	}
	return errors.Join(errs...)
}

// limiter counts the detections of each (signature, process) in its
// current window. It is only consulted for matches, which are rare, so one
// mutex serves all workers.
type limiter struct {
	cfg RateLimitConfig

	now func() time.Time // time.Now; tests move the clock

	mu        sync.Mutex
	windows   map[string]*window
	lastSweep time.Time
}

// window is the state of one (signature, process).
type window struct {
	start      time.Time
	emitted    int
	suppressed int64 // since the last emitted detection
}

// newLimiter returns the limiter of cfg, or nil when there is no limit.
func newLimiter(cfg RateLimitConfig) *limiter {
	if cfg.Detections == 0 {
		return nil
	}
	return &limiter{cfg: cfg, now: time.Now, windows: map[string]*window{}}
}

// key identifies a signature's detections for the process of attrs.
func (l *limiter) key(signatureID string, attrs vigil.Attrs) string {
	var b strings.Builder
	b.Grow(len(signatureID) + 64*len(l.cfg.Process))
	b.WriteString(signatureID)
	for _, name := range l.cfg.Process {
		b.WriteByte(0)
		if v, ok := attrs.Get(name); ok {
			b.WriteString(v.AsString())
		}
	}
	return b.String()
}

// admit reports whether a detection of key is emitted now and, if so,
// how many repeats were suppressed since the previous emitted one.
func (l *limiter) admit(key string) (emit bool, suppressed int64) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.windows[key]
	switch {
	case w == nil:
		l.sweep(now)
		w = &window{start: now}
		l.windows[key] = w
	case now.Sub(w.start) >= l.cfg.Window:
		w.start, w.emitted = now, 0
	}
	if w.emitted >= l.cfg.Detections {
		w.suppressed++
		return false, 0
	}
	w.emitted++
	suppressed, w.suppressed = w.suppressed, 0
	return true, suppressed
}

// sweep forgets, at most once per window, the processes whose window has
// ended with nothing suppressed: they would start afresh anyway. Those
// with suppressed repeats are kept to report them on their next detection.
func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < l.cfg.Window {
		return
	}
	l.lastSweep = now
	for k, w := range l.windows {
		if w.suppressed == 0 && now.Sub(w.start) >= l.cfg.Window {
			delete(l.windows, k)
		}
	}
}
