package sigtool

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/processor/detectionprocessor"
	"github.com/vigil-sec/vigil/tracee"
)

// maxLine bounds one line of a recording (one event, or one OTLP batch).
const maxLine = 64 << 20

// runReplay runs a recording through a detection processor and prints
// what it tags.
func runReplay(ctx context.Context, fs *flag.FlagSet, args []string, stdout io.Writer) error {
	sf := addSignatureFlags(fs, true, "load the built-in signatures")
	fs.Var(&sf.paths, "signatures", "a signature directory or file, as in signatures.paths (repeatable)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"replay: name one recording (Tracee JSON or Vigil OTLP JSON, one per line)"}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()

	factory := detectionprocessor.NewFactory()
	sink := new(consumertest.LogsSink)
	cfg := sf.config(sf.paths)
	if err := cfg.Validate(); err != nil {
		return err
	}
	proc, err := factory.CreateLogs(ctx, processortest.NewNopSettings(factory.Type()), cfg, sink)
	if err != nil {
		return err
	}
	if err := proc.Start(ctx, componenttest.NewNopHost()); err != nil {
		return err
	}
	defer proc.Shutdown(ctx)

	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), maxLine)
	var records, findings int
	for line := 1; sc.Scan(); line++ {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		ld, err := decodeLine(raw)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", fs.Arg(0), line, err)
		}
		records += ld.LogRecordCount()
		sink.Reset()
		if err := proc.ConsumeLogs(ctx, ld); err != nil {
			return err
		}
		for _, out := range sink.AllLogs() {
			findings += printFindings(stdout, line, out)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	fmt.Fprintf(stdout, "%d records, %d findings\n", records, findings)
	return nil
}

// decodeLine decodes one line: an OTLP JSON logs request (as the file
// exporter writes them), or a Tracee JSON event.
func decodeLine(raw []byte) (plog.Logs, error) {
	if bytes.Contains(raw, []byte(`"resourceLogs"`)) {
		return (&plog.JSONUnmarshaler{}).UnmarshalLogs(raw)
	}
	var ev tracee.Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return plog.Logs{}, fmt.Errorf("neither OTLP JSON logs nor a Tracee JSON event: %w", err)
	}
	if ev.EventName == "" {
		return plog.Logs{}, errors.New("a Tracee JSON event without eventName")
	}
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	proc := ev.Process()
	vigil.WriteResource(rl.Resource().Attributes(), ev.HostName, &proc, nil)
	tracee.RecordFromEvent(&ev, rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty())
	return ld, nil
}

// printFindings prints one line per match on the records of ld and returns
// how many.
func printFindings(w io.Writer, line int, ld plog.Logs) int {
	n := 0
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				matches, ok := lr.Attributes().Get(vigil.AttrMatches)
				if !ok {
					continue
				}
				attrs := vigil.AttrsOf(lr, rl.Resource())
				str := func(key string) string {
					v, _ := attrs.Get(key)
					return v.AsString()
				}
				for _, m := range matches.Slice().All() {
					fields := m.Map().AsRaw()
					var data []byte
					if d, ok := fields["data"]; ok {
						data, _ = json.Marshal(d)
					}
					fmt.Fprintf(w, "line %d: %v %v [severity %v; %v %v] %s by %s (pid %s, %s) %s\n",
						line, fields["uuid"], fields["name"], fields["severity"], fields["category"], fields["reference"],
						lr.EventName(), str(vigil.AttrExecutableName), str(vigil.AttrProcessPID), str(vigil.AttrExecutablePath), data)
					n++
				}
			}
		}
	}
	return n
}
