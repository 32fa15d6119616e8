package chartcheck

import (
	"os"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// openTelemetryCollector is the part of the OpenTelemetry Operator's
// opentelemetry.io/v1beta1 OpenTelemetryCollector that the example uses,
// field for field, with the Kubernetes types the operator embeds: decoding
// strictly into it rejects a misspelt or misplaced field.
type openTelemetryCollector struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Mode                          string                      `json:"mode"`
		Image                         string                      `json:"image"`
		Tolerations                   []corev1.Toleration         `json:"tolerations"`
		PriorityClassName             string                      `json:"priorityClassName"`
		TerminationGracePeriodSeconds *int64                      `json:"terminationGracePeriodSeconds"`
		Env                           []corev1.EnvVar             `json:"env"`
		SecurityContext               *corev1.SecurityContext     `json:"securityContext"`
		Resources                     corev1.ResourceRequirements `json:"resources"`
		VolumeMounts                  []corev1.VolumeMount        `json:"volumeMounts"`
		Volumes                       []corev1.Volume             `json:"volumes"`
		Config                        map[string]any              `json:"config"`
	} `json:"spec"`
}

func TestOperatorExample(t *testing.T) {
	raw, err := os.ReadFile("../../../deploy/opentelemetry-operator/vigil-node.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var otc openTelemetryCollector
	if err := yaml.UnmarshalStrict(raw, &otc); err != nil {
		t.Fatalf("the example does not decode strictly: %v", err)
	}
	if otc.APIVersion != "opentelemetry.io/v1beta1" || otc.Kind != "OpenTelemetryCollector" || otc.Spec.Mode != "daemonset" {
		t.Errorf("want an opentelemetry.io/v1beta1 OpenTelemetryCollector in mode daemonset, got %s %s mode %q", otc.APIVersion, otc.Kind, otc.Spec.Mode)
	}
	sc := otc.Spec.SecurityContext
	if sc == nil || sc.Capabilities == nil {
		t.Fatal("no securityContext capabilities")
	}
	var added []string
	for _, c := range sc.Capabilities.Add {
		added = append(added, string(c))
	}
	slices.Sort(added)
	if !slices.Equal(added, []string{"BPF", "PERFMON", "SYS_PTRACE"}) || (sc.Privileged != nil && *sc.Privileged) {
		t.Errorf("capabilities %v (privileged %v), want exactly BPF, PERFMON, SYS_PTRACE and not privileged", added, sc.Privileged)
	}
	config, err := yaml.Marshal(otc.Spec.Config)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, string(config), t.TempDir())
}
