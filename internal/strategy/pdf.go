package strategy

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"partnerhub/internal/markdown"
	"partnerhub/internal/web"
)

// The PDF is drawn with codeberg.org/go-pdf/fpdf (pure Go, no cgo or
// browser), from the same figures as the page: charts are drawn with its
// rectangles and lines, each followed by its table.

const (
	pdfLeft  = 18.0
	pdfWidth = 210 - 2*pdfLeft
)

// chart colours: the site's blue, then a dark grey and an orange, with
// bars after the first also hatched by a lighter fill so colour alone
// tells none apart in print.
var pdfColours = [][3]int{{29, 112, 184}, {80, 90, 95}, {212, 53, 28}}

// pdfCompress is off in tests, which read the drawing operators.
var pdfCompress = true

// PDF renders the report as an A4 PDF.
func PDF(rep *Report, label func(string) string) ([]byte, error) {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCompression(pdfCompress)
	p.SetMargins(pdfLeft, 18, pdfLeft)
	p.SetAutoPageBreak(true, 18)
	at := rep.BuiltAt
	if rep.PublishedAt != nil {
		at = *rep.PublishedAt
	}
	p.SetCreationDate(at)
	p.SetModificationDate(at)
	tr := p.UnicodeTranslatorFromDescriptor("")
	p.SetTitle(rep.Title, true)
	p.SetAuthor("Partnerhub", true)
	p.SetSubject("State of the Sector report for Blackpool's third sector", true)
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont("Helvetica", "", 8)
		p.SetTextColor(80, 80, 80)
		p.CellFormat(0, 5, tr(fmt.Sprintf("%s · page %d", rep.Title, p.PageNo())), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	p.SetFont("Helvetica", "B", 22)
	p.SetTextColor(0, 0, 0)
	p.MultiCell(0, 10, tr(rep.Title), "", "L", false)
	p.SetFont("Helvetica", "", 10)
	status := "Draft built from the live records on " + rep.BuiltAt.Format("2 January 2006") + ". The figures will change until the report is published."
	if rep.Status == "published" && rep.PublishedAt != nil {
		status = "Published on " + rep.PublishedAt.Format("2 January 2006") + ". The figures are frozen. SHA-256 of the data: " + rep.Hash
	}
	p.MultiCell(0, 5, tr(status), "", "L", false)
	p.Ln(4)
	for i := range rep.Chapters {
		ch := &rep.Chapters[i]
		if i > 0 {
			p.AddPage()
		}
		pdfChapter(p, tr, ch, label)
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func pdfChapter(p *fpdf.Fpdf, tr func(string) string, ch *Chapter, label func(string) string) {
	p.SetFont("Helvetica", "B", 16)
	p.SetTextColor(0, 0, 0)
	p.MultiCell(0, 8, tr(ch.Title), "", "L", false)
	p.SetFont("Helvetica", "", 10)
	p.MultiCell(0, 5, tr(ch.Intro), "", "L", false)
	p.Ln(2)
	if ch.Commentary != "" {
		p.SetFont("Helvetica", "I", 10)
		p.MultiCell(0, 5, tr(markdown.Plain(ch.Commentary)), "", "L", false)
		p.Ln(2)
	}
	if len(ch.Figures) > 0 {
		rows := make([][]string, len(ch.Figures))
		for i, f := range ch.Figures {
			rows[i] = []string{f.Label, NumPtr(f.Value), NumPtr(f.Previous)}
		}
		pdfTable(p, tr, []string{"Figure", "This year", "Year before"}, rows, []float64{pdfWidth - 50, 25, 25})
	}
	for i := range ch.Charts {
		c := &ch.Charts[i]
		if len(c.Labels) == 0 {
			continue
		}
		pdfChart(p, tr, c, c.Words(label))
		header, rows := c.CSV(label)
		for _, row := range rows {
			for j := 1; j < len(row); j++ {
				if row[j] != "" && row[j] != "fewer than 5" {
					if v, err := strconv.ParseFloat(row[j], 64); err == nil {
						row[j] = Num(v)
					}
				}
			}
		}
		widths := []float64{pdfWidth - 30*float64(len(header)-1)}
		for range header[1:] {
			widths = append(widths, 30)
		}
		pdfTable(p, tr, header, rows, widths)
		if c.Note != "" {
			p.SetFont("Helvetica", "", 8)
			p.MultiCell(0, 4, tr(c.Note), "", "L", false)
		}
		p.Ln(3)
	}
	if len(ch.Outcomes) > 0 {
		rows := make([][]string, len(ch.Outcomes))
		for i, o := range ch.Outcomes {
			rows[i] = []string{o.Outcome, RAGLabels[o.Status], o.Measures}
		}
		pdfTable(p, tr, []string{"Outcome", "Status", "Measures"}, rows, []float64{60, 35, pdfWidth - 95})
	}
	if ch.Key == "milestones" {
		rows := make([][]string, len(ch.Milestones))
		for i, m := range ch.Milestones {
			d, _ := time.Parse(time.DateOnly, m.Date)
			rows[i] = []string{d.Format("2 January 2006"), m.Title, StatusLabels[m.Status]}
		}
		if len(rows) == 0 {
			p.MultiCell(0, 5, tr("No milestones were due in this year."), "", "L", false)
		} else {
			pdfTable(p, tr, []string{"Due", "Milestone", "Status"}, rows, []float64{35, pdfWidth - 60, 25})
		}
	}
}

// pdfTable draws a table with wrapped cells.
func pdfTable(p *fpdf.Fpdf, tr func(string) string, header []string, rows [][]string, widths []float64) {
	const lh = 4.5
	draw := func(cells []string, bold bool) {
		style := ""
		if bold {
			style = "B"
		}
		p.SetFont("Helvetica", style, 8.5)
		lines := 1
		for i, c := range cells {
			lines = max(lines, len(p.SplitLines([]byte(tr(c)), widths[i]-2)))
		}
		h := float64(lines) * lh
		if p.GetY()+h > 297-20 {
			p.AddPage()
		}
		x, y := p.GetX(), p.GetY()
		for i, c := range cells {
			p.Rect(x, y, widths[i], h, "D")
			p.SetXY(x+1, y)
			align := "L"
			if i > 0 && len(cells) > 1 && widths[i] <= 35 {
				align = "R"
			}
			p.MultiCell(widths[i]-2, lh, tr(c), "", align, false)
			x += widths[i]
			p.SetXY(x, y)
		}
		p.SetXY(pdfLeft, y+h)
	}
	p.SetDrawColor(180, 180, 180)
	draw(header, true)
	for _, r := range rows {
		draw(r, false)
	}
	p.Ln(2)
}

// pdfChart draws a bar or line chart with its title, value axis,
// labels and legend.
func pdfChart(p *fpdf.Fpdf, tr func(string) string, c *Chart, words []string) {
	const h, axisW = 55.0, 14.0
	if p.GetY()+h+30 > 297-20 {
		p.AddPage()
	}
	p.SetFont("Helvetica", "B", 10)
	p.SetTextColor(0, 0, 0)
	p.MultiCell(0, 5, tr(c.Title), "", "L", false)
	top := p.GetY() + 2
	x0, plotW := pdfLeft+axisW, pdfWidth-axisW
	maxV := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			if v != nil {
				maxV = math.Max(maxV, *v)
			}
		}
	}
	if maxV == 0 {
		maxV = 1
	}
	maxV = web.NiceCeil(maxV)
	p.SetFont("Helvetica", "", 7)
	p.SetDrawColor(200, 200, 200)
	for i := 0; i <= 4; i++ {
		y := top + h - h*float64(i)/4
		p.Line(x0, y, x0+plotW, y)
		p.SetXY(pdfLeft, y-2)
		p.CellFormat(axisW-1, 4, Num(maxV*float64(i)/4), "", 0, "R", false, 0, "")
	}
	n := len(c.Labels)
	group := plotW / float64(max(n, 1))
	ns := max(len(c.Series), 1)
	for si, s := range c.Series {
		col := pdfColours[si%len(pdfColours)]
		p.SetFillColor(col[0], col[1], col[2])
		p.SetDrawColor(col[0], col[1], col[2])
		if c.Kind == "line" {
			p.SetLineWidth(0.6)
			if si > 0 {
				p.SetDashPattern([]float64{2, 1.5}, 0)
			}
			var px, py float64
			have := false
			step := 0.0
			if n > 1 {
				step = plotW / float64(n-1)
			}
			for i, v := range s.Values {
				if v == nil {
					have = false
					continue
				}
				x, y := x0+step*float64(i), top+h-h**v/maxV
				if have {
					p.Line(px, py, x, y)
				}
				p.Circle(x, y, 0.8, "F")
				px, py, have = x, y, true
			}
			p.SetDashPattern([]float64{}, 0)
			p.SetLineWidth(0.2)
			continue
		}
		bw := group * 0.8 / float64(ns)
		for i, v := range s.Values {
			if v == nil || *v <= 0 {
				continue
			}
			bh := h * *v / maxV
			x := x0 + group*float64(i) + group*0.1 + bw*float64(si)
			p.Rect(x, top+h-bh, math.Max(bw-0.4, 0.3), bh, "F")
			if si > 0 { // hatch later series so they differ without colour
				p.SetDrawColor(255, 255, 255)
				for yy := top + h - bh + 1.5; yy < top+h; yy += 1.5 {
					p.Line(x, yy, x+math.Max(bw-0.4, 0.3), yy)
				}
				p.SetDrawColor(col[0], col[1], col[2])
			}
		}
	}
	p.SetDrawColor(0, 0, 0)
	p.Line(x0, top+h, x0+plotW, top+h)
	// labels under the plot, wrapped, never cut
	p.SetFont("Helvetica", "", 6.5)
	p.SetTextColor(0, 0, 0)
	every := 1
	if n > 14 {
		every = int(math.Ceil(float64(n) / 14))
	}
	labelH := 0.0
	for i, l := range words {
		if i%every != 0 {
			continue
		}
		w := group * float64(every)
		x := x0 + group*float64(i)
		if c.Kind == "line" && n > 1 {
			step := plotW / float64(n-1)
			x = x0 + step*float64(i) - w/2
		}
		lines := p.SplitLines([]byte(tr(l)), math.Max(w-1, 4))
		for k, ln := range lines {
			p.SetXY(x, top+h+1+float64(k)*3)
			p.CellFormat(w, 3, string(ln), "", 0, "C", false, 0, "")
		}
		labelH = math.Max(labelH, float64(len(lines))*3)
	}
	// legend
	y := top + h + labelH + 3
	x := x0
	p.SetFont("Helvetica", "", 7.5)
	for si, s := range c.Series {
		col := pdfColours[si%len(pdfColours)]
		p.SetFillColor(col[0], col[1], col[2])
		p.Rect(x, y, 3, 3, "F")
		p.SetXY(x+4, y-0.5)
		w := p.GetStringWidth(tr(s.Name)) + 2
		p.CellFormat(w, 4, tr(s.Name), "", 0, "L", false, 0, "")
		x += w + 8
	}
	p.SetXY(pdfLeft, y+6)
}

func (s *Service) reportPDF(w http.ResponseWriter, r *http.Request) error {
	year, err := s.yearParam(r)
	if err != nil {
		return err
	}
	rep, err := s.Get(r.Context(), year)
	if err != nil {
		return err
	}
	b, err := PDF(rep, s.Web.R.Label)
	if err != nil {
		return err
	}
	name := "state-of-the-sector-" + strconv.Itoa(year)
	if rep.Status != "published" {
		name += "-draft"
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.pdf"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, err = w.Write(b)
	return err
}
