//go:build linux

package detectionprocessor

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// The actions of the files_accounts signatures' live cases (VGL-1050 ..
// VGL-1065). Paths below /etc, /var/log and the binary directories are
// acted on in the child's private mount namespace only (shadowPath).

// unlinkPrivate creates path, then deletes it, in this process's mount
// namespace only.
func unlinkPrivate(path string) error {
	if err := writePrivate(path); err != nil {
		return err
	}
	return os.Remove(path)
}

// truncatePrivate creates path, then empties it with truncate(2), in this
// process's mount namespace only.
func truncatePrivate(path string) error {
	if err := writePrivate(path); err != nil {
		return err
	}
	return unix.Truncate(path, 0)
}

// symlinkDevNull makes path a symbolic link to /dev/null.
func symlinkDevNull(path string) error { return os.Symlink("/dev/null", path) }

// chmodMode returns the action that creates the file path and sets its
// mode with fchmodat(2), set-id bits included as given (os.Chmod would take
// them from os.FileMode's own bits).
func chmodMode(mode uint32) func(string) error {
	return func(path string) error {
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			return err
		}
		return unix.Chmod(path, mode)
	}
}

// emptyFile creates an empty file at path for a case to act on and
// returns path.
func emptyFile(t *testing.T, path string) string {
	t.Helper()
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// copyOf copies the executable src to dst, so that a harmless program runs
// under the name of one a signature watches, and returns dst.
func copyOf(t *testing.T, src, dst string) string {
	t.Helper()
	if err := copyFile(src, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}
