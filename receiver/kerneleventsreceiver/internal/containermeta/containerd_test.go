package containermeta

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	containersapi "github.com/containerd/containerd/api/services/containers/v1"
	namespacesapi "github.com/containerd/containerd/api/services/namespaces/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// fakeContainerd holds containers by namespace, as containerd's containers
// and namespaces services answer for them.
type fakeContainerd struct {
	byNamespace map[string]map[string]*containersapi.Container
	mu          sync.Mutex
	asked       []string // the namespaces Get was asked in
}

// takeAsked returns the namespaces asked so far and starts a new list.
func (f *fakeContainerd) takeAsked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	asked := f.asked
	f.asked = nil
	return asked
}

type containersService struct {
	containersapi.UnimplementedContainersServer
	*fakeContainerd
}

type namespacesService struct {
	namespacesapi.UnimplementedNamespacesServer
	*fakeContainerd
}

func (f containersService) Get(ctx context.Context, req *containersapi.GetContainerRequest) (*containersapi.GetContainerResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	ns := md.Get("containerd-namespace")
	if len(ns) != 1 {
		return nil, status.Error(codes.FailedPrecondition, "namespace is required")
	}
	f.mu.Lock()
	f.asked = append(f.asked, ns[0])
	f.mu.Unlock()
	if c, ok := f.byNamespace[ns[0]][req.GetID()]; ok {
		return &containersapi.GetContainerResponse{Container: c}, nil
	}
	return nil, status.Errorf(codes.NotFound, "container %q in namespace %q: not found", req.GetID(), ns[0])
}

func (f namespacesService) List(context.Context, *namespacesapi.ListNamespacesRequest) (*namespacesapi.ListNamespacesResponse, error) {
	resp := &namespacesapi.ListNamespacesResponse{}
	for _, ns := range []string{"default", criNamespace, "moby"} {
		if _, ok := f.byNamespace[ns]; ok {
			resp.Namespaces = append(resp.Namespaces, &namespacesapi.Namespace{Name: ns})
		}
	}
	return resp, nil
}

func serveContainerd(t *testing.T, f *fakeContainerd) *containerd {
	t.Helper()
	socket := filepath.Join(t.TempDir(), "containerd.sock")
	l, err := net.Listen("unix", socket)
	require.NoError(t, err)
	srv := grpc.NewServer()
	containersapi.RegisterContainersServer(srv, containersService{fakeContainerd: f})
	namespacesapi.RegisterNamespacesServer(srv, namespacesService{fakeContainerd: f})
	go srv.Serve(l) //nolint:errcheck // ends with Stop
	t.Cleanup(srv.Stop)
	c, err := newContainerd(socket)
	require.NoError(t, err)
	t.Cleanup(func() { c.close() })
	return c
}

// TestContainerdNamespaces: the CRI namespace first, then the others
// containerd lists; the kubelet's labels make the pod.
func TestContainerdNamespaces(t *testing.T) {
	f := &fakeContainerd{byNamespace: map[string]map[string]*containersapi.Container{
		criNamespace: {cid: {ID: cid, Image: "registry.k8s.io/pause:3.9", Labels: map[string]string{
			labelPodName: "web-0", labelPodNamespace: "shop", labelPodUID: "0b2d", labelContainerName: "nginx"}}},
		"default": {},
		"moby":    {"m1": {ID: "m1", Image: "docker.io/library/redis:7"}},
	}}
	c := serveContainerd(t, f)

	in, err := c.lookup(context.Background(), cid)
	require.NoError(t, err)
	assert.Equal(t, Info{Name: "nginx", ImageName: "registry.k8s.io/pause:3.9", ImageTag: "3.9",
		PodName: "web-0", PodNamespace: "shop", PodUID: "0b2d", K8sContainerName: "nginx"}, in)
	assert.Equal(t, []string{criNamespace}, f.takeAsked())

	in, err = c.lookup(context.Background(), "m1")
	require.NoError(t, err)
	assert.Equal(t, Info{Name: "m1", ImageName: "docker.io/library/redis:7", ImageTag: "7"}, in, "outside Kubernetes: named by its id")
	assert.Equal(t, []string{criNamespace, "default", "moby"}, f.takeAsked())

	_, err = c.lookup(context.Background(), "gone")
	assert.ErrorIs(t, err, errNotFound)
}

func TestContainerdFailures(t *testing.T) {
	var f *failure
	c, err := newContainerd(filepath.Join(t.TempDir(), "none.sock"))
	require.NoError(t, err)
	defer c.close()
	_, err = c.lookup(context.Background(), cid)
	require.True(t, errors.As(err, &f), "%v", err)
	assert.Equal(t, ReasonUnavailable, f.reason, "a missing socket")

	// Something else on the socket: an HTTP server does not speak gRPC.
	socket := serveUnix(t, http.NotFoundHandler())
	c, err = newContainerd(socket)
	require.NoError(t, err)
	defer c.close()
	_, err = c.lookup(context.Background(), cid)
	require.True(t, errors.As(err, &f), "%v", err)
	assert.NotErrorIs(t, err, errNotFound)
}
