//go:build linux && (amd64 || arm64)

package bpf

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/catalog"
)

// TestRateLimit runs a process that opens a file far more often than its
// limit allows: the kernel passes its burst and the pace, counts the rest as
// throttled, and still reports the process's fork and exit, which the
// receiver's process tree needs.
func TestRateLimit(t *testing.T) {
	const (
		perSecond = 5
		burst     = 20
		opens     = 2000
	)
	for _, mode := range []string{modeTPBTF, modeRawTP} {
		t.Run(mode, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "noisy")
			if err := os.WriteFile(file, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			c := startCapture(t, Options{
				Events:       []uint32{257, uint32(catalog.IDSchedProcessFork), uint32(catalog.IDSchedProcessExit)},
				ExcludeTGIDs: []uint32{self()},
				RateLimit:    RateLimit{PerSecond: perSecond, Burst: burst},
			}, mode)
			start := time.Now()
			pid := runHelperCmd(t, "openat-repeat", fmt.Sprintf("%d:%s", opens, file))
			elapsed := time.Since(start)
			c.await(t, "the noisy process's exit", from(pid, uint32(catalog.IDSchedProcessExit)))

			var loopOpens, allOpens int
			for _, e := range c.seen {
				if e.HostPID != pid || e.EventID != 257 {
					continue
				}
				allOpens++
				if argStr(t, &e, 1) == file {
					loopOpens++
				}
			}
			// the burst, what the pace earned while the process ran, and
			// one more for a record racing the last one in
			most := burst + int(elapsed.Seconds()*perSecond) + 1
			if allOpens > most || loopOpens == 0 {
				t.Errorf("the process's openat records: %d (%d of the loop's %d), want 1 to %d in %v",
					allOpens, loopOpens, opens, most, elapsed)
			}
			st, err := c.p.Stats()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d openat records of the process (%d of the loop) in %v; %+v", allOpens, loopOpens, elapsed, st)
			// other processes may be throttled too: a lower bound
			if st.Throttled < uint64(opens-most) {
				t.Errorf("throttled %d, want at least %d of the loop's %d opens", st.Throttled, opens-most, opens)
			}
		})
	}
}

// eachName is the i-th name the openat-each helper opens in dir: all of one
// length, so that a name found in memory is read whole.
func eachName(dir string, i int) string {
	return filepath.Join(dir, fmt.Sprintf("b%04d", i))
}

// scratchRecord is the value of the per-CPU scratch map, where records are
// built (struct record of c/common.h: size, padding, REC_MAX + STR_MAX).
type scratchRecord [8 + 16384 + 4096]byte

// TestRateLimitDecidedBeforeBuilding checks that the rate limit drops an
// event before its record is built, not after: a process opens names far
// past its limit, and no CPU's scratch buffer, where every record is built,
// holds a name whose record was not sent. Building throttled records left
// the last of them there.
func TestRateLimitDecidedBeforeBuilding(t *testing.T) {
	const opens = 200
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{modeTPBTF, modeRawTP} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			// only processes of this binary's name, so that only the
			// helper's records go through the scratch buffers; openat
			// alone, so that no other program uses them
			c := startCapture(t, Options{
				Events:       []uint32{257},
				Comms:        []string{strings.TrimSpace(string(comm))},
				ExcludeTGIDs: []uint32{self()},
				RateLimit:    RateLimit{PerSecond: 1, Burst: 1},
			}, mode)
			runHelperCmd(t, "openat-each", fmt.Sprintf("%d:%s", opens, dir))

			// every record sent is read before the buffers are looked at
			deadline := time.Now().Add(awaitTimeout)
			var st Stats
			for {
				if st, err = c.p.Stats(); err != nil {
					t.Fatal(err)
				}
				if uint64(len(c.seen)) >= st.Submitted {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d records read within %v", len(c.seen), st.Submitted, awaitTimeout)
				}
				select {
				case ev := <-c.events:
					c.seen = append(c.seen, ev)
				case <-time.After(10 * time.Millisecond):
				}
			}
			sent := map[string]bool{}
			for _, e := range c.seen {
				if e.EventID == 257 {
					sent[argStr(t, &e, 1)] = true
				}
			}
			if st.Throttled < opens-2 {
				t.Fatalf("throttled %d of the %d opens, want all but the burst and a paced one: %+v", st.Throttled, opens, st)
			}

			var bufs []scratchRecord
			if err := c.p.coll.Maps[vigilMapScratch].Lookup(uint32(0), &bufs); err != nil {
				t.Fatal(err)
			}
			prefix := []byte(dir + "/b")
			n := len(eachName(dir, 0))
			for cpu, b := range bufs {
				for rest := b[:]; ; {
					i := bytes.Index(rest, prefix)
					if i < 0 || i+n > len(rest) {
						break
					}
					if name := string(rest[i : i+n]); !sent[name] {
						t.Errorf("CPU %d's scratch buffer holds the throttled open of %s: its record was built", cpu, name)
					}
					rest = rest[i+n:]
				}
			}
			t.Logf("%d records sent, %+v", len(sent), st)
		})
	}
}

func TestRateLimitPacing(t *testing.T) {
	tests := []struct {
		limit               RateLimit
		interval, tolerance uint64
		wantErr             bool
	}{
		{RateLimit{}, 0, 0, false},
		{RateLimit{Burst: 10}, 0, 0, false}, // no rate: no limit
		{RateLimit{PerSecond: 1000, Burst: 5000}, 1e6, 4999e6, false},
		{RateLimit{PerSecond: 1000}, 1e6, 999e6, false}, // burst: one second's worth
		{RateLimit{PerSecond: 1, Burst: 1}, 1e9, 0, false},
		{RateLimit{PerSecond: MaxRatePerSecond + 1}, 0, 0, true},
		{RateLimit{PerSecond: 1, Burst: 1 << 62}, 0, 0, true},
	}
	for _, tt := range tests {
		interval, tolerance, err := tt.limit.pacing()
		if (err != nil) != tt.wantErr || interval != tt.interval || tolerance != tt.tolerance {
			t.Errorf("%+v: pacing() = %d, %d, %v; want %d, %d, error %v", tt.limit, interval, tolerance, err, tt.interval, tt.tolerance, tt.wantErr)
		}
	}
}
