package detectionsconnector

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
)

func TestConfigUnmarshalAndValidate(t *testing.T) {
	tests := []struct {
		name    string
		raw     map[string]any
		wantErr []string
	}{
		{name: "both outputs", raw: map[string]any{"all": []any{"logs/file"}, "detections": []any{"logs/stdout", "logs/alerts"}}},
		{name: "detections only", raw: map[string]any{"detections": []any{"logs/stdout"}}},
		{name: "all only", raw: map[string]any{"all": []any{"logs"}}},
		{name: "nothing", raw: map[string]any{}, wantErr: []string{"all, detections: name at least one pipeline"}},
		{
			name:    "same pipeline in both",
			raw:     map[string]any{"all": []any{"logs/file"}, "detections": []any{"logs/file"}},
			wantErr: []string{"detections[0]: pipeline logs/file is already listed as all[0]"},
		},
		{
			name:    "twice in one list",
			raw:     map[string]any{"all": []any{"logs/a", "logs/b", "logs/a"}},
			wantErr: []string{"all[2]: pipeline logs/a is already listed as all[0]"},
		},
		{
			name:    "not a logs pipeline",
			raw:     map[string]any{"all": []any{"logs"}, "detections": []any{"traces/x"}},
			wantErr: []string{"detections[0]: traces/x is a traces pipeline"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig().(*Config)
			require.NoError(t, confmap.NewFromStringMap(tt.raw).Unmarshal(cfg))
			err := cfg.Validate()
			if len(tt.wantErr) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, want := range tt.wantErr {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}

func TestConfigRejectsMalformedPipelineID(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	err := confmap.NewFromStringMap(map[string]any{"all": []any{"nosuchsignal/x"}}).Unmarshal(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "all")
}
