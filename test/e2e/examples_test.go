//go:build e2e

package e2e

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/internal/privtest"
)

// TestComponents checks that the distribution carries the Vigil components.
func TestComponents(t *testing.T) {
	out, err := exec.Command(vigilcol(t), "components").CombinedOutput()
	if err != nil {
		t.Fatalf("vigilcol components: %v\n%s", err, out)
	}
	for _, name := range []string{"kernelevents", "detection", "detections", "otlpjson_encoding"} {
		if !bytes.Contains(out, []byte("name: "+name+"\n")) {
			t.Errorf("vigilcol components does not list %s:\n%s", name, out)
		}
	}
}

// TestExamplesValidate runs vigilcol validate on every collector config in
// examples/, including those embedded in the Kubernetes ConfigMap. It needs
// no privileges: validate builds the pipelines without starting them.
func TestExamplesValidate(t *testing.T) {
	bin := vigilcol(t)
	examples := filepath.Join(repoRoot(t), "examples")
	configs, err := filepath.Glob(filepath.Join(examples, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(configs) == 0 {
		t.Fatalf("no configs in %s", examples)
	}
	for name, cfg := range configMapConfigs(t, filepath.Join(examples, "kubernetes")) {
		configs = append(configs, writeFile(t, t.TempDir(), name, cfg))
	}
	for _, cfg := range configs {
		t.Run(filepath.Base(cfg), func(t *testing.T) {
			cmd := exec.Command(bin, "validate", "--config", cfg)
			// Validate what a user gets: no test overrides in the environment.
			cmd.Env = withoutVigilVars(os.Environ())
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("vigilcol validate --config %s: %v\n%s", cfg, err, out)
			}
		})
	}
}

// TestDaemonSetPrivileges checks the parts of the node DaemonSet that eBPF
// capture depends on; a manifest that loses one deploys fine and captures
// nothing.
func TestDaemonSetPrivileges(t *testing.T) {
	pod, c := daemonSetPod(t)
	if scalar(pod, "hostPID") != "true" {
		t.Error("hostPID must be true: the receiver reads host processes from /proc")
	}
	added := daemonSetCapabilities(c)
	for _, capability := range []string{"BPF", "PERFMON", "SYS_PTRACE"} {
		if !slices.Contains(added, capability) {
			t.Errorf("capability %s missing from %v", capability, added)
		}
	}
	// The least that works, nothing the receiver does not use: ALL dropped,
	// no escalation, no writable root, the runtime's seccomp profile.
	for _, capability := range added {
		if !slices.Contains(nodeCapabilities, capability) {
			t.Errorf("capability %s is not one the node needs (%v)", capability, nodeCapabilities)
		}
	}
	sc := lookup(c, "securityContext")
	if drop := lookup(sc, "capabilities", "drop"); drop == nil || len(drop.Content) != 1 || drop.Content[0].Value != "ALL" {
		t.Error("securityContext.capabilities.drop must be [ALL]")
	}
	for key, want := range map[string]string{"privileged": "false", "allowPrivilegeEscalation": "false", "readOnlyRootFilesystem": "true"} {
		if got := scalar(sc, key); got != want {
			t.Errorf("securityContext.%s is %q, want %s", key, got, want)
		}
	}
	if got := scalar(lookup(sc, "seccompProfile"), "type"); got != "RuntimeDefault" {
		t.Errorf("securityContext.seccompProfile.type is %q, want RuntimeDefault", got)
	}
	readOnly := map[string]bool{}
	if mounts := lookup(c, "volumeMounts"); mounts != nil {
		for _, m := range mounts.Content {
			readOnly[scalar(m, "name")] = scalar(m, "readOnly") == "true"
		}
	}
	hostPaths := map[string]string{}
	if vols := lookup(pod, "volumes"); vols != nil {
		for _, v := range vols.Content {
			hostPaths[scalar(v, "name")] = scalar(lookup(v, "hostPath"), "path")
		}
	}
	// the runtimes' socket directories: the receiver's container_runtimes
	for _, want := range []string{"/sys/kernel/btf", "/proc", "/run/containerd", "/var/run/crio"} {
		found := false
		for name, path := range hostPaths {
			if path == want {
				found = true
				if !readOnly[name] {
					t.Errorf("host path %s is not mounted read-only", want)
				}
			}
		}
		if !found {
			t.Errorf("host path %s is not mounted", want)
		}
	}
}

// TestDaemonSetCapabilitiesSuffice runs vigilcol as root limited to the
// capabilities the DaemonSet grants, and requires it to start capturing: the
// manifest's list is what eBPF capture needs on this kernel, not a guess.
func TestDaemonSetCapabilitiesSuffice(t *testing.T) {
	privtest.Require(t)
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatalf("setpriv (util-linux) limits the capabilities: %v", err)
	}
	_, c := daemonSetPod(t)
	bounding := "-all"
	for _, capability := range daemonSetCapabilities(c) {
		bounding += ",+" + strings.ToLower(capability)
	}
	dir := t.TempDir()
	override := writeFile(t, dir, "override.yaml", `
extensions:
  health_check:
    endpoint: `+freeLoopbackAddr(t)+`
service:
  telemetry:
    logs:
      encoding: json
    metrics:
      level: none
`)
	argv := append([]string{setpriv, "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=" + bounding, vigilcol(t)},
		configFlags(filepath.Join(repoRoot(t), "examples", "default.yaml"), override)...)
	// The events file is every argv and path on the machine. Its directory
	// does not exist yet, so the exporter makes it as default.yaml says, in a
	// parent everybody may enter: only that directory keeps others out.
	parent, err := os.MkdirTemp("", "vigil-e2e-out-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	events := filepath.Join(parent, "vigil", "events.jsonl")
	node := startCommand(t, "node-capabilities", dir, []string{"VIGIL_EVENTS_FILE=" + events}, argv)
	node.waitReady(t, time.Minute)

	// Started is not enough: a process run now must show up in the file.
	pid, err := runActionProcess("benign", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(detectionWait); ; {
		recs, err := logRecords(events)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(recs, func(r record) bool { return r.Attrs[vigil.AttrProcessPID] == int64(pid) }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no event of pid %d captured with capabilities %s", pid, bounding)
		}
		time.Sleep(250 * time.Millisecond)
	}
	node.stop(t, time.Minute)

	t.Run("events file private", func(t *testing.T) {
		eventsDir, err := os.Stat(filepath.Dir(events))
		if err != nil {
			t.Fatal(err)
		}
		file, err := os.Stat(events)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("events directory %v, file %v", eventsDir.Mode().Perm(), file.Mode().Perm())
		if eventsDir.Mode().Perm()&0o077 != 0 {
			t.Errorf("the events file's directory is %v: group and others may enter it", eventsDir.Mode().Perm())
		}
		// The same read succeeds for a file beside the directory: what keeps
		// nobody out is the directory, not the path to it.
		control := writeFile(t, parent, "control.txt", "readable\n")
		if err := runAsNobody(t, "read-file", control); err != nil {
			t.Fatalf("nobody cannot read %s, a 0644 file beside the events directory: %v", control, err)
		}
		if err := runAsNobody(t, "read-file", events); err == nil {
			t.Errorf("user nobody read %s", events)
		}
	})
}

// nodeCapabilities are all the node may be granted: loading the programs
// (BPF, PERFMON) and reading other processes' /proc/<pid>/exe (SYS_PTRACE).
var nodeCapabilities = []string{"BPF", "PERFMON", "SYS_PTRACE"}

// detectionAllowance is the OTLP size the examples' batch arithmetic allows
// per detection (see examples/otlp.yaml); TestKernelToOTLPBackend checks the
// real ones against it.
const detectionAllowance = 64 << 10

// TestBatchesFitReceiveLimit checks the arithmetic the examples' comments
// give: every batch processor caps its batches, and the largest batch a node
// or gateway sends, at detectionAllowance per detection, is at most half the
// gateway's gRPC receive limit, so no burst is refused for its size.
func TestBatchesFitReceiveLimit(t *testing.T) {
	examples := filepath.Join(repoRoot(t), "examples")
	cm := configMapConfigs(t, filepath.Join(examples, "kubernetes"))
	for _, pair := range []struct{ name, node, gateway string }{
		{"otlp.yaml -> gateway.yaml", readText(t, filepath.Join(examples, "otlp.yaml")), readText(t, filepath.Join(examples, "gateway.yaml"))},
		{"kubernetes node.yaml -> gateway.yaml", cm["vigil-config-node.yaml"], cm["vigil-config-gateway.yaml"]},
	} {
		t.Run(pair.name, func(t *testing.T) {
			node, gateway := parseYAML(t, pair.node), parseYAML(t, pair.gateway)
			limitMiB, err := strconv.Atoi(scalar(lookup(gateway, "receivers", "otlp", "protocols", "grpc"), "max_recv_msg_size_mib"))
			if err != nil {
				t.Fatalf("the gateway's receivers.otlp.protocols.grpc.max_recv_msg_size_mib: %v", err)
			}
			for name, cfg := range map[string]*yaml.Node{"node": node, "gateway": gateway} {
				maxSize, err := strconv.Atoi(scalar(lookup(cfg, "processors", "batch"), "send_batch_max_size"))
				if err != nil {
					t.Fatalf("the %s's processors.batch.send_batch_max_size: %v", name, err)
				}
				if worst := maxSize * detectionAllowance; 2*worst > limitMiB<<20 {
					t.Errorf("the %s's batches of %d detections may reach %d MiB, more than half the gateway's %d MiB limit", name, maxSize, worst>>20, limitMiB)
				}
			}
		})
	}
	// default.yaml feeds a file, not a receiver; its batches are capped all
	// the same.
	cfg := parseYAML(t, readText(t, filepath.Join(examples, "default.yaml")))
	if scalar(lookup(cfg, "processors", "batch"), "send_batch_max_size") == "" {
		t.Error("default.yaml: processors.batch.send_batch_max_size is not set")
	}
}

func readText(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func parseYAML(t *testing.T, text string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil || len(doc.Content) == 0 {
		t.Fatalf("parse config: %v", err)
	}
	return doc.Content[0]
}

// daemonSetPod returns the pod spec of the node DaemonSet and its container.
func daemonSetPod(t *testing.T) (pod, container *yaml.Node) {
	t.Helper()
	var ds *yaml.Node
	for _, d := range yamlDocs(t, filepath.Join(repoRoot(t), "examples", "kubernetes", "daemonset.yaml")) {
		if scalar(d, "kind") == "DaemonSet" {
			ds = d
		}
	}
	if ds == nil {
		t.Fatal("no DaemonSet in daemonset.yaml")
	}
	pod = lookup(ds, "spec", "template", "spec")
	containers := lookup(pod, "containers")
	if containers == nil || len(containers.Content) == 0 {
		t.Fatal("the DaemonSet has no containers")
	}
	return pod, containers.Content[0]
}

// daemonSetCapabilities lists the capabilities a container adds.
func daemonSetCapabilities(c *yaml.Node) []string {
	var added []string
	if add := lookup(c, "securityContext", "capabilities", "add"); add != nil {
		for _, n := range add.Content {
			added = append(added, n.Value)
		}
	}
	return added
}

// configMapConfigs returns the collector configs (data keys ending .yaml) of
// every ConfigMap under dir.
func configMapConfigs(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		for _, doc := range yamlDocs(t, f) {
			if scalar(doc, "kind") != "ConfigMap" {
				continue
			}
			data := lookup(doc, "data")
			if data == nil {
				continue
			}
			for i := 0; i+1 < len(data.Content); i += 2 {
				if key := data.Content[i].Value; strings.HasSuffix(key, ".yaml") {
					out[scalar(lookup(doc, "metadata"), "name")+"-"+key] = data.Content[i+1].Value
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no collector configs in the ConfigMaps under %s", dir)
	}
	return out
}

// yamlDocs parses every document of a multi-document YAML file.
func yamlDocs(t *testing.T, path string) []*yaml.Node {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var docs []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(doc.Content) > 0 {
			docs = append(docs, doc.Content[0])
		}
	}
}

// lookup follows keys through nested mappings; nil when one is missing.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
				break
			}
		}
		n = next
	}
	return n
}

// scalar is the value of key in mapping n, or "".
func scalar(n *yaml.Node, key string) string {
	if v := lookup(n, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// withoutVigilVars drops the VIGIL_* settings the examples read, so that
// their defaults are what gets validated.
func withoutVigilVars(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		return strings.HasPrefix(kv, "VIGIL_") && !strings.HasPrefix(kv, "VIGIL_REQUIRE_EBPF=")
	})
}
