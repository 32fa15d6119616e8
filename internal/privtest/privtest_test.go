package privtest

import (
	"fmt"
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
