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
// several series). The SVG has a title and description for screen readers;
// pages must also show the same figures in a table.
func BarChart(title string, labels []string, series ...Series) template.HTML {
	const w, h, left, bottom, top = 640, 280, 48, 56, 16
	maxV := chartMax(series)
	plotW, plotH := float64(w-left-8), float64(h-top-bottom)
	var b strings.Builder
	id := chartID("c", title, labels, series)
	chartFrame(&b, id, title, labels, series, w, h, left, w-8, top, plotH, maxV)
	n := len(labels)
	if n == 0 {
		n = 1
	}
	group := plotW / float64(n)
	ns := len(series)
	if ns == 0 {
		ns = 1
	}
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
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s %s: %s</title></rect>`,
				cls, x0+barW*float64(j), float64(top)+plotH-bh, math.Max(barW-2, 1), bh, template.HTMLEscapeString(s.Name), template.HTMLEscapeString(l), fmtNum(v))
		}
		if n <= 16 || i%int(math.Ceil(float64(n)/16)) == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="end" transform="rotate(-35 %.1f %d)">%s</text>`, x0+group*0.4, h-bottom+16, x0+group*0.4, h-bottom+16, template.HTMLEscapeString(l))
		}
	}
	fmt.Fprintf(&b, `<line class="axis" x1="%d" x2="%d" y1="%d" y2="%d"/>`, left, w-8, h-bottom, h-bottom)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// LineChart renders one or more series as lines over the labels.
func LineChart(title string, labels []string, series ...Series) template.HTML {
	const w, h, left, bottom, top = 640, 260, 48, 40, 16
	maxV := chartMax(series)
	plotW, plotH := float64(w-left-16), float64(h-top-bottom)
	var b strings.Builder
	id := chartID("l", title, labels, series)
	chartFrame(&b, id, title, labels, series, w, h, left, w-16, top, plotH, maxV)
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
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
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
