package detectionprocessor

import (
	"context"
	"errors"
	"fmt"
	"time"
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
	// EvaluationTimeout bounds one evaluation of one signature on one
	// record; a longer one is cancelled and counted as an overrun.
	EvaluationTimeout time.Duration `mapstructure:"evaluation_timeout"`
	// MaxOverruns consecutive overruns of a signature disable it.
	MaxOverruns int `mapstructure:"max_overruns"`
	// Exceptions except records from signatures before their Rego runs.
	Exceptions []ExceptionConfig `mapstructure:"exceptions"`
	// RateLimit limits the detections of one signature for one process.
	RateLimit RateLimitConfig `mapstructure:"rate_limit"`
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
	// AllowInsecurePermissions loads signatures that others than the
	// collector's user (or root) can write or own.
	AllowInsecurePermissions bool `mapstructure:"allow_insecure_permissions"`
	// ReloadInterval is how often Paths are checked for changes, which
	// are loaded without restarting the pipeline; 0 never checks.
	ReloadInterval time.Duration `mapstructure:"reload_interval"`
}

const (
	defaultEvaluationTimeout = 100 * time.Millisecond
	minEvaluationTimeout     = time.Millisecond
	maxEvaluationTimeout     = 10 * time.Second
	defaultMaxOverruns       = 3
	defaultReloadInterval    = 10 * time.Second
	minReloadInterval        = 100 * time.Millisecond
)

// Validate checks the configuration and, when the rest is valid, loads
// and compiles the signatures as start would, so that `validate` rejects
// everything start would.
func (c *Config) Validate() error {
	var errs []error
	if c.Workers < 0 {
		errs = append(errs, fmt.Errorf("workers: must be 0 (one per CPU) or more, got %d", c.Workers))
	}
	if c.EvaluationTimeout < minEvaluationTimeout || c.EvaluationTimeout > maxEvaluationTimeout {
		errs = append(errs, fmt.Errorf("evaluation_timeout: must be between %s and %s, got %s", minEvaluationTimeout, maxEvaluationTimeout, c.EvaluationTimeout))
	}
	if c.MaxOverruns < 1 {
		errs = append(errs, fmt.Errorf("max_overruns: must be 1 or more, got %d", c.MaxOverruns))
	}
	if c.Signatures.ReloadInterval < 0 || (c.Signatures.ReloadInterval > 0 && c.Signatures.ReloadInterval < minReloadInterval) {
		errs = append(errs, fmt.Errorf("signatures.reload_interval: must be 0 (no reloading) or at least %s, got %s", minReloadInterval, c.Signatures.ReloadInterval))
	}
	if !c.Signatures.Builtin && len(c.Signatures.Paths) == 0 {
		errs = append(errs, errors.New("signatures: no signatures to load: set signatures.builtin to true or list signatures.paths"))
	}
	for field, list := range map[string][]string{"paths": c.Signatures.Paths, "include": c.Signatures.Include, "exclude": c.Signatures.Exclude} {
		for i, v := range list {
			if v == "" {
				errs = append(errs, fmt.Errorf("signatures.%s[%d]: empty entry", field, i))
			}
		}
	}
	if err := validateExceptions(c.Exceptions); err != nil {
		errs = append(errs, err)
	}
	if err := c.RateLimit.validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	_, _, err := LoadSignatures(context.Background(), c)
	return err
}
