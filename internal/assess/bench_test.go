package assess

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkScoreQualityMark(b *testing.B) {
	f, _ := Instrument(KeyQualityMark)
	r := rand.New(rand.NewPCG(1, 2))
	ratings := map[string]int{}
	for _, a := range f.Areas {
		for _, in := range a.Indicators {
			ratings[in.Code] = in.Options()[r.IntN(len(in.Options()))].Value
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		Score(f, ratings)
	}
}

func BenchmarkAggregateHealthCheck500(b *testing.B) {
	f, _ := Instrument(KeyHealthCheck)
	r := rand.New(rand.NewPCG(1, 2))
	var resp []map[string]int
	for i := 0; i < 500; i++ {
		m := map[string]int{}
		for _, a := range f.Areas {
			for _, in := range a.Indicators {
				m[in.Code] = 1 + r.IntN(5)
			}
		}
		resp = append(resp, m)
	}
	b.ReportAllocs()
	for b.Loop() {
		Aggregate(f, resp)
	}
}
