package sigtool

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/vigil-sec/vigil/processor/detectionprocessor"
)

const example = "testdata/my-signatures"

// run runs the command line and returns its exit status and output.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// copyDir copies the example signatures into a new directory, with the
// replacements applied to every file.
func copyDir(t *testing.T, replace ...string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(example)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(example, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		src := strings.NewReplacer(replace...).Replace(string(b))
		if err := os.WriteFile(filepath.Join(dir, e.Name()), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"test"}, {"replay"}, {"lint", "-nope"}} {
		if code, _, stderr := run(t, args...); code != 2 || stderr == "" {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message", args, code, stderr)
		}
	}
}

func TestTest(t *testing.T) {
	code, out, stderr := run(t, "test", example)
	if code != 0 || !strings.Contains(out, "PASS: 2/2") {
		t.Errorf("passing tests: exit %d, output %q %q", code, out, stderr)
	}
	code, out, _ = run(t, "test", "-v", "-run", "sshd", example)
	if code != 0 || !strings.Contains(out, "test_sshd_reads_shadow: PASS") || strings.Contains(out, "test_bash") {
		t.Errorf("-v -run sshd: exit %d, output %q", code, out)
	}

	broken := copyDir(t, `input.processName == "bash"`, `input.processName == "zsh"`)
	code, out, stderr = run(t, "test", broken)
	if code != 1 || !strings.Contains(out, "test_bash_reads_shadow: FAIL") || !strings.Contains(out, "FAIL: 1/2") || !strings.Contains(stderr, "1 of 2 tests failed") {
		t.Errorf("a failing test: exit %d, output %q, stderr %q", code, out, stderr)
	}
}

// TestLintErrors: lint reports what the processor's Validate reports for
// the same signatures.
func TestLintErrors(t *testing.T) {
	for name, replace := range map[string][]string{
		"syntax":           {"path == \"/etc/shadow\"\n}", "path ==\n}"},
		"built-in refused": {`path == "/etc/shadow"`, `path == "/etc/shadow"; http.send({"method": "get", "url": "http://x"})`},
		"bad metadata":     {`"Severity": 3`, `"Severity": 9`},
	} {
		t.Run(name, func(t *testing.T) {
			dir := copyDir(t, replace...)
			cfg := detectionprocessor.NewFactory().CreateDefaultConfig().(*detectionprocessor.Config)
			cfg.Signatures.Builtin, cfg.Signatures.Paths = false, []string{dir}
			want := cfg.Validate()
			if want == nil {
				t.Fatal("Validate accepts the broken signature")
			}
			code, _, stderr := run(t, "lint", dir)
			if code != 1 || stderr != want.Error()+"\n" {
				t.Errorf("lint: exit %d, stderr %q; want 1 and Validate's %q", code, stderr, want.Error())
			}
		})
	}
}

func TestLintGuards(t *testing.T) {
	dir := copyDir(t)
	unguarded := strings.NewReplacer("MY_SHADOW_READ", "MY_ARGS", "MY-0001", "MY-0002").Replace(mustRead(t, filepath.Join(example, "my_shadow_read.rego")))
	unguarded = regexp.MustCompile(`(?s)tracee_match = .*`).ReplaceAllString(unguarded, "tracee_match {\n\tcount(input.args) > 3\n}\n")
	if err := os.WriteFile(filepath.Join(dir, "my_args.rego"), []byte(unguarded), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := run(t, "lint", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		`MY-0001 "shadow read by a shell"`,
		`pre-filtered by its guard: processName == "bash" && args.pathname == "/etc/shadow"`,
		`MY-0002 "shadow read by a shell"`,
		"not pre-filtered, always evaluated in Rego: ",
		"2 signatures load; 1 pre-filtered by guards, 1 always evaluated in Rego",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lint output lacks %q:\n%s", want, out)
		}
	}
	if code, out, _ := run(t, "lint"); code != 0 || !strings.Contains(out, "VGL-1029") {
		t.Errorf("lint without a path (the built-ins): exit %d, output %q", code, out)
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const recording = "../../../testdata/tracee/events.jsonl"

// TestReplay: the recording's findings, from Tracee JSON and from the same
// events as Vigil OTLP JSON.
func TestReplay(t *testing.T) {
	code, out, stderr := run(t, "replay", recording)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		got = append(got, strings.Join(strings.Fields(l)[:3], " "))
	}
	want := []string{"line 2: VGL-1017", "line 4: VGL-1022", "line 6: VGL-1010", "line 7: VGL-1001", "10 records, 4"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant (by line and id):\n%s", out, strings.Join(want, "\n"))
	}
	if !strings.Contains(out, `line 6: VGL-1010 New executable dropped [severity 2; Command and Control T1105] kernel.magic_write by curl (pid 1234, /usr/bin/curl) {"path":"/tmp/payload"}`) {
		t.Errorf("a finding lacks its details:\n%s", out)
	}

	otlp := filepath.Join(t.TempDir(), "records.json")
	writeOTLP(t, recording, otlp)
	code, outOTLP, stderr := run(t, "replay", otlp)
	if code != 0 || outOTLP != out {
		t.Errorf("OTLP JSON replay: exit %d (%s), output\n%s\nwant the Tracee JSON one\n%s", code, stderr, outOTLP, out)
	}

	code, out, _ = run(t, "replay", "-builtin=false", "-signatures", example, recording)
	if code != 0 || out != "10 records, 0 findings\n" {
		t.Errorf("replay with only the example signature: exit %d, output %q", code, out)
	}
}

// writeOTLP writes each event of a Tracee JSON recording as one OTLP JSON
// logs request, as the file exporter does.
func writeOTLP(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var b bytes.Buffer
	sc := bufio.NewScanner(in)
	sc.Buffer(nil, maxLine)
	for sc.Scan() {
		ld, err := decodeLine(sc.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		line, err := (&plog.JSONMarshaler{}).MarshalLogs(ld)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(line, '\n'))
	}
	if err := os.WriteFile(to, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestREADMEWalkthrough: the test file the README's "Writing a signature"
// shows is the one these tests run.
func TestREADMEWalkthrough(t *testing.T) {
	readme := mustRead(t, "../../../README.md")
	var shown strings.Builder
	for _, l := range strings.Split(strings.TrimSuffix(mustRead(t, filepath.Join(example, "my_shadow_read_test.rego")), "\n"), "\n") {
		if l != "" {
			l = "   " + l
		}
		shown.WriteString(l + "\n")
	}
	if !strings.Contains(readme, "$ cat my-signatures/my_shadow_read_test.rego\n"+shown.String()) {
		t.Errorf("README.md does not show %s as it is:\n%s", filepath.Join(example, "my_shadow_read_test.rego"), shown.String())
	}
}
