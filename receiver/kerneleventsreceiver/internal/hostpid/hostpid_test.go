//go:build linux

package hostpid

import (
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/privtest"
)

// The test in a new pid namespace, where the two numberings differ, is
// TestHostPIDInPIDNamespace in the receiver's package, which has the
// helper processes.

func TestFromKernelIsGetpidInTheInitialNamespace(t *testing.T) {
	privtest.Require(t)
	initial, err := inInitialPIDNamespace()
	if err != nil {
		t.Fatal(err)
	}
	if !initial {
		t.Skip("the test runs in a pid namespace of its own: the host pid is not known to compare")
	}
	tgid, err := fromKernel()
	if err != nil {
		t.Fatal(err)
	}
	if int(tgid) != os.Getpid() {
		t.Fatalf("kernel says tgid %d, os.Getpid %d", tgid, os.Getpid())
	}
	// Self takes the kernel's answer.
	self, err := Self()
	if err != nil || self != tgid {
		t.Fatalf("Self() = %d, %v; want %d", self, err, tgid)
	}
}

func TestFromKernelIsTheTGIDOnEveryThread(t *testing.T) {
	privtest.Require(t)
	// On the main thread the tid is the tgid; the other threads tell a
	// program returning the tid (the lower half) from one returning the
	// tgid. Each goroutine keeps its thread locked until all are done, so
	// they run on distinct threads and at most one is the main thread.
	const threads = 4
	type result struct {
		tid  int
		tgid uint32
		err  error
	}
	results := make(chan result)
	release := make(chan struct{})
	for range threads {
		go func() {
			runtime.LockOSThread()
			tgid, err := fromKernel()
			results <- result{unix.Gettid(), tgid, err}
			<-release
		}()
	}
	otherThreads := 0
	for range threads {
		r := <-results
		if r.err != nil || int(r.tgid) != os.Getpid() {
			t.Errorf("thread %d: %d, %v; want tgid %d", r.tid, r.tgid, r.err, os.Getpid())
		}
		if r.tid != os.Getpid() {
			otherThreads++
		}
	}
	close(release)
	if otherThreads < threads-1 {
		t.Fatalf("only %d of %d threads were not the main one", otherThreads, threads)
	}
}
