//go:generate ../../.tools/mdatagen metadata.yaml

// Package detectionprocessor implements the `detection` processor: it
// evaluates Tracee v0.22.6-format Rego signatures against kernel-event log
// records and tags the records that match with security_rule.* and
// detection.* attributes.
package detectionprocessor // import "github.com/vigil-sec/vigil/processor/detectionprocessor"
