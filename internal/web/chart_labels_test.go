package web

import (
	"regexp"
	"strings"
	"testing"
)

// Every bar chart shows its title and a legend naming each series, and its
// labels are whole: wrapped at spaces under their bars, never cut (the
// event measures chart showed "…ned workshop", "…ing workshop").
func TestBarChartShowsTitleLegendAndWholeLabels(t *testing.T) {
	labels := []string{"Networking", "Themed workshop", "Outcome-based workshop", "Commissioning workshop", "Trade fair", "Conference", "Other event"}
	svg := string(BarChart("Partnerships sparked by type of event", labels,
		Series{Name: "This year", Values: []float64{1, 11, 9, 9, 0, 5, 0}},
		Series{Name: "Last year", Values: []float64{2, 3, 4, 5, 6, 7, 8}, Class: "bar--prev"}))
	if !strings.Contains(svg, `class="ph-chart__title"`) || !strings.Contains(svg, ">Partnerships sparked by type of event</text>") {
		t.Error("the chart does not show its title")
	}
	legend := svg[strings.Index(svg, `class="ph-chart__legend"`):]
	for _, name := range []string{"This year", "Last year"} {
		if !strings.Contains(legend, ">"+name+"</text>") {
			t.Errorf("the legend does not name %q", name)
		}
	}
	if !strings.Contains(svg, `fill="url(#`) {
		t.Error("the second series is told apart by colour alone (no hatching)")
	}
	tspan := regexp.MustCompile(`<tspan[^>]*>([^<]*)</tspan>`)
	var shown []string
	for _, m := range tspan.FindAllStringSubmatch(svg, -1) {
		shown = append(shown, m[1])
	}
	if got, want := strings.ReplaceAll(strings.Join(shown, " "), "- ", "-"), strings.Join(labels, " "); got != want {
		t.Errorf("labels shown %q, want every word of %q", got, want)
	}
	if strings.Contains(svg, "rotate(") {
		t.Error("labels are still rotated (and cut at the chart's edge)")
	}
}

func TestWrapLabel(t *testing.T) {
	for in, want := range map[string]string{
		"Commissioning workshop": "Commissioning|workshop",
		"Clarity of purpose":     "Clarity of|purpose",
		"2010":                   "2010",
		"Outcome-based workshop": "Outcome-|based|workshop",
		"Outcome-based":          "Outcome-|based",
		"":                       "",
	} {
		if got := strings.Join(wrapLabel(in, 12), "|"); got != want {
			t.Errorf("wrapLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
