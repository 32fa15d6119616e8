package exception

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
)

func attrs(record, resource map[string]any) vigil.Attrs {
	rec, res := pcommon.NewMap(), pcommon.NewMap()
	if err := rec.FromRaw(record); err != nil {
		panic(err)
	}
	if err := res.FromRaw(resource); err != nil {
		panic(err)
	}
	return vigil.Attrs{Record: rec, Resource: res}
}

func TestBuild(t *testing.T) {
	sigs := []*signature.Signature{{ID: "A-1", Tags: []string{"linux"}}, {ID: "A-2", Tags: []string{"container"}}, {ID: "A-3"}}
	rules := Build([]Entry{
		{Signatures: []string{"A-1"}, Equals: map[string][]string{"process.executable.path": {"/usr/bin/ld", "/usr/bin/as"}, "process.user.id": {"0"}}},
		{Signatures: []string{"container"}, StartsWith: map[string][]string{"container.image.name": {"registry.example/ci/"}},
			Equals: map[string][]string{"container.image.name": {"busybox"}}},
		{Signatures: []string{"A-1", "container"}, Equals: map[string][]string{"k8s.namespace.name": {"build"}}},
	}, sigs)
	if _, ok := rules["A-3"]; ok || len(rules["A-1"]) != 2 || len(rules["A-2"]) != 2 {
		t.Fatalf("rules by signature: %v", rules)
	}
	for _, tt := range []struct {
		id       string
		rec, res map[string]any
		want     bool
	}{
		{"A-1", map[string]any{"process.user.id": 0}, map[string]any{"process.executable.path": "/usr/bin/as"}, true},
		{"A-1", map[string]any{"process.user.id": 1000}, map[string]any{"process.executable.path": "/usr/bin/as"}, false},                                    // every attribute of an entry
		{"A-1", nil, map[string]any{"process.executable.path": "/usr/bin/as"}, false},                                                                        // missing: does not hold
		{"A-1", nil, map[string]any{"process.executable.path": "/usr/bin/ldd", "k8s.namespace.name": "build"}, true},                                         // another entry
		{"A-1", map[string]any{"process.executable.path": "/tmp/ld"}, map[string]any{"process.executable.path": "/usr/bin/ld", "process.user.id": 0}, false}, // the record's wins
		{"A-2", nil, map[string]any{"container.image.name": "registry.example/ci/runner:1"}, true},
		{"A-2", nil, map[string]any{"container.image.name": "busybox"}, true},
		{"A-2", nil, map[string]any{"container.image.name": "busybox:1.36"}, false},
		{"A-2", nil, map[string]any{"container.image.name": "registry.example/web"}, false},
	} {
		if got := rules[tt.id].Excepts(attrs(tt.rec, tt.res)); got != tt.want {
			t.Errorf("%s on record %v resource %v: excepted %v, want %v", tt.id, tt.rec, tt.res, got, tt.want)
		}
	}
}
