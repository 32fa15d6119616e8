// Package containermeta asks the container runtime that owns a container
// (containerd, Docker, Podman, CRI-O, over their local sockets) for its
// name, image and Kubernetes pod, in the background, and keeps the answers
// in a bounded cache: record building reads the cache and never waits for a
// runtime.
package containermeta

import (
	"errors"
	"strings"
)

// Info is what a runtime says of one container. It is comparable: record
// resources are keyed by values that hold it.
type Info struct {
	Name      string // the runtime's name for the container
	ImageName string // the image reference the container was created from
	// ImageTag is the tag of ImageName, "" when it names the image by
	// digest only or has none.
	ImageTag         string
	Runtime          string // the runtime that answered
	PodName          string
	PodNamespace     string
	PodUID           string
	K8sContainerName string // the container's name in its pod spec
}

// Runtime names, as the containers package names the cgroup layouts.
const (
	Containerd = "containerd"
	Docker     = "docker"
	Podman     = "podman"
	CRIO       = "crio"
)

// The labels the kubelet sets on the containers it asks a CRI runtime for.
const (
	labelPodName       = "io.kubernetes.pod.name"
	labelPodNamespace  = "io.kubernetes.pod.namespace"
	labelPodUID        = "io.kubernetes.pod.uid"
	labelContainerName = "io.kubernetes.container.name"
)

// errNotFound is a runtime's answer that it has no such container: not a
// fault of the runtime, the next one is asked.
var errNotFound = errors.New("no such container")

// setImage sets the image reference and its tag.
func (in *Info) setImage(ref string) {
	in.ImageName = ref
	in.ImageTag = tagOf(ref)
}

// setKubernetes fills the pod fields from CRI labels; a pod's name is the
// kubelet's, so the container's name in the pod is taken as its name when
// the runtime gave none.
func (in *Info) setKubernetes(labels map[string]string) {
	in.PodName = labels[labelPodName]
	in.PodNamespace = labels[labelPodNamespace]
	in.PodUID = labels[labelPodUID]
	in.K8sContainerName = labels[labelContainerName]
	if in.Name == "" {
		in.Name = in.K8sContainerName
	}
}

// tagOf returns the tag of an image reference: "1.36" of
// "registry:5000/busybox:1.36@sha256:…", "" of "busybox" or "busybox@sha256:…".
// A colon before the last slash is a registry's port, not a tag.
func tagOf(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	name := ref[strings.LastIndexByte(ref, '/')+1:]
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return ""
}
