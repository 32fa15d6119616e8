package detectionsconnector

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/pipeline"
)

// Config is the configuration of the detections connector.
type Config struct {
	// All lists the pipelines that receive every record, unchanged.
	All []pipeline.ID `mapstructure:"all"`
	// Detections lists the pipelines that receive only the records a
	// signature matched (those carrying security_rule.uuid).
	Detections []pipeline.ID `mapstructure:"detections"`
}

// Validate checks that the connector feeds at least one pipeline and names
// each pipeline once: a pipeline in both lists would receive every detection
// twice.
func (c *Config) Validate() error {
	if len(c.All) == 0 && len(c.Detections) == 0 {
		return errors.New("all, detections: name at least one pipeline in all or detections")
	}
	var errs []error
	seen := map[pipeline.ID]string{}
	for _, list := range []struct {
		field string
		ids   []pipeline.ID
	}{{"all", c.All}, {"detections", c.Detections}} {
		for i, id := range list.ids {
			field := fmt.Sprintf("%s[%d]", list.field, i)
			if id.Signal() != pipeline.SignalLogs {
				errs = append(errs, fmt.Errorf("%s: %s is a %s pipeline; the connector feeds logs pipelines only", field, id, id.Signal()))
			}
			if first, ok := seen[id]; ok {
				errs = append(errs, fmt.Errorf("%s: pipeline %s is already listed as %s", field, id, first))
				continue
			}
			seen[id] = field
		}
	}
	return errors.Join(errs...)
}
