// Package chartcheck holds the tests of the Kubernetes packaging in deploy/:
// the Helm chart rendered with each of its ci/ values files, every object
// decoded strictly into the Kubernetes API types, the collector configs it
// embeds checked by vigilcol validate, bad values rejected by name, and the
// OpenTelemetry Operator example. It lives in the tools module so that helm
// and the Kubernetes API types stay out of the components' go.mod; run it
// with `make chart-check`, which passes HELM and VIGILCOL.
package chartcheck
