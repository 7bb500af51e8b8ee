package web

import (
	"fmt"
	"hash/fnv"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Series is one set of values over the chart's labels.
type Series struct {
	Name   string
	Values []float64
	Class  string // CSS class: "bar", "bar--prev", "line"
}

// BarChart renders a server-side SVG bar chart (grouped when there are
// several series). The chart shows its title and a legend (each series
// after the first is hatched as well as coloured, so colour alone tells
// none apart), and its labels are wrapped onto as many lines as they need
// under their bars, never cut. The SVG has a title and description for
// screen readers; pages must also show the same figures in a table.
func BarChart(title string, labels []string, series ...Series) template.HTML {
	const w, left = 640, 48
	n := max(len(labels), 1)
	plotW := float64(w - left - 8)
	group := plotW / float64(n)
	step := 1
	if n > 16 {
		step = int(math.Ceil(float64(n) / 16))
	}
	// About 6.8 px a character at the labels' 11 px text.
	perLine := max(int(group*float64(step)/6.8), 4)
	wrapped := make([][]string, len(labels))
	lines := 1
	for i, l := range labels {
		wrapped[i] = wrapLabel(l, perLine)
		lines = max(lines, len(wrapped[i]))
	}
	top, bottom := chartTop, 14+14*lines+chartLegendH
	h := 180 + top + bottom
	maxV := chartMax(series)
	plotH := float64(h - top - bottom)
	var b strings.Builder
	id := chartID("c", title, labels, series)
	chartFrame(&b, id, title, labels, series, w, h, left, w-8, top, plotH, maxV)
	ns := max(len(series), 1)
	barW := group * 0.8 / float64(ns)
	for i, l := range labels {
		x0 := float64(left) + group*float64(i) + group*0.1
		for j, s := range series {
			if i >= len(s.Values) {
				continue
			}
			v := s.Values[i]
			bh := plotH * v / maxV
			cls := s.Class
			if cls == "" {
				cls = "bar"
			}
			x, y, bw := x0+barW*float64(j), float64(top)+plotH-bh, math.Max(barW-2, 1)
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s %s: %s</title></rect>`,
				cls, x, y, bw, bh, template.HTMLEscapeString(s.Name), template.HTMLEscapeString(l), fmtNum(v))
			if j > 0 {
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="url(#%s-h%d)" aria-hidden="true"/>`, x, y, bw, bh, id, j%3)
			}
		}
		if i%step == 0 {
			fmt.Fprintf(&b, `<text class="ph-chart__label" x="%.1f" y="%d" text-anchor="middle">`, x0+group*0.4, h-bottom+16)
			for k, line := range wrapped[i] {
				dy := 0
				if k > 0 {
					dy = 14
				}
				fmt.Fprintf(&b, `<tspan x="%.1f" dy="%d">%s</tspan>`, x0+group*0.4, dy, template.HTMLEscapeString(line))
			}
			b.WriteString(`</text>`)
		}
	}
	fmt.Fprintf(&b, `<line class="axis" x1="%d" x2="%d" y1="%d" y2="%d"/>`, left, w-8, h-bottom, h-bottom)
	chartLegend(&b, id, series, left, h-chartLegendH+4, false)
	b.WriteString(`</svg>`)
	return chartWrap(b.String())
}

// chartTop is the room above a chart's plot for its visible title;
// chartLegendH the room below for its legend.
const chartTop, chartLegendH = 34, 26

// wrapLabel breaks a label into lines of at most per characters at spaces
// and after hyphens (a longer word stays whole on its own line, so nothing
// is cut).
func wrapLabel(l string, per int) []string {
	var out []string
	cur := ""
	for _, word := range strings.Fields(strings.ReplaceAll(l, "-", "- ")) {
		sep := " "
		if strings.HasSuffix(cur, "-") {
			sep = ""
		}
		switch {
		case cur == "":
			cur = word
		case len([]rune(cur))+len(sep)+len([]rune(word)) <= per:
			cur += sep + word
		default:
			out = append(out, cur)
			cur = word
		}
	}
	if cur != "" || len(out) == 0 {
		out = append(out, cur)
	}
	return out
}

// chartLegend writes a legend row at y: a swatch (hatched for bars after
// the first series, dashed for lines after the first) and each series'
// name.
func chartLegend(b *strings.Builder, id string, series []Series, x, y int, lines bool) {
	fmt.Fprintf(b, `<g class="ph-chart__legend">`)
	for j, s := range series {
		cls := s.Class
		if cls == "" {
			cls = "bar"
		}
		if lines {
			dash := ""
			if j > 0 {
				dash = ` stroke-dasharray="6 4"`
			}
			fmt.Fprintf(b, `<line class="line" x1="%d" x2="%d" y1="%d" y2="%d"%s/>`, x, x+18, y+6, y+6, dash)
		} else {
			fmt.Fprintf(b, `<rect class="%s" x="%d" y="%d" width="14" height="14"/>`, cls, x, y)
			if j > 0 {
				fmt.Fprintf(b, `<rect x="%d" y="%d" width="14" height="14" fill="url(#%s-h%d)"/>`, x, y, id, j%3)
			}
		}
		fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`, x+22, y+12, template.HTMLEscapeString(s.Name))
		x += 22 + 7*len([]rune(s.Name)) + 24
	}
	b.WriteString(`</g>`)
}

// LineChart renders one or more series as lines over the labels.
func LineChart(title string, labels []string, series ...Series) template.HTML {
	const w, left, top, bottom = 640, 48, chartTop, 40 + chartLegendH
	const h = 200 + top + bottom
	maxV := chartMax(series)
	// The last label is centred on the right edge of the plot: leave room
	// for half of it (about 6.8 px a character at 11 px), so it is not cut.
	right := 16
	if n := len(labels); n > 0 {
		right = max(right, int(math.Ceil(3.4*float64(len([]rune(labels[n-1])))))+4)
	}
	plotW, plotH := float64(w-left-right), float64(h-top-bottom)
	var b strings.Builder
	id := chartID("l", title, labels, series)
	chartFrame(&b, id, title, labels, series, w, h, left, w-right, top, plotH, maxV)
	step := plotW
	if len(labels) > 1 {
		step = plotW / float64(len(labels)-1)
	}
	for si, s := range series {
		var pts []string
		for i, v := range s.Values {
			x := float64(left) + step*float64(i)
			y := float64(top) + plotH - plotH*v/maxV
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" class="bar"><title>%s %s: %s</title></circle>`, x, y, template.HTMLEscapeString(s.Name), template.HTMLEscapeString(labels[min(i, len(labels)-1)]), fmtNum(v))
		}
		dash := ""
		if si > 0 {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(&b, `<polyline class="line" points="%s"%s/>`, strings.Join(pts, " "), dash)
	}
	for i, l := range labels {
		if len(labels) <= 12 || i%int(math.Ceil(float64(len(labels))/12)) == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, float64(left)+step*float64(i), h-bottom+18, template.HTMLEscapeString(l))
		}
	}
	chartLegend(&b, id, series, left, h-chartLegendH+4, true)
	b.WriteString(`</svg>`)
	return chartWrap(b.String())
}

// chartMax is the top of the value axis: the largest value rounded up to a
// nice number (1 when every value is zero).
func chartMax(series []Series) float64 {
	maxV := 0.0
	for _, s := range series {
		for _, v := range s.Values {
			maxV = math.Max(maxV, v)
		}
	}
	if maxV == 0 {
		maxV = 1
	}
	return niceCeil(maxV)
}

// chartFrame writes what bar and line charts share: the opening <svg> with
// its title and description for screen readers, then the five horizontal
// grid lines from left to right with their value labels.
func chartFrame(b *strings.Builder, id, title string, labels []string, series []Series, w, h, left, right, top int, plotH, maxV float64) {
	fmt.Fprintf(b, `<svg class="ph-chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg">`, w, h, id, id)
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s. The same figures are in the table beside this chart.</desc>`, id, template.HTMLEscapeString(title), id, template.HTMLEscapeString(describe(labels, series)))
	fmt.Fprintf(b, `<defs><pattern id="%[1]s-h1" width="6" height="6" patternUnits="userSpaceOnUse"><path d="M0 6L6 0" stroke="#fff" stroke-width="1.5"/></pattern>`+
		`<pattern id="%[1]s-h2" width="6" height="6" patternUnits="userSpaceOnUse"><path d="M0 3H6" stroke="#fff" stroke-width="1.5"/></pattern>`+
		`<pattern id="%[1]s-h0" width="6" height="6" patternUnits="userSpaceOnUse"><circle cx="3" cy="3" r="1.2" fill="#fff"/></pattern></defs>`, id)
	fmt.Fprintf(b, `<text class="ph-chart__title" x="0" y="18" aria-hidden="true">%s</text>`, template.HTMLEscapeString(title))
	for i := 0; i <= 4; i++ {
		y := float64(top) + plotH - plotH*float64(i)/4
		fmt.Fprintf(b, `<line class="axis" x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke-opacity="0.25"/>`, left, right, y, y)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`, left-6, y+4, fmtNum(maxV*float64(i)/4))
	}
}

func describe(labels []string, series []Series) string {
	var parts []string
	for _, s := range series {
		var vals []string
		for i, v := range s.Values {
			if i < len(labels) {
				vals = append(vals, labels[i]+" "+fmtNum(v))
			}
		}
		if len(vals) > 12 {
			vals = append(vals[:12], "…")
		}
		parts = append(parts, s.Name+": "+strings.Join(vals, ", "))
	}
	return strings.Join(parts, "; ")
}

func niceCeil(v float64) float64 {
	exp := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*exp >= v {
			return m * exp
		}
	}
	return 10 * exp
}

func fmtNum(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// chartID names a chart's title and description elements after all it
// shows, so two charts on one page (with titles of the same length, as on
// /partnerships/measures) never share an id.
func chartID(kind, title string, labels []string, series []Series) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%q %q", title, labels)
	for _, s := range series {
		fmt.Fprintf(h, " %q %v", s.Name, s.Values)
	}
	return kind + strconv.FormatUint(h.Sum64(), 36)
}

// chartWrap puts a chart in a wrapper that scrolls sideways on a narrow
// screen, so its labels keep a readable size instead of shrinking with the
// page (at 320 px a 640-unit chart would print 6 px text). The wrapper is
// focusable, so keyboard users can scroll it.
func chartWrap(svg string) template.HTML {
	return template.HTML(`<div class="ph-chart-wrap" tabindex="0">` + svg + `</div>`)
}

// NiceCeil is the top of a chart's value axis for largest value v: v
// rounded up to 1, 2, 2.5 or 5 times a power of ten (for charts drawn
// elsewhere from the same figures, such as the strategy's PDF).
func NiceCeil(v float64) float64 { return niceCeil(v) }
