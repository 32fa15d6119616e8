package containermeta

import (
	"errors"
	"testing"

	containersapi "github.com/containerd/containerd/api/services/containers/v1"
	"google.golang.org/protobuf/proto"
)

// checkParsed holds a parser's result to its contract: an answer or a
// *failure, never a panic, and a tag that belongs to the image.
func checkParsed(t *testing.T, in Info, err error) {
	var f *failure
	if err != nil && !errors.As(err, &f) {
		t.Fatalf("error %v is not a failure", err)
	}
	if err != nil && in != (Info{}) {
		t.Fatalf("a failure with an answer: %+v", in)
	}
	if in.ImageTag != tagOf(in.ImageName) {
		t.Fatalf("tag %q of image %q", in.ImageTag, in.ImageName)
	}
}

func FuzzParseDocker(f *testing.F) {
	f.Add([]byte(dockerInspect))
	f.Add([]byte(`{"Name":"/x","Config":{"Image":"registry:5000/a:b@sha256:00","Labels":null}}`))
	f.Add([]byte(`{"Config":null}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"Name":7}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := parseDocker(body)
		checkParsed(t, in, err)
	})
}

func FuzzParseCRIO(f *testing.F) {
	f.Add([]byte(`{"name":"k8s_nginx","image":"nginx:1.25","labels":{"io.kubernetes.pod.name":"web-0"}}`))
	f.Add([]byte(`{"name":""}`))
	f.Add([]byte(`{"image":"nginx"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := parseCRIO(body)
		checkParsed(t, in, err)
	})
}

// FuzzFromContainerd: whatever bytes arrive as containerd's Get answer,
// decoding them (as gRPC does) and reading the container holds.
func FuzzFromContainerd(f *testing.F) {
	seed, err := proto.Marshal(&containersapi.GetContainerResponse{Container: &containersapi.Container{
		ID: cid, Image: "docker.io/library/busybox:1.36",
		Labels: map[string]string{labelPodName: "web-0", labelPodNamespace: "shop", labelContainerName: "box"},
	}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x02, 0x12, 0x00})
	f.Fuzz(func(t *testing.T, wire []byte) {
		var resp containersapi.GetContainerResponse
		if proto.Unmarshal(wire, &resp) != nil {
			return // gRPC fails the call: a bad_response of grpcFailure
		}
		in, err := fromContainerd(&resp)
		checkParsed(t, in, err)
	})
}
