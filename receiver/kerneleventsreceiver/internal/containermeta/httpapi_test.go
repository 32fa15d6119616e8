package containermeta

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const cid = "3f1c9a0b7e2d4c5f8a6b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f"

// serveUnix serves h on a unix socket in a temporary directory and returns
// the socket's path.
func serveUnix(t *testing.T, h http.Handler) string {
	t.Helper()
	socket := filepath.Join(t.TempDir(), "runtime.sock")
	l, err := net.Listen("unix", socket)
	require.NoError(t, err)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Second}
	go srv.Serve(l) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	return socket
}

// dockerInspect is the part of a Docker (and Podman) inspect answer read.
const dockerInspect = `{"Id":"` + cid + `","Name":"/web","Image":"sha256:5f70bf18",
 "Config":{"Image":"docker.io/library/nginx:1.25","Labels":{"io.kubernetes.pod.name":"web-7d4b9","io.kubernetes.pod.namespace":"shop",
 "io.kubernetes.pod.uid":"0b2d4c1e-5f6a-4b7c-8d9e-0f1a2b3c4d5e","io.kubernetes.container.name":"nginx"}}}`

func TestDockerAndPodmanAPI(t *testing.T) {
	for _, runtime := range []string{Docker, Podman} {
		t.Run(runtime, func(t *testing.T) {
			var asked string
			socket := serveUnix(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				asked = r.URL.Path
				if r.URL.Path != "/containers/"+cid+"/json" {
					http.Error(w, `{"message":"No such container"}`, http.StatusNotFound)
					return
				}
				w.Write([]byte(dockerInspect)) //nolint:errcheck
			}))
			api := newHTTPAPI(runtime, socket)
			defer api.close()
			in, err := api.lookup(context.Background(), cid)
			require.NoError(t, err)
			assert.Equal(t, "/containers/"+cid+"/json", asked)
			assert.Equal(t, Info{Name: "web", ImageName: "docker.io/library/nginx:1.25", ImageTag: "1.25",
				PodName: "web-7d4b9", PodNamespace: "shop", PodUID: "0b2d4c1e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", K8sContainerName: "nginx"}, in)

			_, err = api.lookup(context.Background(), "0000")
			assert.ErrorIs(t, err, errNotFound)
		})
	}
}

func TestCRIOAPI(t *testing.T) {
	socket := serveUnix(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/containers/"+cid {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"name":"k8s_nginx_web-7d4b9_shop_0b2d_0","pid":4242,"image":"docker.io/library/nginx:1.25",
		 "image_ref":"docker.io/library/nginx@sha256:aa","labels":{"io.kubernetes.pod.name":"web-7d4b9","io.kubernetes.pod.namespace":"shop",
		 "io.kubernetes.pod.uid":"0b2d","io.kubernetes.container.name":"nginx"},"annotations":{}}`)) //nolint:errcheck
	}))
	api := newHTTPAPI(CRIO, socket)
	defer api.close()
	in, err := api.lookup(context.Background(), cid)
	require.NoError(t, err)
	assert.Equal(t, Info{Name: "k8s_nginx_web-7d4b9_shop_0b2d_0", ImageName: "docker.io/library/nginx:1.25", ImageTag: "1.25",
		PodName: "web-7d4b9", PodNamespace: "shop", PodUID: "0b2d", K8sContainerName: "nginx"}, in)
}

// A runtime that cannot answer is a failure with its reason; one that
// does not know the container is not.
func TestHTTPAPIFailures(t *testing.T) {
	reasonOf := func(t *testing.T, err error) string {
		t.Helper()
		var f *failure
		require.ErrorAs(t, err, &f)
		return f.reason
	}
	t.Run("missing socket", func(t *testing.T) {
		_, err := newHTTPAPI(Docker, filepath.Join(t.TempDir(), "none.sock")).lookup(context.Background(), cid)
		assert.Equal(t, ReasonUnavailable, reasonOf(t, err))
	})
	t.Run("unreadable socket", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root connects to any socket; the mode is not checked")
		}
		socket := serveUnix(t, http.NotFoundHandler())
		require.NoError(t, os.Chmod(socket, 0))
		_, err := newHTTPAPI(Docker, socket).lookup(context.Background(), cid)
		assert.Equal(t, ReasonUnavailable, reasonOf(t, err))
	})
	for name, h := range map[string]http.HandlerFunc{
		"garbage":      func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("\x00\x01 not json")) }, //nolint:errcheck
		"server error": func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) },
		"no config":    func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"Name":"/x"}`)) }, //nolint:errcheck
		"huge": func(w http.ResponseWriter, _ *http.Request) {
			w.Write([]byte(`{"Name":"`))          //nolint:errcheck
			w.Write(make([]byte, maxResponse+10)) //nolint:errcheck
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := newHTTPAPI(Docker, serveUnix(t, h)).lookup(context.Background(), cid)
			assert.Equal(t, ReasonBadResponse, reasonOf(t, err))
		})
	}
	t.Run("not answering in time", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		socket := serveUnix(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := newHTTPAPI(Docker, socket).lookup(ctx, cid)
		assert.Equal(t, ReasonUnavailable, reasonOf(t, err))
	})
}
