package otlpjsonencodingextension

import (
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// kernelBatch is a batch shaped like the file exporter's in
// examples/default.yaml: 1,024 security_file_open records under a few
// process resources, with the receiver's attributes.
func kernelBatch() plog.Logs {
	ld := plog.NewLogs()
	for p := range 8 {
		rl := ld.ResourceLogs().AppendEmpty()
		ra := rl.Resource().Attributes()
		ra.PutInt("process.pid", int64(4000+p))
		ra.PutInt("process.parent_pid", 1)
		ra.PutStr("process.executable.path", "/usr/bin/openat-loop")
		ra.PutStr("process.command_line", "/usr/bin/openat-loop 200000")
		ra.PutInt("process.user.id", 0)
		ra.PutStr("host.name", "vigil-node-1")
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName("github.com/vigil-sec/vigil/receiver/kerneleventsreceiver")
		sl.Scope().SetVersion("0.1.0")
		for i := range 128 {
			lr := sl.LogRecords().AppendEmpty()
			lr.SetTimestamp(pcommon.Timestamp(1_764_633_600_000_000_000 + i*1000))
			lr.SetObservedTimestamp(pcommon.Timestamp(1_764_633_600_000_100_000 + i*1000))
			lr.SetSeverityNumber(plog.SeverityNumberInfo)
			lr.SetEventName("security_file_open")
			a := lr.Attributes()
			a.PutStr("kernel.event.name", "security_file_open")
			a.PutInt("thread.id", int64(4000+p))
			a.PutStr("process.executable.name", "openat-loop")
			a.PutStr("file.path", fmt.Sprintf("/dev/null%d", i%3))
			a.PutInt("kernel.args.flags", 32768)
			a.PutInt("kernel.args.dev", 5)
			a.PutInt("kernel.args.inode", 4+int64(i))
			a.PutInt("kernel.args.ctime", 1_764_000_000_000_000_000)
			a.PutStr("kernel.args.syscall_pathname", "/dev/null")
			a.PutInt("kernel.return_value", 0)
			a.PutStr("container.id", "")
			a.PutInt("kernel.mount_ns", 4026531841)
			a.PutInt("kernel.pid_ns", 4026531836)
		}
	}
	return ld
}

// BenchmarkMarshalLogs runs both marshalers on the same batch in one
// process: compare the two lines' ns/op (a ratio, not a figure to assert).
//
//	go test -run '^$' -bench MarshalLogs -count 6 ./extension/otlpjsonencodingextension | .tools/benchstat -col /marshaler -
func BenchmarkMarshalLogs(b *testing.B) {
	benchmarkMarshalers(b, kernelBatch())
}

// BenchmarkMarshalLogsDecodedKeys runs them on the same batch read back
// from protobuf (as from a persistent queue): every key is a string of its
// own, so none is recognised by the key cache.
func BenchmarkMarshalLogsDecodedKeys(b *testing.B) {
	buf, err := (&plog.ProtoMarshaler{}).MarshalLogs(kernelBatch())
	if err != nil {
		b.Fatal(err)
	}
	ld, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(buf)
	if err != nil {
		b.Fatal(err)
	}
	benchmarkMarshalers(b, ld)
}

func benchmarkMarshalers(b *testing.B, ld plog.Logs) {
	for _, m := range []struct {
		name string
		m    plog.Marshaler
	}{{"pdata", &plog.JSONMarshaler{}}, {"otlpjson", &jsonEncoding{}}} {
		b.Run("marshaler="+m.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				out, err := m.m.MarshalLogs(ld)
				if err != nil {
					b.Fatal(err)
				}
				n = len(out)
			}
			b.SetBytes(int64(n))
		})
	}
}

// BenchmarkAppendStringOneEscape writes a long command line with one
// quote in it: the scan must step over the clean words around it.
func BenchmarkAppendStringOneEscape(b *testing.B) {
	s := strings.Repeat("/usr/bin/python3 -c import-sys ", 64) + `"` + strings.Repeat("x", 100)
	buf := make([]byte, 0, 2*len(s))
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = appendString(buf[:0], s)
	}
}
