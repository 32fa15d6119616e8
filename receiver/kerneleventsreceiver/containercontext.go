package kerneleventsreceiver

import (
	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/containers"
)

// addContainer fills p's container context: what the cgroup path says (the
// id, the runtime its layout names, a pod's uid), and what the runtime has
// said of the container so far. The first records of a new container carry
// only the former; its runtime is asked meanwhile. It reports whether the
// runtime has yet to describe the container: a later record of the same
// process may then carry more (its name, image, pod) with nothing else
// changed.
func (b *recordBuilder) addContainer(p *vigil.Process, c containers.Container) (awaiting bool) {
	if c.ID == "" {
		return false
	}
	p.ContainerID = c.ID
	p.PodUID = c.PodUID
	if c.Runtime != containers.UnknownRuntime {
		p.ContainerRuntime = c.Runtime
	}
	if b.runtimes == nil {
		return false
	}
	in := b.runtimes.Get(c.ID, c.Runtime)
	if in.Runtime == "" {
		return true // not described (yet)
	}
	p.ContainerName = in.Name
	p.ContainerImage = in.ImageName
	p.ContainerImageTag = in.ImageTag
	p.ContainerRuntime = in.Runtime
	p.PodName = in.PodName
	p.PodNamespace = in.PodNamespace
	if in.PodUID != "" {
		p.PodUID = in.PodUID
	}
	p.K8sContainerName = in.K8sContainerName
	return false
}
