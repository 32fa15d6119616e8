package detectionprocessor

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
)

// signatureSources lists the configured signature trees, refusing those
// that others could change (unless signatures.allow_insecure_permissions).
func signatureSources(cfg *Config) ([]signature.Source, error) {
	var srcs []signature.Source
	if cfg.Signatures.Builtin {
		srcs = append(srcs, signature.Source{FS: builtinSignatures, Root: builtinRoot, Ruleset: builtinRuleset, Prefix: "builtin", Field: "signatures.builtin"})
	}
	for i, p := range cfg.Signatures.Paths {
		field := fmt.Sprintf("signatures.paths[%d]", i)
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		if !cfg.Signatures.AllowInsecurePermissions {
			if err := checkPermissions(p); err != nil {
				return nil, fmt.Errorf("%s: %w", field, err)
			}
		}
		dir, root := p, "."
		if !st.IsDir() {
			dir, root = filepath.Dir(p), filepath.Base(p)
		}
		srcs = append(srcs, signature.Source{FS: os.DirFS(dir), Root: root, Ruleset: p, Prefix: dir, Field: field})
	}
	return srcs, nil
}

// checkPermissions refuses a signature path when a user other than the
// collector's, or root, could change what it loads: the path and every
// file and directory under it must be owned by the collector's user or
// root and writable by no one else. Signatures are code the collector
// runs, so whoever can write them can change what it detects.
func checkPermissions(root string) error {
	resolved, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	euid := uint32(os.Geteuid())
	return filepath.WalkDir(resolved, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := os.Stat(p) // what is read: a link's target
		if err != nil {
			return err
		}
		mode := info.Mode().Perm()
		switch {
		case mode&0o002 != 0:
			return fmt.Errorf("%s is writable by others (mode %04o); make it writable only by its owner (chmod go-w) or set signatures.allow_insecure_permissions", p, mode)
		case mode&0o020 != 0:
			return fmt.Errorf("%s is writable by its group (mode %04o); make it writable only by its owner (chmod go-w) or set signatures.allow_insecure_permissions", p, mode)
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Uid != euid && st.Uid != 0 {
			return fmt.Errorf("%s is owned by uid %d, neither the collector's user (uid %d) nor root; chown it or set signatures.allow_insecure_permissions", p, st.Uid, euid)
		}
		return nil
	})
}
