//go:generate ../../.tools/mdatagen metadata.yaml

// Package detectionsconnector implements the `detections` connector: it
// hands every log record, unchanged, to one set of pipelines and a copy of
// only the records a signature matched to another, so that a detections-only
// view costs a copy of the detections, not of the whole stream.
package detectionsconnector // import "github.com/vigil-sec/vigil/connector/detectionsconnector"
