package e2e

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func cgCPU(t *testing.T) time.Duration {
	b, _ := os.ReadFile("/proc/self/cgroup")
	for _, l := range strings.Split(string(b), "\n") {
		if p := strings.SplitN(l, ":", 3); len(p) == 3 && p[1] == "cpuacct" {
			u, err := os.ReadFile("/sys/fs/cgroup/cpuacct" + p[2] + "/cpuacct.usage")
			if err != nil {
				t.Fatal(err)
			}
			n, _ := strconv.ParseInt(strings.TrimSpace(string(u)), 10, 64)
			return time.Duration(n)
		}
	}
	t.Fatal("no cgroup")
	return 0
}

func TestZZAxeCost(t *testing.T) {
	ctx := newTab(t)
	src := loadAxe(t)
	visit(t, ctx, "/signin")
	const n = 20
	measure := func(name string, f func()) {
		time.Sleep(time.Second)
		c0, w0 := cgCPU(t), time.Now()
		for i := 0; i < n; i++ {
			f()
		}
		t.Logf("%-28s %d times: cgroup CPU %.2f s, wall %.2f s", name, n, (cgCPU(t) - c0).Seconds(), time.Since(w0).Seconds())
	}
	run := func(opts string) {
		script := `axe.run(document, {` + opts + `runOnly: {type: 'tag', values: ` + axeTags + `}}).then(r => ({
		passes: r.passes.length,
		incomplete: r.incomplete.length,
		violations: r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
			nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary || '', html: (n.html || '').slice(0, 160)}))}))
	}))`
		res, err := chromedp.Run(ctx, chromedp.Evaluate[axeResult](script, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if os.Getenv("ZZV") != "" {
			t.Logf("%s: passes %d incomplete %d violations %d", opts, res.Passes, res.Incomplete, len(res.Violations))
		}
	}
	inject := func() {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			t.Fatal(err)
		}
	}
	page := os.Getenv("ZZPAGE")
	if page == "" {
		page = "/signin"
	}
	for r := 0; r < 2; r++ {
		measure("nav", func() { visit(t, ctx, page) })
		measure("nav+inject", func() { visit(t, ctx, page); inject() })
		measure("nav+inject+run", func() { visit(t, ctx, page); inject(); run("") })
		measure("nav+inject+run(violations)", func() { visit(t, ctx, page); inject(); run("resultTypes: ['violations'], ") })
	}
}
