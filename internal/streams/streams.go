// Package streams reads the recorded Tracee JSON streams under
// testdata/streams, which tests and benchmarks of several packages replay.
package streams

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// Mixed returns testdata/streams/mixed.jsonl.gz decompressed: 10,000 Tracee
// v0.22.6 events of a busy container host, one JSON object a line, each
// from a process drawn at random (see generate.go there).
func Mixed() ([]byte, error) { return read("mixed.jsonl.gz") }

// Sessions returns testdata/streams/sessions.jsonl.gz decompressed: about
// 10,000 events of the same kinds and proportions as Mixed's, emitted by
// processes that live (fork, exec, a run of events, exit), some forty at
// once, interleaved, as a real host's (see generate.go there).
func Sessions() ([]byte, error) { return read("sessions.jsonl.gz") }

// read returns the stream name of testdata/streams, decompressed.
func read(name string) ([]byte, error) {
	// found from this file, so a test of any package reads it
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return nil, fmt.Errorf("streams: cannot locate the repository")
	}
	f, err := os.Open(filepath.Join(filepath.Dir(self), "..", "..", "testdata", "streams", name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(z)
}
