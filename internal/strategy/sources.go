package strategy

import (
	"partnerhub/internal/bids"
	"partnerhub/internal/grants"
	"partnerhub/internal/library"
	"partnerhub/internal/opportunities"
	"partnerhub/internal/outcomes"
	"partnerhub/internal/partnerships"
)

// MeasureSources are the other features' figures among the strategy's
// measures, in the order the measures page lists them. It is the one list:
// internal/app registers each with partnerships.Service.AddMeasureSource,
// and the demo (which runs without the app) and the benchmarks build
// reports from it. A feature with new measures adds its source here.
// (The features cannot register themselves: they cannot import
// partnerships, whose tests import the demo generator that imports them.)
func MeasureSources() []partnerships.MeasureSource {
	opp := partnerships.MeasureSource{Count: opportunities.CountMeasures}
	for _, m := range opportunities.MeasureDefs {
		opp.Definitions = append(opp.Definitions, partnerships.MeasureDef(m))
	}
	out := partnerships.MeasureSource{Count: outcomes.CountMeasures}
	for _, d := range outcomes.MeasureDefs() {
		out.Definitions = append(out.Definitions, partnerships.MeasureDef(d))
	}
	gr := partnerships.MeasureSource{Count: grants.CountMeasures}
	for _, m := range grants.Measures {
		gr.Definitions = append(gr.Definitions, partnerships.MeasureDef(m))
	}
	return []partnerships.MeasureSource{opp, out, library.MeasureSource(), gr, bids.Measures(), EventMeasures()}
}
