package containermeta

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTagOf(t *testing.T) {
	tests := map[string]string{
		"busybox":                      "",
		"busybox:1.36":                 "1.36",
		"docker.io/library/nginx:1.25": "1.25",
		"registry:5000/team/app":       "",
		"registry:5000/team/app:v2":    "v2",
		"busybox@sha256:0123abcd":      "",
		"busybox:1.36@sha256:0123abcd": "1.36",
		"localhost/vigil-test:latest":  "latest",
		"":                             "",
	}
	for ref, want := range tests {
		assert.Equal(t, want, tagOf(ref), ref)
	}
}
