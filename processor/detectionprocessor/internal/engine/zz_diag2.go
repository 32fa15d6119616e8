package engine

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/plog"
)

func (e *Engine) DiagSurvivors(g *Group, lr plog.LogRecord) []string {
	rv := recordView{attrs: lr.Attributes(), eventName: strings.TrimPrefix(lr.EventName(), "kernel.")}
	var out []string
	for _, c := range g.sigs {
		if c.guard == nil || c.guard.holds(&rv) {
			out = append(out, c.sig.ID)
		}
	}
	return out
}
