package vigil

import (
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
)

// TestRecordWriterBodies writes many records with one writer, whose bodies
// share chunks, and checks every body once all are written: a body written
// over by a later one, or cut where it outgrew its chunk, differs. Paths
// from empty to several chunks long cover a body starting a chunk, filling
// one and outgrowing one.
func TestRecordWriterBodies(t *testing.T) {
	var w RecordWriter
	logs := plog.NewLogRecordSlice()
	var want []string
	for i := range 2000 {
		path := strings.Repeat(string(rune('a'+i%26)), (i*37)%(3*maxBodyChunk/2))
		ret := int64(i*7919 - 5000)
		w.Begin(logs.AppendEmpty(), &RecordHeader{Name: "openat", Syscall: "openat", ReturnValue: ret}, 1)
		w.Str("kernel.args.pathname", path)
		w.End()
		if path == "" {
			want = append(want, fmt.Sprintf("openat = %d", ret))
		} else {
			want = append(want, fmt.Sprintf("openat %s = %d", path, ret))
		}
	}
	for i := range logs.Len() {
		if got := logs.At(i).Body().Str(); got != want[i] {
			t.Fatalf("record %d: body %.40q... (%d bytes), want %.40q... (%d bytes)", i, got, len(got), want[i], len(want[i]))
		}
	}
}
