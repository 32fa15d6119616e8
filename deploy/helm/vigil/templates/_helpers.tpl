{{/* The release's resources are named <release>-vigil-<component>, or
<fullnameOverride>-<component>. */}}
{{- define "vigil.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object; "component" is node or gateway. */}}
{{- define "vigil.labels" -}}
{{ include "vigil.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Values.image.tag | default .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "vigil.selectorLabels" -}}
app.kubernetes.io/name: vigil
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "vigil.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The gateway's in-cluster address, which the nodes send to. */}}
{{- define "vigil.gatewayHost" -}}
{{ include "vigil.fullname" . }}-gateway.{{ .Release.Namespace }}.svc
{{- end -}}

{{/* Where the node agent sends: the chart's gateway, else node.otlp.endpoint. */}}
{{- define "vigil.nodeEndpoint" -}}
{{- if .Values.gateway.enabled -}}
{{ include "vigil.gatewayHost" . }}:4317
{{- else if .Values.node.otlp.endpoint -}}
{{ .Values.node.otlp.endpoint }}
{{- else -}}
{{ fail "node.otlp.endpoint is required when gateway.enabled is false: the node agent needs somewhere to send detections" }}
{{- end -}}
{{- end -}}

{{/* The collector's own metrics, pulled by Prometheus (serviceMonitor.enabled). */}}
{{- define "vigil.metricsReader" -}}
- pull:
    exporter:
      prometheus:
        host: ${env:POD_IP}
        port: {{ .Values.serviceMonitor.port }}
{{- end -}}
