//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
)

// The file exporter writes one OTLP/JSON export request per line. These
// types read the parts the test checks; OTLP/JSON spells 64-bit integers as
// strings.

type keyValue struct {
	Key   string   `json:"key"`
	Value anyValue `json:"value"`
}

type anyValue struct {
	StringValue *string  `json:"stringValue"`
	IntValue    *string  `json:"intValue"`
	BoolValue   *bool    `json:"boolValue"`
	DoubleValue *float64 `json:"doubleValue"`
	ArrayValue  *struct {
		Values []anyValue `json:"values"`
	} `json:"arrayValue"`
	KvlistValue *struct {
		Values []keyValue `json:"values"`
	} `json:"kvlistValue"`
}

// value converts to plain Go: string, int64, bool, float64, []any or
// map[string]any.
func (v anyValue) value() any {
	switch {
	case v.StringValue != nil:
		return *v.StringValue
	case v.IntValue != nil:
		n, _ := strconv.ParseInt(*v.IntValue, 10, 64)
		return n
	case v.BoolValue != nil:
		return *v.BoolValue
	case v.DoubleValue != nil:
		return *v.DoubleValue
	case v.ArrayValue != nil:
		out := make([]any, len(v.ArrayValue.Values))
		for i, e := range v.ArrayValue.Values {
			out[i] = e.value()
		}
		return out
	case v.KvlistValue != nil:
		return attrMap(v.KvlistValue.Values)
	}
	return nil
}

func attrMap(kvs []keyValue) map[string]any {
	out := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		out[kv.Key] = kv.Value.value()
	}
	return out
}

// exportLine is one line of the file exporter's output: logs or metrics.
type exportLine struct {
	ResourceLogs []struct {
		Resource struct {
			Attributes []keyValue `json:"attributes"`
		} `json:"resource"`
		ScopeLogs []struct {
			LogRecords []struct {
				EventName  string     `json:"eventName"`
				Attributes []keyValue `json:"attributes"`
			} `json:"logRecords"`
		} `json:"scopeLogs"`
	} `json:"resourceLogs"`
	ResourceMetrics []struct {
		ScopeMetrics []struct {
			Metrics []struct {
				Name string `json:"name"`
				Sum  *struct {
					DataPoints []struct {
						Attributes   []keyValue `json:"attributes"`
						TimeUnixNano string     `json:"timeUnixNano"`
						AsInt        *string    `json:"asInt"`
					} `json:"dataPoints"`
				} `json:"sum"`
			} `json:"metrics"`
		} `json:"scopeMetrics"`
	} `json:"resourceMetrics"`
}

// record is a log record as the backend wrote it.
type record struct {
	EventName string
	// Attrs holds its resource's attributes (host and process) and its
	// own, the record's winning, as vigil.Attrs looks them up.
	Attrs map[string]any
}

// readExportLines reads every file matching pattern (the live file and its
// rotated backups). A line that does not parse is skipped: while the
// exporter writes, the last line may be incomplete.
func readExportLines(pattern string) ([]exportLine, error) {
	paths, err := filepath.Glob(pattern)
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var lines []exportLine
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 256<<20)
		for sc.Scan() {
			var l exportLine
			if json.Unmarshal(sc.Bytes(), &l) == nil {
				lines = append(lines, l)
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return lines, nil
}

// logRecords returns every log record in the files matching pattern.
func logRecords(pattern string) ([]record, error) {
	lines, err := readExportLines(pattern)
	if err != nil {
		return nil, err
	}
	var out []record
	for _, l := range lines {
		for _, rl := range l.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					attrs := attrMap(rl.Resource.Attributes)
					maps.Copy(attrs, attrMap(lr.Attributes))
					out = append(out, record{EventName: lr.EventName, Attrs: attrs})
				}
			}
		}
	}
	return out, nil
}

// latestSum returns the most recent value of the integer sum metric name
// whose data point carries every attribute in match, and whether there was
// one. The collector's own metrics are cumulative, so the latest is the total.
func latestSum(pattern, name string, match map[string]string) (int64, bool, error) {
	lines, err := readExportLines(pattern)
	if err != nil {
		return 0, false, err
	}
	var best, bestTime int64
	found := false
	for _, l := range lines {
		for _, rm := range l.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					if m.Name != name || m.Sum == nil {
						continue
					}
					for _, dp := range m.Sum.DataPoints {
						attrs := attrMap(dp.Attributes)
						if !hasAll(attrs, match) || dp.AsInt == nil {
							continue
						}
						ts, _ := strconv.ParseInt(dp.TimeUnixNano, 10, 64)
						v, _ := strconv.ParseInt(*dp.AsInt, 10, 64)
						if !found || ts >= bestTime {
							best, bestTime, found = v, ts, true
						}
					}
				}
			}
		}
	}
	return best, found, nil
}

func hasAll(attrs map[string]any, match map[string]string) bool {
	for k, want := range match {
		if got, _ := attrs[k].(string); got != want {
			return false
		}
	}
	return true
}

// recordSize is the OTLP protobuf size of one log record sent alone: with
// its resource and scope, as the smallest request that could carry it.
type recordSize struct {
	size        int
	rule, event string
}

// largestRecord returns the largest record in the files matching pattern,
// measured as the exporter would encode it.
func largestRecord(pattern string) (recordSize, error) {
	paths, err := filepath.Glob(pattern)
	if err != nil {
		return recordSize{}, err
	}
	var largest recordSize
	var unmarshal plog.JSONUnmarshaler
	var marshal plog.ProtoMarshaler
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return recordSize{}, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 256<<20)
		for sc.Scan() {
			logs, err := unmarshal.UnmarshalLogs(sc.Bytes())
			if err != nil {
				continue // the line being written
			}
			for _, rl := range logs.ResourceLogs().All() {
				for _, sl := range rl.ScopeLogs().All() {
					for _, lr := range sl.LogRecords().All() {
						one := plog.NewLogs()
						orl := one.ResourceLogs().AppendEmpty()
						rl.Resource().CopyTo(orl.Resource())
						osl := orl.ScopeLogs().AppendEmpty()
						sl.Scope().CopyTo(osl.Scope())
						lr.CopyTo(osl.LogRecords().AppendEmpty())
						if n := marshal.LogsSize(one); n > largest.size {
							rule, _ := lr.Attributes().Get(vigil.AttrRuleUUID)
							largest = recordSize{size: n, rule: rule.AsString(), event: lr.EventName()}
						}
					}
				}
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return recordSize{}, err
		}
	}
	return largest, nil
}
