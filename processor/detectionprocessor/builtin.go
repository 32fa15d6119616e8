package detectionprocessor

import "embed"

// builtinSignatures are the signatures shipped with the processor, in
// Tracee's format; signatures.builtin turns them on.
//
//go:embed signatures/*.rego
var builtinSignatures embed.FS

const (
	builtinRoot    = "signatures"
	builtinRuleset = "vigil-builtin"
)
