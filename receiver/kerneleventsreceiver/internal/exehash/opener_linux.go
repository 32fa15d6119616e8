package exehash

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// ProcOpener opens executed files through procfs mounted at procPath (the
// host's, "/host/proc" in a container with hostPID): /proc/<pid>/exe once
// the exec completed, else the path under /proc/<pid>/root, and, when the
// process is gone, the path under /proc/1/root (the host's files, for a
// process that ran on the host). A file is taken only if its device, inode
// and (when the request has one) ctime are the executed file's.
func ProcOpener(procPath string) Opener {
	return func(req Request) (Opened, error) {
		pid := strconv.FormatUint(uint64(req.PID), 10)
		candidates := make([]string, 0, 3)
		if req.Executed {
			candidates = append(candidates, filepath.Join(procPath, pid, "exe"))
		}
		if filepath.IsAbs(req.Path) {
			candidates = append(candidates, filepath.Join(procPath, pid, "root", req.Path), filepath.Join(procPath, "1", "root", req.Path))
		}
		for _, c := range candidates {
			if f, ok := openVerified(c, req.Key); ok {
				return f, nil
			}
		}
		return Opened{}, fmt.Errorf("no readable file of pid %d is %s (dev %d, inode %d)", req.PID, req.Path, req.Key.Dev, req.Key.Inode)
	}
}

func openVerified(path string, k Key) (Opened, bool) {
	f, err := os.Open(path)
	if err != nil {
		return Opened{}, false
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return Opened{}, false
	}
	ctime := uint64(st.Ctim.Sec)*1e9 + uint64(st.Ctim.Nsec)
	if st.Ino != k.Inode || kernelDev(st.Dev) != k.Dev || (k.Ctime != 0 && ctime != k.Ctime) {
		f.Close()
		return Opened{}, false
	}
	return Opened{ReadCloser: f, Size: st.Size, Ctime: ctime}, true
}

// kernelDev is a user-space device number in the kernel's internal
// encoding (major << 20 | minor), which the exec events carry.
func kernelDev(dev uint64) uint64 {
	return uint64(unix.Major(dev))<<20 | uint64(unix.Minor(dev))
}
