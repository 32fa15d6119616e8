//go:build linux

package detectionprocessor

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/internal/privtest"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver"
)

// TestAttackSeenThroughFlood: one process opens /etc/shadow as fast as it
// can, each open a record the built-in signatures select and match, while
// another process reads /etc/shadow once: the attack's detection arrives.
// Detection degrades in a known way: the receiver's per-process rate limit
// drops the flood's excess in the kernel, counted there (at most burst +
// rate x elapsed of the flood's records come through), so the flood cannot
// fill the ring buffer and the queue and crowd the attack out.
func TestAttackSeenThroughFlood(t *testing.T) {
	privtest.Require(t)
	const rate, burst = 2000, 2000
	sink := startLiveCapture(t, func(cfg *kerneleventsreceiver.Config) {
		cfg.RateLimit = kerneleventsreceiver.RateLimitConfig{EventsPerSecond: rate, Burst: burst}
	}, "security_file_open")

	// The shell's read builtin opens the file in the shell itself: one
	// process, no forks, at full speed.
	flood := exec.Command("sh", "-c", "while :; do read -r x < /etc/shadow; done")
	start := time.Now()
	if err := flood.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			_ = flood.Process.Signal(syscall.SIGKILL)
			_ = flood.Wait()
			stopped = true
		}
	}
	defer stop()
	pidIs := func(pid int) func(captured) bool {
		return func(r captured) bool {
			p, _ := r.attrs.Get(vigil.AttrProcessPID)
			return p.Int() == int64(pid)
		}
	}
	fromFlood := pidIs(flood.Process.Pid)
	shadowRead := func(r captured) bool {
		_, ok := matchesOf(r.lr)["VGL-1029"]
		return ok
	}
	waitLive(t, sink, fromFlood, "flood record matching VGL-1029", shadowRead)

	marker := filepath.Join(t.TempDir(), "marker")
	if err := os.WriteFile(marker, []byte("done\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	attack := privtest.Command("read", "/etc/shadow")
	attack.Env = append(attack.Env, liveMarkerEnv+"="+marker)
	attackPid, _ := privtest.Output(t, attack)
	waitLive(t, sink, pidIs(attackPid), "detection of the attack (VGL-1029) through the flood", shadowRead)

	stop()
	elapsed := time.Since(start)
	n := 0
	for _, r := range capturedRecords(sink) {
		if fromFlood(r) {
			n++
		}
	}
	if limit := burst + int(rate*elapsed.Seconds()) + 1; n > limit {
		t.Errorf("%d flood records came through in %s; the rate limit allows at most %d", n, elapsed, limit)
	}
	t.Logf("%d flood records came through in %s (rate limit %d/s, burst %d)", n, elapsed, rate, burst)
}
