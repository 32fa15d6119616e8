package privtest

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Privileged tests often need a process other than themselves to watch: one
// whose pid they know, that does one thing (a syscall, an exec, a capability
// drop that cannot be undone) and exits. The test binary is that process:
// run with HelperEnv set to an action's name, it does the action and exits
// before any test runs. A package registers its actions with Helpers from an
// init function, which runs before TestMain, so this works whether TestMain
// is the package's own or mdatagen's generated one.

// HelperEnv names the action a test binary started by Command performs.
const HelperEnv = "VIGIL_TEST_HELPER"

// An Action is one thing a helper process does, with the argument Command
// passed; an error makes the helper exit with status 1.
type Action func(arg string) error

// Helpers registers a test package's helper actions; call it once, from an
// init function. In a helper process (HelperEnv set) it does not return: it
// runs the action named, during package initialisation and so on the main
// thread (the thread group leader, which ptrace(PTRACE_TRACEME) needs),
// and exits: 0 when it succeeded, 1 when it failed (the error on stderr),
// 2 for an action no set has. An action may exit with a status of its own.
func Helpers(sets ...map[string]Action) {
	name, ok := os.LookupEnv(HelperEnv)
	if !ok {
		return
	}
	var act Action
	for _, set := range sets {
		if a, found := set[name]; found {
			act = a
			break
		}
	}
	if act == nil {
		fmt.Fprintf(os.Stderr, "helper: no such action %q\n", name)
		os.Exit(2)
	}
	if err := act(os.Args[len(os.Args)-1]); err != nil {
		fmt.Fprintf(os.Stderr, "helper %s: %v\n", name, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Command returns a command that runs the test binary as a helper
// performing action with arg (the last word of its argv, so a test can tell
// the helper's command line). -test.run=^$ keeps a binary whose package
// registered no such action from running tests instead.
func Command(action, arg string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$", arg)
	cmd.Env = append(os.Environ(), HelperEnv+"="+action)
	return cmd
}

// Output runs cmd (from Command, perhaps adjusted) to its end and returns
// its pid and its output, stdout and stderr together; a helper that fails
// fails t, with what it printed.
func Output(t testing.TB, cmd *exec.Cmd) (pid int, out string) {
	t.Helper()
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper %s %q: %v: %s", actionOf(cmd), cmd.Args[len(cmd.Args)-1], err, b)
	}
	return cmd.Process.Pid, string(b)
}

// Run runs a helper performing action with arg to its end and returns its
// pid; a helper that fails fails t.
func Run(t testing.TB, action, arg string) int {
	t.Helper()
	pid, _ := Output(t, Command(action, arg))
	return pid
}

// actionOf returns the action cmd's helper performs.
func actionOf(cmd *exec.Cmd) string {
	for i := len(cmd.Env) - 1; i >= 0; i-- { // the last setting wins
		if action, ok := strings.CutPrefix(cmd.Env[i], HelperEnv+"="); ok {
			return action
		}
	}
	return ""
}
