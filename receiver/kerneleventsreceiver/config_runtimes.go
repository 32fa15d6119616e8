package kerneleventsreceiver

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/containermeta"
)

// ContainerRuntimesConfig chooses the container runtimes asked for the
// context of the containers events come from.
type ContainerRuntimesConfig struct {
	// Enabled turns the look-ups on (default true). Off, records still
	// carry container.id, the runtime the cgroup layout names and a pod's
	// uid from its cgroup path.
	Enabled    bool          `mapstructure:"enabled"`
	Containerd RuntimeSocket `mapstructure:"containerd"`
	Docker     RuntimeSocket `mapstructure:"docker"`
	Podman     RuntimeSocket `mapstructure:"podman"`
	CRIO       RuntimeSocket `mapstructure:"crio"`
	// Timeout bounds one look-up at one runtime.
	Timeout time.Duration `mapstructure:"timeout"`
	// CacheSize bounds the containers remembered (least recently seen
	// forgotten first).
	CacheSize int `mapstructure:"cache_size"`
}

// RuntimeSocket is where one runtime's API listens.
type RuntimeSocket struct {
	// Socket is the API's unix socket; "" leaves the runtime out.
	Socket string `mapstructure:"socket"`
}

const (
	minRuntimeTimeout = 10 * time.Millisecond
	maxRuntimeTimeout = time.Minute
	minRuntimeCache   = 16
	maxRuntimeCache   = 1 << 20
)

// defaultContainerRuntimes names each runtime's usual socket; those
// missing on a host are logged once and skipped.
func defaultContainerRuntimes() ContainerRuntimesConfig {
	return ContainerRuntimesConfig{
		Enabled:    true,
		Containerd: RuntimeSocket{Socket: "/run/containerd/containerd.sock"},
		Docker:     RuntimeSocket{Socket: "/var/run/docker.sock"},
		Podman:     RuntimeSocket{Socket: "/run/podman/podman.sock"},
		CRIO:       RuntimeSocket{Socket: "/var/run/crio/crio.sock"},
		Timeout:    2 * time.Second,
		CacheSize:  4096,
	}
}

// sockets maps the runtimes' names to their sockets.
func (c *ContainerRuntimesConfig) sockets() map[string]string {
	return map[string]string{
		containermeta.Containerd: c.Containerd.Socket,
		containermeta.Docker:     c.Docker.Socket,
		containermeta.Podman:     c.Podman.Socket,
		containermeta.CRIO:       c.CRIO.Socket,
	}
}

func (c *ContainerRuntimesConfig) validate() []error {
	var errs []error
	for _, name := range []string{containermeta.Containerd, containermeta.Docker, containermeta.Podman, containermeta.CRIO} {
		if socket := c.sockets()[name]; socket != "" && !filepath.IsAbs(socket) {
			errs = append(errs, fmt.Errorf("container_runtimes.%s.socket: %q must be an absolute path (or empty to leave %s out)", name, socket, name))
		}
	}
	if c.Timeout < minRuntimeTimeout || c.Timeout > maxRuntimeTimeout {
		errs = append(errs, fmt.Errorf("container_runtimes.timeout: %s must be between %s and %s", c.Timeout, minRuntimeTimeout, maxRuntimeTimeout))
	}
	if c.CacheSize < minRuntimeCache || c.CacheSize > maxRuntimeCache {
		errs = append(errs, fmt.Errorf("container_runtimes.cache_size: %d must be between %d and %d containers", c.CacheSize, minRuntimeCache, maxRuntimeCache))
	}
	return errs
}

// resolverConfig is the resolver's configuration.
func (c *ContainerRuntimesConfig) resolverConfig() containermeta.Config {
	return containermeta.Config{Sockets: c.sockets(), Timeout: c.Timeout, CacheSize: c.CacheSize}
}
