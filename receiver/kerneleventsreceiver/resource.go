package kerneleventsreceiver

import (
	"os"
	"runtime"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	vigil "github.com/vigil-sec/vigil"
)

// putHostResource describes the machine the events come from.
func putHostResource(res pcommon.Map) {
	if name, err := os.Hostname(); err == nil {
		res.PutStr(vigil.AttrHostName, name)
	}
	if id, err := os.ReadFile("/etc/machine-id"); err == nil {
		res.PutStr(vigil.AttrHostID, strings.TrimSpace(string(id)))
	}
	res.PutStr(vigil.AttrHostArch, runtime.GOARCH)
	res.PutStr(vigil.AttrOSType, runtime.GOOS)
	if release, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		res.PutStr(vigil.AttrOSVersion, strings.TrimSpace(string(release)))
	}
}
