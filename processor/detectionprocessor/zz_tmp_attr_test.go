package detectionprocessor

import (
	"context"
	"testing"

	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/engine"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
)

func BenchmarkTmpAttr(b *testing.B) {
	ctx := context.Background()
	_, recs := loadStream(b)
	set, _ := builtinEngine(b)
	variants := map[string][]*signature.Signature{}
	var base, all []*signature.Signature
	for _, s := range set.Signatures {
		all = append(all, s)
		if s.ID <= "VGL-1030" {
			base = append(base, s)
		}
	}
	variants["base"] = base
	variants["all"] = all
	for _, s := range set.Signatures {
		if s.ID > "VGL-1030" {
			variants["only+"+s.ID] = append(append([]*signature.Signature{}, base...), s)
		}
	}
	for name, sigs := range variants {
		b.Run(name, func(b *testing.B) {
			eng, err := engine.New(set, sigs, engine.Options{Budget: 0, MaxOverruns: defaultMaxOverruns})
			if err != nil {
				b.Fatal(err)
			}
			w, err := eng.NewWorker(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close(ctx)
			ew := &engineWay{eng: eng, w: w}
			m := startMeter(b)
			for i := 0; i < b.N; i++ {
				ew.match(ctx, &recs[i%len(recs)])
			}
			m.report(b, b.N)
		})
	}
}
