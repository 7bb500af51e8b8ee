package assess_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"partnerhub/internal/apperr"
	"partnerhub/internal/apptest"
	"partnerhub/internal/assess"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// topExcept rates every indicator at the top of its scale except those in
// low, rated at the bottom.
func topExcept(f *assess.Framework, low ...string) map[string]int {
	out := map[string]int{}
	for _, a := range f.Areas {
		for _, in := range a.Indicators {
			opts := in.Options()
			out[in.Code] = opts[len(opts)-1].Value
			for _, l := range low {
				if l == in.Code {
					out[in.Code] = opts[0].Value
				}
			}
		}
	}
	return out
}

// TestSafeguardingGatesTheReadinessResult: with safeguarding and policies
// not met, commissioning readiness scored "Nearly ready" (72 of 100); the
// safeguarding indicator is a gate, so the result is "Not yet", and the
// results say why.
func TestSafeguardingGatesTheReadinessResult(t *testing.T) {
	f, err := assess.Instrument(assess.KeyReadiness)
	if err != nil {
		t.Fatal(err)
	}
	res := assess.Score(f, topExcept(f, "safe_policy", "pol_core", "pol_review"))
	if res.Overall < 50 {
		t.Fatalf("overall %v: the case needs a score the bands put at nearly ready", res.Overall)
	}
	if res.Outcome.Code != "not_yet" || len(res.Gated) != 1 || res.Gated[0].Code != "safe_policy" {
		t.Fatalf("outcome %s, gated %+v", res.Outcome.Code, res.Gated)
	}
	// Partly met is half marks: the gate no longer holds; policies alone do not gate.
	r := topExcept(f, "pol_core", "pol_review")
	r["safe_policy"] = 1
	if res := assess.Score(f, r); res.Outcome.Code != "nearly_ready" || len(res.Gated) != 0 {
		t.Fatalf("partly met safeguarding: %s %+v", res.Outcome.Code, res.Gated)
	}
	// A gate naming a band the framework lacks is refused.
	g := *f
	g.Areas = append([]assess.Area(nil), f.Areas...)
	g.Areas[0].Indicators = append([]assess.Indicator(nil), f.Areas[0].Indicators...)
	g.Areas[0].Indicators[0].Gate = "gold"
	if err := g.Validate(); !hasField(err, "gate") {
		t.Fatalf("gate to an unknown band: %v", err)
	}
}

// TestActionsFromGapsArePhrasedAsActionsAndEditable: actions made from gaps
// say what to do (the next level, or the statement to make true, with the
// guidance), not "Improve: <question>", and their title, owner and due
// date can be changed.
func TestActionsFromGapsArePhrasedAsActionsAndEditable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("owner@x.test", false)
		org := env.Org("Seaside Trust", "vcs", map[string]string{"owner@x.test": "owner"})
		c := env.As("owner@x.test")
		id := assessmentID(t, c.PostForm("/readiness/start", url.Values{"subject": {fmt.Sprintf("organisation:%d", org.ID)}}).Status(t, 303).Location())
		fw, _ := assess.CurrentFramework(ctx, d.Q(), assess.KeyReadiness)
		answerAll(t, c, id, fw.F, false, "areas")
		c.PostForm(fmt.Sprintf("/assessments/%d/submit", id), nil).Status(t, 303)
		c.PostForm(fmt.Sprintf("/assessments/%d/actions/from-gaps", id), nil).Status(t, 303)
		acts, err := assess.Actions(ctx, d.Q(), id)
		if err != nil {
			t.Fatal(err)
		}
		titles := map[string]string{}
		for _, x := range acts {
			titles[x.Indicator] = x.Title
			if strings.HasPrefix(x.Title, "Improve:") || strings.Contains(x.Title, "Which best describes") {
				t.Errorf("action not phrased as an action: %q", x.Title)
			}
		}
		want := map[string]string{
			"qa_system":  "Quality assurance: move from “None” to “Informal checks”",
			"leg_entity": "Legal structure and governance: make sure that we are a legal entity that can enter into a contract in our own name. Unincorporated groups usually need to incorporate",
		}
		for code, w := range want {
			if !strings.HasPrefix(titles[code], w) {
				t.Errorf("%s: %q, want it to start %q", code, titles[code], w)
			}
		}
		x := acts[0]
		path := fmt.Sprintf("/assessments/%d/actions/%d", id, x.ID)
		page := c.Get(fmt.Sprintf("/assessments/%d/results", id)).Status(t, 200).Contains(t, fmt.Sprintf(`<label class="ph-label" for="title-%d">Action</label>`, x.ID)).
			NotContains(t, `type="hidden" name="title"`)
		form := page.Form(t, path)
		if form.Get("title") != x.Title {
			t.Fatalf("the action's title is not in its form: %v", form)
		}
		sent := url.Values{"title": {"Write a quality system with the board"}, "owner": {"Chair"}, "due_on": {"2031-03-31"}, "status": {"in_progress"}}
		c.PostForm(path, sent).Status(t, 303)
		c.Get(fmt.Sprintf("/assessments/%d/results", id)).Status(t, 200).Kept(t, path, sent)
		if got, _ := assess.Actions(ctx, d.Q(), id); !containsTitle(got, "Write a quality system with the board") {
			t.Fatal("the changed title was not stored")
		}
	})
}

func containsTitle(acts []assess.Action, title string) bool {
	for _, x := range acts {
		if x.Title == title {
			return true
		}
	}
	return false
}

func hasField(err error, field string) bool {
	for _, fe := range apperr.Fields(err) {
		if fe.Field == field && strings.Contains(fe.Message, "not one of the framework's result bands") {
			return true
		}
	}
	return false
}

// TestFrameworkEditorSetsGates: the indicator form offers the gate, keeps
// the input on a 422 and stores what was sent; an installation still on the
// shipped readiness version 1 from before gates gets them as version 2.
func TestFrameworkEditorSetsGates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@x.org", true)
		ctx := context.Background()
		pub, err := assess.CurrentFramework(ctx, d.Q(), assess.KeyReadiness)
		if err != nil {
			t.Fatal(err)
		}
		if _, in := pub.F.Indicator("safe_policy"); pub.Version != 1 || in.Gate != "not_yet" {
			t.Fatalf("a new installation: version %d, safeguarding gate %q", pub.Version, in.Gate)
		}
		c := env.As("admin@x.org")
		draft := c.PostForm(fmt.Sprintf("/admin/frameworks/%d/new-version", pub.ID), nil).Status(t, 303).Location()
		path := draft + "/edit/areas/policies/indicators/pol_core"
		sent := c.Get(path).Status(t, 200).Form(t, path)
		sent.Set("gate", "nearly_ready")
		sent.Set("ind_weight", "heavy")
		c.PostForm(path, sent).Status(t, 422).Contains(t, "weight as a number above 0").Kept(t, path, sent)
		sent.Set("ind_weight", "2")
		c.PostForm(path, sent).Status(t, 303)
		c.Get(path).Status(t, 200).Kept(t, path, sent)
		c.Get(draft).Status(t, 200).Contains(t, "the result is at best “Nearly ready”")

		// An older installation: version 1 stored without gates.
		old := *pub.F
		old.Areas = append([]assess.Area(nil), pub.F.Areas...)
		for i := range old.Areas {
			old.Areas[i].Indicators = append([]assess.Indicator(nil), old.Areas[i].Indicators...)
			for j := range old.Areas[i].Indicators {
				old.Areas[i].Indicators[j].Gate = ""
			}
		}
		if _, err := d.W().ExecContext(ctx, `DELETE FROM assess_frameworks WHERE fkey = $1 AND id <> $2`, assess.KeyReadiness, pub.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.W().ExecContext(ctx, `UPDATE assess_frameworks SET body = $1 WHERE id = $2`, string(old.JSON()), pub.ID); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := assess.EnsureInstruments(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		cur, err := assess.CurrentFramework(ctx, d.Q(), assess.KeyReadiness)
		if err != nil {
			t.Fatal(err)
		}
		was, _ := assess.FrameworkByID(ctx, d.Q(), pub.ID)
		if _, in := cur.F.Indicator("safe_policy"); cur.Version != 2 || in.Gate != "not_yet" || was.Status != "superseded" {
			t.Fatalf("after the upgrade: version %d, gate %q, version 1 %s", cur.Version, in.Gate, was.Status)
		}
		all, _ := assess.ListFrameworks(ctx, d.Q())
		n := 0
		for _, f := range all {
			if f.Key == assess.KeyReadiness {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d readiness versions after two start-ups, want 2", n)
		}
	})
}
