//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// readyMessage is what the collector logs once every component has started.
const readyMessage = "Everything is ready"

// collector is one running vigilcol process.
type collector struct {
	name    string
	cmd     *exec.Cmd
	logPath string // its stderr (the collector's log) and stdout

	ready  chan struct{} // closed when readyMessage was logged
	exited chan struct{} // closed when the process has exited
	err    error         // Wait's result, once exited is closed

	// Set by readLog before it closes ready: when readiness was logged, and
	// whether SIGINT was still ignored at the first log line (see
	// noteStartSignals), with what was read to tell.
	readyAt     time.Time
	intIgnored  bool
	startSigIgn string

	mu   sync.Mutex
	logs []map[string]any // JSON log lines seen so far
}

// startCollector runs bin with the given environment and config files
// (later files override earlier ones, key by key) and logs to a file in dir.
func startCollector(t *testing.T, name, bin, dir string, env []string, configs ...string) *collector {
	t.Helper()
	return startCommand(t, name, dir, env, append([]string{bin}, configFlags(configs...)...))
}

// configFlags turns config files into vigilcol's command-line flags.
func configFlags(configs ...string) []string {
	var args []string
	for _, cfg := range configs {
		args = append(args, "--config", cfg)
	}
	return args
}

// startCommand runs a collector through argv, which may wrap vigilcol in
// another program (setpriv, to limit its capabilities). It starts with
// SIGINT ignored, which is how stop sees the collector subscribe to SIGTERM.
func startCommand(t *testing.T, name, dir string, env, argv []string) *collector {
	t.Helper()
	c := &collector{
		name:    name,
		logPath: filepath.Join(dir, name+".log"),
		ready:   make(chan struct{}),
		exited:  make(chan struct{}),
	}
	// An ignored signal stays ignored through exec: the shell ignores SIGINT
	// and becomes argv, as setpriv becomes vigilcol.
	c.cmd = exec.Command("/bin/sh", append([]string{"-c", `trap '' INT; exec "$@"`, name}, argv...)...)
	c.cmd.Env = append(os.Environ(), env...)
	logFile, err := os.Create(c.logPath)
	if err != nil {
		t.Fatal(err)
	}
	c.cmd.Stdout = logFile
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go c.readLog(io.TeeReader(stderr, logFile))
	go func() {
		c.err = c.cmd.Wait()
		logFile.Close()
		close(c.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-c.exited:
		default:
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
		// The log file goes with the test's temporary directory; a failed
		// run keeps its end in the test output.
		if t.Failed() {
			t.Logf("%s log, last lines:\n%s", name, c.logTail())
		}
	})
	return c
}

// readLog keeps the collector's JSON log lines and notices readiness.
func (c *collector) readLog(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	readySeen := false
	for first := true; sc.Scan(); {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue // not a log line (a panic, or text before logging starts)
		}
		if first {
			first = false
			c.noteStartSignals()
		}
		c.mu.Lock()
		c.logs = append(c.logs, line)
		c.mu.Unlock()
		if msg, _ := line["msg"].(string); !readySeen && strings.HasPrefix(msg, readyMessage) {
			readySeen = true
			c.readyAt = time.Now()
			close(c.ready)
		}
	}
	// Drain whatever follows an over-long line so the process never blocks.
	_, _ = io.Copy(io.Discard, r)
}

// noteStartSignals records whether the collector still ignores SIGINT, as
// startCommand arranged; its first log line comes from vigilcol itself, long
// before readiness. Something that installs handlers of its own (qemu-user
// does, for every signal) takes that away, and with it the way
// waitSubscribed sees the subscription.
func (c *collector) noteStartSignals() {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	var mask uint64
	if err == nil {
		mask, err = statusMask(string(status), "SigIgn")
	}
	if err != nil {
		c.startSigIgn = err.Error()
		return
	}
	c.intIgnored = hasSignal(mask, syscall.SIGINT)
	c.startSigIgn = fmt.Sprintf("SigIgn %016x", mask)
}

// waitReady returns once the collector logged readiness, and fails the test
// if it exits or takes longer than limit.
func (c *collector) waitReady(t *testing.T, limit time.Duration) {
	t.Helper()
	select {
	case <-c.ready:
	case <-c.exited:
		t.Fatalf("%s exited before it was ready (%v):\n%s", c.name, c.err, c.logTail())
	case <-time.After(limit):
		t.Fatalf("%s not ready after %s:\n%s", c.name, limit, c.logTail())
	}
}

// stop sends SIGTERM, the signal a service manager or the kubelet sends, and
// requires a clean exit within limit.
func (c *collector) stop(t *testing.T, limit time.Duration) {
	t.Helper()
	c.waitSubscribed(t, limit)
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("SIGTERM %s: %v", c.name, err)
	}
	select {
	case <-c.exited:
	case <-time.After(limit):
		_ = c.cmd.Process.Kill()
		<-c.exited
		t.Fatalf("%s did not exit within %s of SIGTERM:\n%s", c.name, limit, c.logTail())
	}
	var exit *exec.ExitError
	if errors.As(c.err, &exit) && exit.Sys().(syscall.WaitStatus).Signal() == syscall.SIGTERM {
		// Only if waitSubscribed's wait was not enough.
		t.Fatalf("%s was killed by SIGTERM: it had not subscribed to it yet\n%s", c.name, c.logTail())
	}
	if c.err != nil {
		t.Errorf("%s exited uncleanly after SIGTERM: %v\n%s", c.name, c.err, c.logTail())
	}
}

// sigtermGrace is how long after readiness stop waits to send SIGTERM when
// the subscription to it cannot be seen (see waitSubscribed): otelcol
// subscribes right after it logs readiness.
const sigtermGrace = time.Second

// notifyGap is how long stop waits after SIGINT shows as caught: the same
// signal.Notify call enables SIGTERM next, microseconds later.
const notifyGap = 20 * time.Millisecond

// waitSubscribed returns once the collector has subscribed to SIGTERM, or
// has exited, and fails the test if neither happens within limit.
//
// otelcol v0.165 subscribes after it logs readiness, and until then SIGTERM
// kills it outright. The subscription leaves no mark outside the process (the
// Go runtime catches SIGTERM from the start), but the same call subscribes to
// SIGINT just before, and that one shows: an ignored SIGINT (see
// startCommand) gets a handler only when it is subscribed to. When SIGINT was
// not ignored to begin with (see noteStartSignals), it waits sigtermGrace
// after readiness instead.
func (c *collector) waitSubscribed(t *testing.T, limit time.Duration) {
	t.Helper()
	deadline := time.After(limit)
	select {
	case <-c.ready: // the process is vigilcol, no longer its wrapper
	case <-c.exited:
		return // stop's checks say how it ended
	case <-deadline:
		t.Fatalf("%s was not ready, so not subscribed to SIGTERM, within %s:\n%s", c.name, limit, c.logTail())
	}
	if !c.intIgnored {
		t.Logf("%s: SIGINT was not ignored at its first log line (%s), so its subscription to SIGTERM cannot be seen: SIGTERM goes %s after readiness",
			c.name, c.startSigIgn, sigtermGrace)
		select {
		case <-time.After(time.Until(c.readyAt.Add(sigtermGrace))):
		case <-c.exited:
		}
		return
	}
	for !c.catches(t, syscall.SIGINT) {
		select {
		case <-c.exited:
			return
		case <-deadline:
			t.Fatalf("%s did not subscribe to SIGTERM within %s:\n%s", c.name, limit, c.logTail())
		case <-time.After(10 * time.Millisecond):
		}
	}
	time.Sleep(notifyGap) // nothing outside the process shows SIGTERM's subscription
}

// catches reports whether the collector's process has a handler for sig.
func (c *collector) catches(t *testing.T, sig syscall.Signal) bool {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return false // it has exited: the caller sees it
	}
	mask, err := statusMask(string(status), "SigCgt")
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return hasSignal(mask, sig)
}

// statusMask parses the signal mask field (SigIgn, SigCgt) of a
// /proc/PID/status.
func statusMask(status, field string) (uint64, error) {
	for _, line := range strings.Split(status, "\n") {
		if hex, ok := strings.CutPrefix(line, field+":"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc status %q: %w", line, err)
			}
			return mask, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc status", field)
}

// hasSignal reports whether a /proc signal mask has sig.
func hasSignal(mask uint64, sig syscall.Signal) bool { return mask&(1<<(sig-1)) != 0 }

// logged returns the values of field in the log lines whose message starts
// with msg.
func (c *collector) logged(msg, field string) []any {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []any
	for _, line := range c.logs {
		if m, _ := line["msg"].(string); strings.HasPrefix(m, msg) {
			out = append(out, line[field])
		}
	}
	return out
}

// logTail is the end of the collector's log, for failure messages.
func (c *collector) logTail() string {
	data, _ := os.ReadFile(c.logPath)
	const keep = 4000
	if len(data) > keep {
		data = data[len(data)-keep:]
	}
	return string(data)
}

// freeLoopbackAddr returns a 127.0.0.1 address with a port nothing listens
// on now. Two collectors run at once, so fixed default ports would collide.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// writeFile writes content to name in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// vigilcol is the binary under test: $VIGILCOL (make e2e sets it), or the
// one make build leaves in _build/.
func vigilcol(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("VIGILCOL")
	if bin == "" {
		bin = filepath.Join(repoRoot(t), "_build", "vigilcol")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("vigilcol binary: %v (build it with make build, or run make e2e)", err)
	}
	return bin
}

// repoRoot is the checkout's root; go test runs in test/e2e.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "builder-config.yaml")); err != nil {
		t.Fatalf("not the repository root: %s: %v", root, err)
	}
	return root
}

// jsonLogsOverride switches a collector's log to JSON, which the test reads.
const jsonLogsOverride = `
service:
  telemetry:
    logs:
      encoding: json
`

// gatewayDir is where the gateway started in dir writes its files.
func gatewayDir(dir string) string { return filepath.Join(dir, "backend") }

// startGateway runs examples/gateway.yaml as shipped, listening on addr with
// the test's certificates and writing to gatewayDir(dir), and waits until it
// is ready. The override only switches its log to JSON and its own metrics
// off (their default port would collide with the node's).
func startGateway(t *testing.T, name, dir, addr string, pki *testPKI) *collector {
	t.Helper()
	env := append(pki.gatewayEnv(),
		"VIGIL_GATEWAY_ENDPOINT="+addr,
		"VIGIL_GATEWAY_HEALTH_ENDPOINT="+freeLoopbackAddr(t),
		"VIGIL_GATEWAY_DIR="+gatewayDir(dir))
	g := startCollector(t, name, vigilcol(t), dir, env, examplePath(t, "gateway.yaml"),
		writeFile(t, dir, name+"-override.yaml", jsonLogsOverride+`
    metrics:
      level: none
`))
	g.waitReady(t, time.Minute)
	return g
}

// startNode runs examples/otlp.yaml pointed at the gateway on gatewayAddr
// over mutual TLS, with its sending queue in queueDir, and waits until it is
// ready. It pushes its own metrics to the gateway every second, so what it
// says it sent is counted where the records land (the last push happens at
// shutdown, after the queue drained); with promAddr set it also
// serves them there in the Prometheus format, for a test to read while the
// gateway is down.
func startNode(t *testing.T, name, dir, gatewayAddr, queueDir, promAddr string, pki *testPKI) *collector {
	t.Helper()
	readers := fmt.Sprintf(`
        - periodic:
            interval: 1000
            exporter:
              otlp:
                protocol: grpc
                endpoint: https://%s
                certificate: %s
                client_certificate: %s
                client_key: %s`, gatewayAddr, pki.CA, pki.ClientCert, pki.ClientKey)
	if promAddr != "" {
		host, port, err := net.SplitHostPort(promAddr)
		if err != nil {
			t.Fatal(err)
		}
		readers += fmt.Sprintf(`
        - pull:
            exporter:
              prometheus:
                host: %s
                port: %s`, host, port)
	}
	override := fmt.Sprintf(`
extensions:
  health_check:
    endpoint: %s
%s
    metrics:
      readers:%s
`, freeLoopbackAddr(t), jsonLogsOverride, readers)
	env := append(pki.nodeEnv(), "VIGIL_OTLP_ENDPOINT="+gatewayAddr, "VIGIL_QUEUE_DIR="+queueDir)
	n := startCollector(t, name, vigilcol(t), dir, env, examplePath(t, "otlp.yaml"), writeFile(t, dir, name+"-override.yaml", override))
	n.waitReady(t, 2*time.Minute)
	return n
}

// examplePath is the path of a file in examples/.
func examplePath(t *testing.T, name string) string {
	t.Helper()
	return filepath.Join(repoRoot(t), "examples", name)
}
