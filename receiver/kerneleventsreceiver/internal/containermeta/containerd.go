package containermeta

import (
	"context"
	"fmt"

	containersapi "github.com/containerd/containerd/api/services/containers/v1"
	namespacesapi "github.com/containerd/containerd/api/services/namespaces/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// criNamespace is the containerd namespace of the kubelet's containers,
// asked first: on a Kubernetes node nearly every container is there.
const criNamespace = "k8s.io"

// containerd asks containerd's containers service over its gRPC socket.
type containerd struct {
	conn       *grpc.ClientConn
	containers containersapi.ContainersClient
	namespaces namespacesapi.NamespacesClient
}

// newContainerd prepares a client of the socket; nothing is dialled until
// the first look-up, so a missing socket is a look-up's failure.
func newContainerd(socket string) (*containerd, error) {
	conn, err := grpc.NewClient("unix://"+socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	return &containerd{
		conn:       conn,
		containers: containersapi.NewContainersClient(conn),
		namespaces: namespacesapi.NewNamespacesClient(conn),
	}, nil
}

func (c *containerd) name() string { return Containerd }

func (c *containerd) close() error { return c.conn.Close() }

// lookup tries the CRI namespace, then every other namespace containerd
// lists (ctr's "default", Docker's "moby", ...).
func (c *containerd) lookup(ctx context.Context, id string) (Info, error) {
	in, err := c.get(ctx, criNamespace, id)
	if err != errNotFound {
		return in, err
	}
	list, err := c.namespaces.List(ctx, &namespacesapi.ListNamespacesRequest{})
	if err != nil {
		return Info{}, grpcFailure(err)
	}
	for _, ns := range list.GetNamespaces() {
		if ns.GetName() == criNamespace {
			continue
		}
		if in, err := c.get(ctx, ns.GetName(), id); err != errNotFound {
			return in, err
		}
	}
	return Info{}, errNotFound
}

func (c *containerd) get(ctx context.Context, namespace, id string) (Info, error) {
	ctx = metadata.AppendToOutgoingContext(ctx, "containerd-namespace", namespace)
	resp, err := c.containers.Get(ctx, &containersapi.GetContainerRequest{ID: id})
	if status.Code(err) == codes.NotFound {
		return Info{}, errNotFound
	}
	if err != nil {
		return Info{}, grpcFailure(err)
	}
	return fromContainerd(resp)
}

// fromContainerd reads containerd's description of a container: the CRI
// labels, and its image. A container outside Kubernetes is named by its id,
// which ctr and other clients choose.
func fromContainerd(resp *containersapi.GetContainerResponse) (Info, error) {
	ct := resp.GetContainer()
	if ct == nil {
		return Info{}, &failure{reason: ReasonBadResponse, err: fmt.Errorf("containerd answered without a container")}
	}
	var in Info
	in.setKubernetes(ct.GetLabels())
	if in.Name == "" {
		in.Name = ct.GetID()
	}
	in.setImage(ct.GetImage())
	return in, nil
}

// grpcFailure classifies a failed call: the socket not answering, or
// something else answering what containerd would not.
func grpcFailure(err error) error {
	if status.Code(err) == codes.Unavailable {
		return &failure{reason: ReasonUnavailable, err: err}
	}
	return &failure{reason: ReasonBadResponse, err: err}
}
