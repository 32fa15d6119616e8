//go:build linux

package kerneleventsreceiver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/exehash"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadatatest"
)

// TestLiveExecCarriesHashAndAncestry runs a copy of sleep (a file no cache
// knows) under two shells, sh -c 'sh -c "target …; true"; true', so each
// shell forks: the exec record of the copy names both shells and this test
// as its ancestors, and carries the copy's SHA-256 once the hasher has read
// it. The first exec of the file does not wait for that: it says pending
// (or ok, if a worker was quicker than the reader).
func TestLiveExecCarriesHashAndAncestry(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	sink := captureWith(t, metadatatest.NewSettings(tel), eventsConfig("sched_process_exec", "security_bprm_check"))
	sleepPath, err := exec.LookPath("sleep")
	require.NoError(t, err)
	target := filepath.Join(t.TempDir(), "vigil-hash-target")
	copyFile(t, sleepPath, target)
	content, err := os.ReadFile(target)
	require.NoError(t, err)
	sum := sha256.Sum256(content)
	wantSum := hex.EncodeToString(sum[:])
	shPath, err := exec.LookPath("sh")
	require.NoError(t, err)
	shPath, err = filepath.EvalSymlinks(shPath)
	require.NoError(t, err)
	self, err := os.Executable()
	require.NoError(t, err)

	// run execs the target with a duration of its own, long enough for a
	// worker to find the process, and returns its records.
	run := func(n int) (execRec, bprm record, outerPID int) {
		dur := fmt.Sprintf("0.2%03d", n)
		cmd := exec.Command(shPath, "-c", fmt.Sprintf(`%s -c '%s %s; true'; true`, shPath, target, dur))
		require.NoError(t, cmd.Run())
		byArg := func(event string) func(r record) bool {
			return func(r record) bool {
				if r.EventName() != vigil.EventNamePrefix+event || arg(r, "pathname").Str() != target {
					return false
				}
				argv := arg(r, "argv").Slice().AsRaw()
				return len(argv) == 2 && argv[1] == dur
			}
		}
		return waitFor(t, sink, "exec of the target "+dur, byArg("sched_process_exec")),
			waitFor(t, sink, "bprm_check of the target "+dur, byArg("security_bprm_check")), cmd.Process.Pid
	}

	first, _, outer := run(0)
	assert.Contains(t, []string{exehash.StatusPending, exehash.StatusOK}, attr(first, vigil.AttrExecutableHashStatus).Str())

	// ancestry: inner sh, outer sh, this test
	parent := attr(first, vigil.AttrProcessParentPID).Int()
	assert.Equal(t, shPath, attr(first, vigil.AttrParentExecutablePath).Str())
	assert.Equal(t, []any{shPath, "-c", fmt.Sprintf("%s %s; true", target, "0.2000")}, attr(first, vigil.AttrParentCommandArgs).Slice().AsRaw())
	pids := attr(first, vigil.AttrAncestorPIDs).Slice().AsRaw()
	paths := attr(first, vigil.AttrAncestorExecutables).Slice().AsRaw()
	require.GreaterOrEqual(t, len(pids), 3)
	assert.Equal(t, []any{parent, int64(outer), int64(os.Getpid())}, pids[:3])
	assert.Equal(t, []any{shPath, shPath, self}, paths[:3])
	assert.LessOrEqual(t, len(pids), 5, "the default depth")
	assert.Len(t, paths, len(pids))

	// once hashed, every exec of the file carries the hash
	var execRec, bprm record
	for n := 1; n < 20; n++ {
		execRec, bprm, _ = run(n)
		if attr(execRec, vigil.AttrExecutableHashStatus).Str() == exehash.StatusOK {
			break
		}
	}
	require.Equal(t, exehash.StatusOK, attr(execRec, vigil.AttrExecutableHashStatus).Str(), "never hashed")
	assert.Equal(t, wantSum, attr(execRec, vigil.AttrExecutableSHA256).Str())
	execRec, bprm, _ = run(20)
	for _, r := range []record{execRec, bprm} {
		assert.Equal(t, exehash.StatusOK, attr(r, vigil.AttrExecutableHashStatus).Str(), r.EventName())
		assert.Equal(t, wantSum, attr(r, vigil.AttrExecutableSHA256).Str(), r.EventName())
	}

	// the hasher's telemetry saw at least this file and the records it
	// sent pending (other processes on the machine exec too)
	firstPending := int64(0)
	if attr(first, vigil.AttrExecutableHashStatus).Str() == exehash.StatusPending {
		firstPending = 1
	}
	for name, least := range map[string]int64{
		"otelcol_kernelevents_executable_hashes_computed":    1,
		"otelcol_kernelevents_executable_hash_cache_entries": 1,
		"otelcol_kernelevents_executable_hashes_pending":     firstPending,
	} {
		m, err := tel.GetMetric(name)
		require.NoError(t, err, name)
		var points []metricdata.DataPoint[int64]
		switch d := m.Data.(type) {
		case metricdata.Sum[int64]:
			points = d.DataPoints
		case metricdata.Gauge[int64]:
			points = d.DataPoints
		}
		require.Len(t, points, 1, name)
		assert.GreaterOrEqual(t, points[0].Value, least, name)
	}
	skipped, err := tel.GetMetric("otelcol_kernelevents_executable_hashes_skipped")
	require.NoError(t, err)
	assert.Len(t, skipped.Data.(metricdata.Sum[int64]).DataPoints, 3, "one point per skip_reason")
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	require.NoError(t, err)
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	require.NoError(t, err)
	_, err = io.Copy(out, in)
	require.NoError(t, err)
	require.NoError(t, out.Close())
}
