package detectionprocessor

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"go.uber.org/zap"
)

// watch checks the signature paths every interval and reloads the
// signatures when what they hold changed; from is the paths' fingerprint
// when the current set was loaded. It returns the function that stops it.
func (p *detectionProcessor) watch(interval time.Duration, from [sha256.Size]byte) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		last := from
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			// Taken before loading: a change made while loading is
			// seen at the next tick.
			if fp := fingerprint(p.cfg.Signatures.Paths); fp != last {
				last = fp
				p.reload(ctx)
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// reload compiles the signatures off the hot path and swaps them in; a
// set that does not load leaves the running one in place.
func (p *detectionProcessor) reload(ctx context.Context) {
	rs, err := p.load(ctx)
	if err != nil {
		p.telemetry.ProcessorDetectionReloadFailures.Add(ctx, 1)
		p.logger.Error("signatures changed but do not load; the previous signatures keep running", zap.Error(err))
		return
	}
	old := p.current.Swap(rs)
	p.telemetry.ProcessorDetectionReloads.Add(ctx, 1)
	if err := old.retire(ctx); err != nil {
		p.logger.Warn("closing the replaced signatures", zap.Error(err))
	}
}

// fingerprint sums what loading the paths depends on: the name, mode,
// owner and content of every file and directory under them (links
// followed, as the loader does), and any error reading them.
func fingerprint(paths []string) [sha256.Size]byte {
	h := sha256.New()
	for _, root := range paths {
		resolved, err := filepath.EvalSymlinks(root)
		if err != nil {
			fmt.Fprintf(h, "%s: %v\x00", root, err)
			continue
		}
		err = filepath.WalkDir(resolved, func(p string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := os.Stat(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s\x00%v\x00", p, info.Mode())
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				fmt.Fprintf(h, "%d\x00", st.Uid)
			}
			if info.Mode().IsRegular() {
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				h.Write(b)
			}
			return nil
		})
		if err != nil {
			fmt.Fprintf(h, "%s: %v\x00", root, err)
		}
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}
