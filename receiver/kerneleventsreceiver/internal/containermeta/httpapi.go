package containermeta

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// maxResponse bounds what is read of one answer: a container's inspect
// output is a few KiB; more is not a runtime's answer.
const maxResponse = 1 << 20

// httpAPI asks a runtime whose API is HTTP over a unix socket: Docker and
// Podman (the Docker-compatible inspect), CRI-O (its inspect endpoint).
type httpAPI struct {
	runtime string
	client  *http.Client
	path    func(id string) string
	parse   func(body []byte) (Info, error)
}

func newHTTPAPI(runtime, socket string) *httpAPI {
	dialer := &net.Dialer{}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "unix", socket)
		},
		MaxIdleConns: 1,
	}
	api := &httpAPI{runtime: runtime, client: &http.Client{Transport: transport}}
	if runtime == CRIO {
		api.path = func(id string) string { return "/containers/" + url.PathEscape(id) }
		api.parse = parseCRIO
	} else {
		api.path = func(id string) string { return "/containers/" + url.PathEscape(id) + "/json" }
		api.parse = parseDocker
	}
	return api
}

func (h *httpAPI) name() string { return h.runtime }

func (h *httpAPI) close() error {
	h.client.CloseIdleConnections()
	return nil
}

func (h *httpAPI) lookup(ctx context.Context, id string) (Info, error) {
	// The host part is ignored: the transport always dials the socket.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+h.runtime+h.path(id), nil)
	if err != nil {
		return Info{}, &failure{reason: ReasonBadResponse, err: err}
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return Info{}, &failure{reason: ReasonUnavailable, err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return Info{}, errNotFound
	case err != nil:
		return Info{}, &failure{reason: ReasonBadResponse, err: err}
	case resp.StatusCode != http.StatusOK:
		return Info{}, &failure{reason: ReasonBadResponse, err: fmt.Errorf("GET %s: %s", h.path(id), resp.Status)}
	case len(body) > maxResponse:
		return Info{}, &failure{reason: ReasonBadResponse, err: fmt.Errorf("GET %s: answer longer than %d bytes", h.path(id), maxResponse)}
	}
	return h.parse(body)
}

// parseDocker reads the Docker Engine API's container inspect answer, which
// Podman's compatible API gives too. Docker-based Kubernetes nodes
// (dockershim, cri-dockerd) put the CRI labels on the container.
func parseDocker(body []byte) (Info, error) {
	var c struct {
		Name   string
		Config *struct {
			Image  string
			Labels map[string]string
		}
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return Info{}, &failure{reason: ReasonBadResponse, err: fmt.Errorf("container inspect answer: %w", err)}
	}
	if c.Config == nil {
		return Info{}, &failure{reason: ReasonBadResponse, err: fmt.Errorf("container inspect answer without Config")}
	}
	in := Info{Name: strings.TrimPrefix(c.Name, "/")}
	in.setKubernetes(c.Config.Labels)
	in.setImage(c.Config.Image)
	return in, nil
}

// parseCRIO reads CRI-O's inspect answer (GET /containers/<id>).
func parseCRIO(body []byte) (Info, error) {
	var c struct {
		Name   *string           `json:"name"`
		Image  string            `json:"image"`
		Labels map[string]string `json:"labels"`
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return Info{}, &failure{reason: ReasonBadResponse, err: fmt.Errorf("container inspect answer: %w", err)}
	}
	if c.Name == nil {
		return Info{}, &failure{reason: ReasonBadResponse, err: fmt.Errorf("container inspect answer without name")}
	}
	in := Info{Name: *c.Name}
	in.setKubernetes(c.Labels)
	in.setImage(c.Image)
	return in, nil
}
