package chartcheck

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

const chartDir = "../../../deploy/helm/vigil"

// tool returns the path of the program named by env; make chart-check sets
// them, and without them nothing here can run.
func tool(t *testing.T, env string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		t.Fatalf("%s is not set: run these tests with `make chart-check`", env)
	}
	return path
}

// render runs helm template on the chart with args and returns its output,
// or its error output when it fails.
func render(t *testing.T, args ...string) (string, error) {
	t.Helper()
	// A helm built from source takes Kubernetes 1.20 for the cluster's
	// version unless told: the chart needs 1.25 (capabilities BPF, PERFMON).
	base := []string{"template", "vigil", chartDir, "--namespace", "vigil", "--kube-version", "1.31.0"}
	cmd := exec.Command(tool(t, "HELM"), append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stderr.String(), err
	}
	return stdout.String(), nil
}

// decoder decodes the kinds the chart renders, strictly: an unknown or
// duplicated field is an error, as the API server's strict field validation
// would make it.
func decoder(t *testing.T) runtime.Decoder {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, monitoringv1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	return serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
}

// objects decodes every document of a rendered manifest.
func objects(t *testing.T, manifest string) []runtime.Object {
	t.Helper()
	dec := decoder(t)
	reader := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(manifest)))
	var objs []runtime.Object
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		obj, gvk, err := dec.Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("a rendered object does not decode strictly: %v\n%s", err, doc)
		}
		t.Logf("%s %s", gvk.Kind, name(obj))
		objs = append(objs, obj)
	}
}

func stripComments(doc []byte) []byte {
	var out bytes.Buffer
	for line := range bytes.Lines(doc) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out.Write(line)
		}
	}
	return out.Bytes()
}

func name(obj runtime.Object) string {
	if o, ok := obj.(interface{ GetName() string }); ok {
		return o.GetName()
	}
	return "?"
}

// find returns the rendered objects of type T.
func find[T runtime.Object](objs []runtime.Object) []T {
	var found []T
	for _, o := range objs {
		if v, ok := o.(T); ok {
			found = append(found, v)
		}
	}
	return found
}

// validate runs vigilcol validate on a collector config. Signature paths
// under /etc/vigil/signatures are pointed at sigDir, where the test wrote
// the files the pod would have mounted there.
func validate(t *testing.T, config, sigDir string) {
	t.Helper()
	config = strings.ReplaceAll(config, "/etc/vigil/signatures", sigDir)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool(t, "VIGILCOL"), "validate", "--config", path).CombinedOutput()
	if err != nil {
		t.Errorf("vigilcol validate: %v\n%s\nconfig:\n%s", err, out, config)
	}
}

func TestChartRendersValidObjects(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(chartDir, "ci", "*-values.yaml"))
	if err != nil || len(files) < 3 {
		t.Fatalf("want several values files in %s/ci, found %v (%v)", chartDir, files, err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			manifest, err := render(t, "-f", file)
			if err != nil {
				t.Fatalf("helm template -f %s: %v\n%s", file, err, manifest)
			}
			objs := objects(t, manifest)
			checkNode(t, objs)
			checkConfigs(t, objs)
		})
	}
}

// checkNode checks what capture depends on, in every variant: a manifest
// that loses one of these deploys fine and captures nothing (or too much).
func checkNode(t *testing.T, objs []runtime.Object) {
	t.Helper()
	daemonSets := find[*appsv1.DaemonSet](objs)
	if len(daemonSets) != 1 {
		t.Fatalf("want one DaemonSet, rendered %d", len(daemonSets))
	}
	pod := daemonSets[0].Spec.Template.Spec
	if !pod.HostPID {
		t.Error("hostPID must be true: the receiver reads host processes")
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.Privileged == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Fatalf("securityContext must say privileged and readOnlyRootFilesystem: %+v", sc)
	}
	if !*sc.Privileged {
		var added []string
		if sc.Capabilities != nil {
			for _, c := range sc.Capabilities.Add {
				added = append(added, string(c))
			}
		}
		slices.Sort(added)
		if !slices.Equal(added, []string{"BPF", "PERFMON", "SYS_PTRACE"}) {
			t.Errorf("capabilities added: %v, want exactly BPF, PERFMON, SYS_PTRACE", added)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Error("allowPrivilegeEscalation must be false")
		}
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m.Name
	}
	hostPaths := map[string]string{}
	for _, v := range pod.Volumes {
		if v.HostPath != nil {
			hostPaths[v.Name] = v.HostPath.Path
		}
	}
	for mountPath, hostPath := range map[string]string{"/sys/kernel/btf": "/sys/kernel/btf", "/host/proc": "/proc"} {
		if got := hostPaths[mounts[mountPath]]; got != hostPath {
			t.Errorf("%s must be the host's %s, is %q", mountPath, hostPath, got)
		}
	}
	tolerated := false
	for _, tol := range pod.Tolerations {
		tolerated = tolerated || (tol.Operator == corev1.TolerationOpExists && tol.Key == "")
	}
	if !tolerated && len(pod.Tolerations) == 0 {
		t.Error("no tolerations: tainted nodes would go unwatched")
	}
	if c.Resources.Limits.Memory().IsZero() {
		t.Error("the node agent has no memory limit")
	}
}

// checkConfigs runs vigilcol validate on each collector config the chart
// renders, with the user signatures it renders.
func checkConfigs(t *testing.T, objs []runtime.Object) {
	t.Helper()
	sigDir := t.TempDir()
	var configs map[string]string
	for _, cm := range find[*corev1.ConfigMap](objs) {
		switch {
		case strings.HasSuffix(cm.Name, "-config"):
			configs = cm.Data
		case strings.HasSuffix(cm.Name, "-signatures"):
			for file, rego := range cm.Data {
				if err := os.WriteFile(filepath.Join(sigDir, file), []byte(rego), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if configs["node.yaml"] == "" {
		t.Fatal("no node.yaml in the config ConfigMap")
	}
	gateways := find[*appsv1.Deployment](objs)
	if _, ok := configs["gateway.yaml"]; ok != (len(gateways) == 1) {
		t.Errorf("gateway.yaml rendered: %v, gateway Deployments: %d", ok, len(gateways))
	}
	for key, config := range configs {
		t.Run(key, func(t *testing.T) { validate(t, config, sigDir) })
	}
}

// TestChartOptionalParts checks that the gateway and the ServiceMonitor
// come and go with their values.
func TestChartOptionalParts(t *testing.T) {
	count := func(args ...string) map[string]int {
		manifest, err := render(t, args...)
		if err != nil {
			t.Fatalf("helm template %v: %v\n%s", args, err, manifest)
		}
		kinds := map[string]int{}
		for _, o := range objects(t, manifest) {
			typ := fmt.Sprintf("%T", o) // *v1.DaemonSet
			kinds[typ[strings.LastIndex(typ, ".")+1:]]++
		}
		return kinds
	}
	def := count()
	if def["DaemonSet"] != 1 || def["Deployment"] != 1 || def["ServiceMonitor"] != 0 {
		t.Errorf("defaults: want a DaemonSet, a gateway Deployment and no ServiceMonitor, got %v", def)
	}
	all := count("--set", "gateway.enabled=false", "--set", "node.otlp.endpoint=backend.example:4317", "--set", "serviceMonitor.enabled=true")
	if all["Deployment"] != 0 || all["ServiceMonitor"] != 1 {
		t.Errorf("no gateway, ServiceMonitor on: got %v", all)
	}
}

// TestBadValuesNameTheValue checks that a wrong value stops helm template
// with a message that names it (values.schema.json, or the templates' own
// checks for what a schema cannot say).
func TestBadValuesNameTheValue(t *testing.T) {
	for _, tc := range []struct{ set, want string }{
		{"node.ringBufferSize=1000", "/node/ringBufferSize"},
		{"node.batchSize=0", "/node/batchSize"},
		{"image.pullPolicy=Sometimes", "/image/pullPolicy"},
		{"image.repository=Registry/Vigil", "/image/repository"},
		{"node.ringBufferSize=lots", "/node/ringBufferSize"},
		{"node.typo=1", "'typo' not allowed"},
		{"node.seccompProfile=Localhost", "/node/seccompProfile"},
		{"node.resources.limits.memory=lots", "/node/resources/limits/memory"},
		{"serviceMonitor.port=4317", "/serviceMonitor/port"},
		{"node.runtimeSockets[0]=/run/k3s/agent.sock", "/node/runtimeSockets/0"},
		{"signatures.rule\\.txt=x", "'rule.txt'"},
		{"gateway.enabled=false", "node.otlp.endpoint is required when gateway.enabled is false"},
	} {
		t.Run(tc.set, func(t *testing.T) {
			out, err := render(t, "--set", tc.set)
			if err == nil {
				t.Fatalf("helm template --set %s succeeded", tc.set)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("helm template --set %s: the error does not name %q:\n%s", tc.set, tc.want, out)
			}
		})
	}
}
