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
// v0.22.6 events of a busy container host, one JSON object a line (see
// generate.go there).
func Mixed() ([]byte, error) {
	// found from this file, so a test of any package reads it
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return nil, fmt.Errorf("streams: cannot locate the repository")
	}
	f, err := os.Open(filepath.Join(filepath.Dir(self), "..", "..", "testdata", "streams", "mixed.jsonl.gz"))
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
