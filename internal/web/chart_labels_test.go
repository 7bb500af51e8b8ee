package web

import (
	"fmt"
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

// A line chart's last label, centred on the plot's right edge, fits inside
// the chart (an indicator chart cut "2026-Q3" to "2026-Q" at 640 px).
func TestLineChartLastLabelFits(t *testing.T) {
	labels := []string{"2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"}
	svg := string(LineChart("People attending weekly", labels, Series{Name: "Measured", Values: []float64{20, 25, 30, 35}}))
	m := regexp.MustCompile(`<text x="([0-9.]+)" y="[0-9]+" text-anchor="middle">2026-Q3</text>`).FindStringSubmatch(svg)
	if m == nil {
		t.Fatal("no 2026-Q3 label")
	}
	var x float64
	if _, err := fmt.Sscan(m[1], &x); err != nil {
		t.Fatal(err)
	}
	// About 6.8 px a character at 11 px: half the label right of x.
	if right := x + 3.4*float64(len("2026-Q3")); right > 640 {
		t.Errorf("the last label ends at about %.0f px in a 640 px chart", right)
	}
}
