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
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/internal/privtest"
)

// TestComponents checks that the distribution carries both Vigil components.
func TestComponents(t *testing.T) {
	out, err := exec.Command(vigilcol(t), "components").CombinedOutput()
	if err != nil {
		t.Fatalf("vigilcol components: %v\n%s", err, out)
	}
	for _, name := range []string{"kernelevents", "detection"} {
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
	for _, want := range []string{"/sys/kernel/btf", "/proc"} {
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
	events := filepath.Join(dir, "events.jsonl")
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
