package detectionprocessor

import (
	"errors"
	"fmt"
)

// Config is the configuration of the detection processor.
type Config struct {
	// Signatures says which signatures to load.
	Signatures SignaturesConfig `mapstructure:"signatures"`
	// DropUnmatched forwards only the records that matched a signature.
	DropUnmatched bool `mapstructure:"drop_unmatched"`
	// Workers is the number of goroutines evaluating one batch; 0 means
	// GOMAXPROCS.
	Workers int `mapstructure:"workers"`
}

// SignaturesConfig selects the signatures.
type SignaturesConfig struct {
	// Builtin loads the signatures embedded in the processor.
	Builtin bool `mapstructure:"builtin"`
	// Paths are directories (searched recursively) or files of Tracee-format
	// signatures: every *.rego, *helpers.rego as helpers, *_test.rego skipped.
	Paths []string `mapstructure:"paths"`
	// Include keeps only the signatures whose id or one of whose tags is
	// listed; empty keeps all.
	Include []string `mapstructure:"include"`
	// Exclude drops the signatures whose id or one of whose tags is listed.
	Exclude []string `mapstructure:"exclude"`
}

// Validate checks the configuration without touching the file system; the
// signatures themselves are loaded, and their errors reported, at start.
func (c *Config) Validate() error {
	var errs []error
	if c.Workers < 0 {
		errs = append(errs, fmt.Errorf("workers: must be 0 (one per CPU) or more, got %d", c.Workers))
	}
	if !c.Signatures.Builtin && len(c.Signatures.Paths) == 0 {
		errs = append(errs, errors.New("signatures: no signatures to load: set signatures::builtin to true or list signatures::paths"))
	}
	for field, list := range map[string][]string{"paths": c.Signatures.Paths, "include": c.Signatures.Include, "exclude": c.Signatures.Exclude} {
		for i, v := range list {
			if v == "" {
				errs = append(errs, fmt.Errorf("signatures::%s[%d]: empty entry", field, i))
			}
		}
	}
	return errors.Join(errs...)
}
