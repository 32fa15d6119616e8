package detectionprocessor

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/engine"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/exception"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
)

// ExceptionConfig excepts records from signatures: a record is not
// evaluated by the signatures named when every attribute listed in equals
// or starts_with holds for it.
type ExceptionConfig struct {
	// Signatures are the ids or tags of the signatures excepted.
	Signatures []string `mapstructure:"signatures"`
	// Equals maps a record or resource attribute (the record's wins) to
	// values: the attribute holds when it equals one of them.
	Equals map[string][]any `mapstructure:"equals"`
	// StartsWith maps an attribute to prefixes: the attribute holds when
	// it starts with one of them (or, when also in equals, equals one).
	StartsWith map[string][]any `mapstructure:"starts_with"`
}

// validateExceptions checks the shape of the exceptions; the signatures
// they name are checked once loaded (namedSignatures).
func validateExceptions(list []ExceptionConfig) error {
	var errs []error
	for i, e := range list {
		field := fmt.Sprintf("exceptions[%d]", i)
		if len(e.Signatures) == 0 {
			errs = append(errs, fmt.Errorf("%s.signatures: list the ids or tags of the signatures to except records from", field))
		}
		for j, s := range e.Signatures {
			if s == "" {
				errs = append(errs, fmt.Errorf("%s.signatures[%d]: empty entry", field, j))
			}
		}
		if len(e.Equals)+len(e.StartsWith) == 0 {
			errs = append(errs, fmt.Errorf("%s: no condition: list attributes and their values under equals or starts_with", field))
		}
		for name, m := range map[string]map[string][]any{"equals": e.Equals, "starts_with": e.StartsWith} {
			for _, key := range slices.Sorted(maps.Keys(m)) {
				if _, err := exceptionValues(fmt.Sprintf("%s.%s.%s", field, name, key), key, m[key]); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// exceptionValues returns the values of one attribute as the text they are
// compared in: strings as they are, numbers and booleans as written.
func exceptionValues(field, key string, vals []any) ([]string, error) {
	if key == "" {
		return nil, fmt.Errorf("%s: empty attribute name", field)
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("%s: no values", field)
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		switch v := v.(type) {
		case string:
			if v == "" {
				return nil, fmt.Errorf("%s[%d]: empty value", field, i)
			}
			out[i] = v
		case int:
			out[i] = strconv.Itoa(v)
		case int64:
			out[i] = strconv.FormatInt(v, 10)
		case uint64:
			out[i] = strconv.FormatUint(v, 10)
		case bool:
			out[i] = strconv.FormatBool(v)
		default:
			return nil, fmt.Errorf("%s[%d]: must be a string or an integer, got %v (%T)", field, i, v, v)
		}
	}
	return out, nil
}

// namedSignatures checks that every signature entry of the exceptions
// names a loaded signature: a misspelt one would except nothing.
func namedSignatures(list []ExceptionConfig, sigs []*signature.Signature) error {
	var errs []error
	for i, e := range list {
		for _, j := range signature.Unmatched(sigs, e.Signatures) {
			errs = append(errs, fmt.Errorf("exceptions[%d].signatures[%d]: %q names no loaded signature id or tag", i, j, e.Signatures[j]))
		}
	}
	return errors.Join(errs...)
}

// engineExceptions builds the engine's exceptions of sigs from validated
// configuration entries.
func engineExceptions(list []ExceptionConfig, sigs []*signature.Signature) map[string]engine.Exception {
	entries := make([]exception.Entry, len(list))
	for i, e := range list {
		entries[i] = exception.Entry{Signatures: e.Signatures, Equals: stringValues(e.Equals), StartsWith: stringValues(e.StartsWith)}
	}
	out := map[string]engine.Exception{}
	for id, rules := range exception.Build(entries, sigs) {
		out[id] = rules
	}
	return out
}

func stringValues(m map[string][]any) map[string][]string {
	out := make(map[string][]string, len(m))
	for k, vals := range m {
		out[k], _ = exceptionValues("", k, vals) // validated already
	}
	return out
}
