package detectionprocessor

import (
	"encoding/json"

	"github.com/open-policy-agent/opa/v1/ast"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/engine"
)

// Keys of each element of detection.matches.
const (
	matchUUID       = "uuid"
	matchName       = "name"
	matchSeverity   = "severity"
	matchCategory   = "category"
	matchReference  = "reference"
	matchRuleset    = "ruleset"
	matchData       = "data"
	matchSuppressed = "suppressed_count"
)

// attrSuppressedCount is the repeats of the record's top match that the
// rate limit suppressed since the previous detection emitted.
const attrSuppressedCount = "detection.suppressed_count"

// detection is a match the rate limit let through.
type detection struct {
	engine.Match
	suppressed int64 // repeats suppressed since the previous one emitted
}

// severityNumbers maps a Tracee severity (0-4) to the record's severity.
var severityNumbers = [...]plog.SeverityNumber{
	plog.SeverityNumberInfo, plog.SeverityNumberWarn, plog.SeverityNumberWarn,
	plog.SeverityNumberError, plog.SeverityNumberFatal,
}

// tag writes the detection tags of matches (at least one, in id order) on
// lr: the scalar tags of the most severe match (the first on ties), every
// match in detection.matches, and the severity raised.
func tag(lr plog.LogRecord, matches []detection) {
	top := matches[0]
	for _, m := range matches[1:] {
		if m.Signature.Severity > top.Signature.Severity {
			top = m
		}
	}
	s := top.Signature
	at := lr.Attributes()
	at.PutStr(vigil.AttrRuleUUID, s.ID)
	at.PutStr(vigil.AttrRuleName, s.Name)
	at.PutStr(vigil.AttrRuleDescription, s.Description)
	at.PutStr(vigil.AttrRuleVersion, s.Version)
	at.PutStr(vigil.AttrRuleCategory, s.Tactic)
	at.PutStr(vigil.AttrRuleReference, s.Technique)
	at.PutStr(vigil.AttrRulesetName, s.Ruleset)
	at.PutInt(vigil.AttrSeverity, int64(s.Severity))
	if top.suppressed > 0 {
		at.PutInt(attrSuppressedCount, top.suppressed)
	}
	if top.Data != nil {
		top.Data.Foreach(func(k, v *ast.Term) {
			setValue(at.PutEmpty(vigil.AttrDataPrefix+keyString(k)), v.Value)
		})
	}

	list := at.PutEmptySlice(vigil.AttrMatches)
	list.EnsureCapacity(len(matches))
	for _, m := range matches {
		e := list.AppendEmpty().SetEmptyMap()
		e.PutStr(matchUUID, m.Signature.ID)
		e.PutStr(matchName, m.Signature.Name)
		e.PutInt(matchSeverity, int64(m.Signature.Severity))
		e.PutStr(matchCategory, m.Signature.Tactic)
		e.PutStr(matchReference, m.Signature.Technique)
		e.PutStr(matchRuleset, m.Signature.Ruleset)
		if m.Data != nil {
			setValue(e.PutEmpty(matchData), m.Data)
		}
		if m.suppressed > 0 {
			e.PutInt(matchSuppressed, m.suppressed)
		}
	}

	if sev := severityNumbers[s.Severity]; sev > lr.SeverityNumber() {
		lr.SetSeverityNumber(sev)
		lr.SetSeverityText(sev.String())
	}
}

// keyString is an object key as text: strings as they are, other keys in
// their Rego form.
func keyString(k *ast.Term) string {
	if s, ok := k.Value.(ast.String); ok {
		return string(s)
	}
	return k.String()
}

// setValue stores a Rego value in an attribute value.
func setValue(dst pcommon.Value, v ast.Value) {
	switch v := v.(type) {
	case ast.String:
		dst.SetStr(string(v))
	case ast.Boolean:
		dst.SetBool(bool(v))
	case ast.Number:
		if i, ok := v.Int64(); ok {
			dst.SetInt(i)
		} else if f, err := json.Number(v).Float64(); err == nil {
			dst.SetDouble(f)
		} else {
			dst.SetStr(string(v))
		}
	case ast.Object:
		m := dst.SetEmptyMap()
		v.Foreach(func(k, e *ast.Term) { setValue(m.PutEmpty(keyString(k)), e.Value) })
	case *ast.Array:
		s := dst.SetEmptySlice()
		v.Foreach(func(e *ast.Term) { setValue(s.AppendEmpty(), e.Value) })
	case ast.Set:
		s := dst.SetEmptySlice()
		v.Foreach(func(e *ast.Term) { setValue(s.AppendEmpty(), e.Value) })
	case ast.Null:
		// left empty
	default:
		dst.SetStr(v.String())
	}
}
