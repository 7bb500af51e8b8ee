package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ocSet sets a form field's value by id (date inputs take no typing in
// every locale, so the value is set as the browser would send it).
func ocSet(t *testing.T, ctx context.Context, fields ...string) {
	t.Helper()
	for i := 0; i < len(fields); i += 2 {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById(%q).value = %q`, fields[i], fields[i+1]))); err != nil {
			t.Fatalf("set #%s: %v", fields[i], err)
		}
	}
}

// ocValue reads a form field's value by id.
func ocValue(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.getElementById(%q).value`, id)))
	if err != nil {
		t.Fatalf("read #%s: %v", id, err)
	}
	return v
}

// outShot saves a screenshot of the page when PARTNERHUB_OUTCOMES_SHOTS
// names a folder (for looking at the pages; not part of the test).
func outShot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("PARTNERHUB_OUTCOMES_SHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}

// TestOutcomesJourney: an admin puts a shared indicator in the outcome
// bank; a charity owner builds a plan from the bank, sets the baseline and
// target (a target date before the baseline is refused, the input kept),
// records two quarters, sees the chart and opens the report to print; the
// admin sees the organisation on the ladder and the ladder among the
// strategy's measures. Every page is checked with axe-core.
func TestOutcomesJourney(t *testing.T) {
	t.Parallel()
	tag := evTag()
	people := evPeople(t, tag, "admin", "owner")
	admin, owner := people["admin"].Ctx, people["owner"].Ctx

	// The admin curates the bank.
	if st := visit(t, admin, "/admin/outcomes/bank"); st != http.StatusOK {
		t.Fatalf("bank admin: %d", st)
	}
	checkPage(t, admin, "outcome bank admin")
	choose(t, admin, "theme_id", "")
	fill(t, admin, "title", "People report improved wellbeing "+tag, "outcome_definition", "People feel better in themselves.")
	if st := submit(t, admin, `form[action="/admin/outcomes/bank/outcomes"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("add shared outcome: %d", st)
	}
	choose(t, admin, "bank_outcome_id", "")
	fill(t, admin, "name", "Average WEMWBS score "+tag, "definition", "Mean Warwick-Edinburgh score of people finishing in the quarter.",
		"scale_min", "14", "scale_max", "70")
	choose(t, admin, "kind", "scale")
	choose(t, admin, "frequency", "quarterly")
	choose(t, admin, "rollup", "mean")
	if st := submit(t, admin, `form[action="/admin/outcomes/bank/indicators"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("add shared indicator: %d", st)
	}
	if !strings.Contains(text(t, admin, "main"), "Average WEMWBS score "+tag) {
		t.Fatal("the shared indicator is not in the bank")
	}

	// The owner's charity and its plan.
	name := "Wellbeing Friends " + tag
	slug := evNewOrg(t, owner, name, "vcs")
	if st := visit(t, owner, "/orgs/"+slug+"/outcomes"); st != http.StatusOK {
		t.Fatalf("org outcomes: %d", st)
	}
	checkPage(t, owner, "organisation outcomes")
	evClick(t, owner, `main a[href$="/outcomes/new"]`, "create a plan")
	checkPage(t, owner, "plan form")
	fill(t, owner, "title", "Wellbeing plan "+tag, "aim", "Lonely people in Blackpool feel better and more connected")
	start, _ := time.Parse(time.DateOnly, ocValue(t, owner, "start_date"))
	if st := submit(t, owner, `main form button[type=submit]`); st != http.StatusOK {
		t.Fatalf("create plan: %d", st)
	}
	planPath := location(t, owner).Path
	checkPage(t, owner, "plan")
	evClick(t, owner, `main a[href$="/adopt"]`, "adopt from the bank")
	checkPage(t, owner, "adopt")
	evClick(t, owner, `main form button[type=submit]`, "adopt")
	if !strings.Contains(location(t, owner).Path, "/indicators/") {
		t.Fatalf("adopting led to %s", location(t, owner))
	}

	// Baseline and target: a target date before the baseline is refused,
	// what was typed kept.
	baseDate := start.Format(time.DateOnly)
	fill(t, owner, "baseline_value", "40", "target_value", "50")
	ocSet(t, owner, "baseline_date", baseDate, "target_date", start.AddDate(0, -1, 0).Format(time.DateOnly))
	if st := submit(t, owner, `main form button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("a target date before the baseline: status %d", st)
	}
	checkPage(t, owner, "indicator form with an error")
	if !strings.Contains(text(t, owner, ".ph-error-summary"), "The target date must be after the baseline date") {
		t.Fatalf("no error summary: %s", text(t, owner, "main"))
	}
	if ocValue(t, owner, "baseline_value") != "40" || ocValue(t, owner, "target_value") != "50" || ocValue(t, owner, "baseline_date") != baseDate {
		t.Fatal("the indicator form lost what was typed")
	}
	ocSet(t, owner, "target_date", start.AddDate(3, 0, -1).Format(time.DateOnly))
	if st := submit(t, owner, `main form button[type=submit]`); st != http.StatusOK {
		t.Fatalf("save indicator: %d: %s", st, text(t, owner, "main"))
	}
	indPath := location(t, owner).Path

	// Two quarters.
	q := (int(start.Month())-1)/3 + 1
	for i, v := range []string{"44", "47"} {
		qq, y := q+i, start.Year()
		if qq > 4 {
			qq, y = qq-4, y+1
		}
		if st := visit(t, owner, indPath+"/measurements/new"); st != http.StatusOK {
			t.Fatalf("measurement form: %d", st)
		}
		if i == 0 {
			checkPage(t, owner, "measurement form")
		}
		fill(t, owner, "period", fmt.Sprintf("%d-Q%d", y, qq), "value", v, "people", "25", "source", "End-of-course questionnaires")
		if st := submit(t, owner, `main form button[type=submit]`); st != http.StatusOK {
			t.Fatalf("record quarter %d: %d: %s", i+1, st, text(t, owner, "main"))
		}
	}
	checkPage(t, owner, "indicator chart")
	outShot(t, owner, "indicator")
	outChartsReadable(t, owner, "indicator page")
	if count(t, owner, "main figure svg polyline") < 2 {
		t.Fatal("the indicator page has no line chart of measurements and trajectory")
	}
	rule, _ := chromedp.Run(owner, chromedp.Evaluate[string](`document.querySelector('main details').textContent`))
	if main := text(t, owner, "main"); !strings.Contains(main, "47") || !strings.Contains(rule, "The trajectory is a straight line") {
		t.Fatalf("the chart's table or the status rule is missing: %s", main)
	}

	// The report, printed.
	if st := visit(t, owner, planPath+"/report"); st != http.StatusOK {
		t.Fatalf("report: %d", st)
	}
	checkPage(t, owner, "outcomes report")
	outShot(t, owner, "report")
	outChartsReadable(t, owner, "report")
	if !strings.Contains(text(t, owner, "main"), "Progress by indicator") {
		t.Fatal("the report has no progress table")
	}
	if count(t, owner, `link[rel=stylesheet][media=print]`) != 1 {
		t.Fatal("the report has no print stylesheet")
	}
	if pdf, err := chromedp.Run(owner, chromedp.PrintToPDF()); err != nil || len(pdf) < 1000 {
		t.Fatalf("printing the report: %v (%d bytes)", err, len(pdf))
	}
	csv := evFetch(t, owner, planPath+"/measurements?format=csv")
	if csv.Status != 200 || !strings.Contains(csv.Body, "End-of-course questionnaires") {
		t.Fatalf("measurements CSV: %d %s", csv.Status, csv.Body)
	}

	// The admin sees the organisation on step 4 of the ladder (plan made
	// and measured within 12 months) and the ladder among the measures.
	if st := visit(t, admin, "/admin/outcomes/ladder?step=4"); st != http.StatusOK {
		t.Fatalf("ladder: %d", st)
	}
	checkPage(t, admin, "ladder")
	outChartsReadable(t, admin, "ladder")
	if !strings.Contains(text(t, admin, "main"), name) {
		t.Fatalf("%s is not on step 4: %s", name, text(t, admin, "main"))
	}
	// The directory finds it by its step; the unfiltered ladder shows
	// each outcome-based workshop.
	if st := visit(t, admin, "/directory?outcomes_step=4&q="+url.QueryEscape(name)); st != http.StatusOK {
		t.Fatalf("directory by step: %d", st)
	}
	checkPage(t, admin, "directory by ladder step")
	if !strings.Contains(text(t, admin, "main"), name) {
		t.Fatalf("%s is not in the directory's step 4: %s", name, text(t, admin, "main"))
	}
	if st := visit(t, admin, "/admin/outcomes/ladder"); st != http.StatusOK {
		t.Fatalf("ladder: %d", st)
	}
	checkPage(t, admin, "ladder with workshops")
	if st := visit(t, admin, "/partnerships/measures"); st != http.StatusOK {
		t.Fatalf("measures: %d", st)
	}
	if !strings.Contains(text(t, admin, "main"), "Outcomes ladder step 4") {
		t.Fatal("the strategy's measures do not show the ladder")
	}
	for _, p := range []string{"/outcomes", "/outcomes/bank", "/outcomes/themes"} {
		if st := visit(t, admin, p); st != http.StatusOK {
			t.Fatalf("%s: %d", p, st)
		}
		checkPage(t, admin, p)
	}
}

// outChartsReadable checks every chart on the page at 320 px: a title (for
// screen readers and drawn), a legend, labels drawn at 8 px or more (the
// chart scrolls inside its wrapper rather than shrinking), and no text cut
// by the chart's edges; the page itself does not scroll sideways.
func outChartsReadable(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	defer chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900))
	problems := jrEval[[]string](t, ctx, `[...document.querySelectorAll('main svg.ph-chart')].flatMap((s, i) => {
		const vb = s.viewBox.baseVal, out = [], n = 'chart ' + (i + 1) + ': ';
		const title = s.querySelector('title'), drawn = s.querySelector('.ph-chart__title');
		if (!title || !title.textContent.trim() || !drawn || !drawn.textContent.trim()) out.push(n + 'no title');
		if (!s.querySelectorAll('.ph-chart__legend text').length) out.push(n + 'no legend');
		const px = s.getBoundingClientRect().width / vb.width * 11;
		if (px < 8) out.push(n + 'labels drawn at ' + px.toFixed(1) + ' px');
		for (const e of s.querySelectorAll('text')) {
			const b = e.getBBox();
			if (b.x < vb.x - 0.5 || b.x + b.width > vb.x + vb.width + 0.5 || b.y < vb.y - 0.5 || b.y + b.height > vb.y + vb.height + 0.5)
				out.push(n + JSON.stringify(e.textContent) + ' cut: x ' + b.x.toFixed(0) + ' to ' + (b.x + b.width).toFixed(0) + ', y ' + b.y.toFixed(0) + ' to ' + (b.y + b.height).toFixed(0) + ' in ' + vb.width + ' x ' + vb.height);
		}
		return out;
	})`)
	if n := jrEval[int](t, ctx, `document.querySelectorAll('main svg.ph-chart').length`); n == 0 {
		t.Errorf("%s: no chart", name)
	}
	for _, p := range problems {
		t.Errorf("%s at 320 px: %s", name, p)
	}
	jrFits320(t, ctx, name)
}
