package privtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// recorder stands in for a test: it records the first skip or failure.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Skip(args ...any) {
	if r.skipped == "" && r.failed == "" {
		r.skipped = fmt.Sprint(args...)
	}
}

func (r *recorder) Fatalf(format string, args ...any) {
	if r.skipped == "" && r.failed == "" {
		r.failed = fmt.Sprintf(format, args...)
	}
}

func TestRequireToolsNamesThePackage(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	tools := map[string]string{"runc": "runc", "busybox": "busybox-static"}

	t.Setenv(RequireEnv, "")
	skip := &recorder{}
	RequireTools(skip, tools)
	if skip.failed != "" || !strings.Contains(skip.skipped, "needs busybox: install it with `apt-get install busybox-static`") {
		t.Errorf("without %s: skipped %q, failed %q; want a skip naming busybox-static", RequireEnv, skip.skipped, skip.failed)
	}

	t.Setenv(RequireEnv, "1")
	fail := &recorder{}
	RequireTools(fail, tools)
	if fail.skipped != "" || !strings.Contains(fail.failed, "apt-get install busybox-static") {
		t.Errorf("with %s: skipped %q, failed %q; want a failure naming busybox-static", RequireEnv, fail.skipped, fail.failed)
	}
}

func TestRequireToolsPassesWhenInstalled(t *testing.T) {
	r := &recorder{}
	RequireTools(r, map[string]string{"sh": "dash"})
	if r.skipped != "" || r.failed != "" {
		t.Errorf("sh is installed, yet skipped %q, failed %q", r.skipped, r.failed)
	}
}

func init() {
	Helpers(map[string]Action{
		"echo": func(arg string) error { fmt.Println(arg); return nil },
		"fail": func(arg string) error { return errors.New("failed: " + arg) },
	})
}

func TestHelperRunsTheAction(t *testing.T) {
	pid, out := Output(t, Command("echo", "hello"))
	if out != "hello\n" || pid == os.Getpid() || pid <= 0 {
		t.Errorf("echo helper: pid %d (the test's %d), output %q", pid, os.Getpid(), out)
	}
}

func TestHelperFailures(t *testing.T) {
	for _, tt := range []struct {
		action string
		code   int
		says   string
	}{
		{"fail", 1, "helper fail: failed: why"},
		{"no-such-action", 2, `helper: no such action "no-such-action"`},
	} {
		out, err := Command(tt.action, "why").CombinedOutput()
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) || exitErr.ExitCode() != tt.code || !strings.Contains(string(out), tt.says) {
			t.Errorf("%s: %v, output %q; want status %d saying %q", tt.action, err, out, tt.code, tt.says)
		}
		r := &recorder{}
		Output(r, Command(tt.action, "why"))
		if !strings.Contains(r.failed, tt.action) || !strings.Contains(r.failed, tt.says) {
			t.Errorf("%s: Output failed the test with %q; want the action and what it printed", tt.action, r.failed)
		}
	}
}
