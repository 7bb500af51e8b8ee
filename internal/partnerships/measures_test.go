package partnerships

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

func d(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// fixture builds organisations and partnerships directly in the store.
type fixture struct {
	t    testing.TB
	db   *db.DB
	orgs map[string]int64
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	return &fixture{t: t, db: d, orgs: map[string]int64{}}
}

func (fx *fixture) org(name, sector string) int64 {
	fx.t.Helper()
	legal := map[string]string{"public": "public_body", "private": "company", "social_enterprise": "cic"}[sector]
	if legal == "" {
		legal = "charity"
	}
	o := &accounts.Organisation{Name: name, Sector: sector, LegalForm: legal}
	if err := fx.db.Write(context.Background(), func(tx *db.Tx) error { return accounts.InsertOrg(context.Background(), tx, o, 0) }); err != nil {
		fx.t.Fatal(err)
	}
	fx.orgs[name] = o.ID
	return o.ID
}

func (fx *fixture) partnership(p *Partnership) *Partnership {
	fx.t.Helper()
	if p.Visibility == "" {
		p.Visibility = "public"
	}
	if p.Origin == "" {
		p.Origin = "other"
	}
	if err := fx.db.Write(context.Background(), func(tx *db.Tx) error { return Insert(context.Background(), tx, p, 0) }); err != nil {
		fx.t.Fatalf("insert %s: %v", p.Name, err)
	}
	return p
}

func (fx *fixture) m(org, role string, joined, left *time.Time) Member {
	id, ok := fx.orgs[org]
	if !ok {
		fx.t.Fatalf("no organisation %s", org)
	}
	return Member{OrgID: id, Role: role, Joined: joined, Left: left}
}

// handBuilt is the hand-computed case documented in the test below.
func handBuilt(t testing.TB, dbh *db.DB) *fixture {
	fx := newFixture(t, dbh)
	for _, o := range []struct{ n, s string }{{"A", "vcs"}, {"B", "social_enterprise"}, {"C", "faith"}, {"D", "public"}, {"E", "private"}, {"F", "vcs"}, {"G", "vcs"}, {"H", "vcs"}, {"I", "vcs"}, {"J", "vcs"}} {
		fx.org(o.n, o.s)
	}
	// P1: no end date; D (public) joins mid-2024; F left in 2021 and rejoined in 2024.
	fx.partnership(&Partnership{Name: "P1", Model: "joint_project", Status: "active", Start: d("2020-03-01"),
		Members: []Member{fx.m("A", "lead", nil, nil), fx.m("D", "member", d("2024-06-01"), nil), fx.m("F", "member", d("2020-03-01"), d("2021-05-01")), fx.m("F", "member", d("2024-02-01"), nil)}})
	// P2: a consortium that ended on 1 January 2024, with a private member.
	fx.partnership(&Partnership{Name: "P2", Model: "lead_contractor_consortium", Status: "ended", Start: d("2022-01-01"), End: d("2024-01-01"),
		Members: []Member{fx.m("G", "lead", nil, nil), fx.m("E", "member", nil, nil)}})
	// P3: H "joined" in 2023, before the partnership started in May 2024.
	fx.partnership(&Partnership{Name: "P3", Model: "referral_partnership", Status: "active", Start: d("2024-05-01"),
		Members: []Member{fx.m("H", "lead", d("2023-01-01"), nil), fx.m("B", "member", nil, nil)}})
	// P4: only proposed: never counted.
	fx.partnership(&Partnership{Name: "P4", Model: "informal_network", Status: "proposed", Start: d("2024-02-01"),
		Members: []Member{fx.m("I", "lead", nil, nil)}})
	// P5: a consortium that lived from 15 March to 31 December 2023 (291 days).
	fx.partnership(&Partnership{Name: "P5", Model: "hub_and_spoke_consortium", Status: "ended", Start: d("2023-03-15"), End: d("2023-12-31"),
		Members: []Member{fx.m("J", "lead", nil, nil), fx.m("C", "member", nil, nil)}})
	// P6: a consortium of 2018-2020 (1,095 days); C left it in 2019.
	fx.partnership(&Partnership{Name: "P6", Model: "consortium_legal_body", Status: "ended", Start: d("2018-01-01"), End: d("2020-12-31"),
		Members: []Member{fx.m("C", "lead", d("2018-01-01"), d("2019-06-30"))}})
	// P7: starts on 1 January 2025.
	fx.partnership(&Partnership{Name: "P7", Model: "merger", Status: "active", Start: d("2025-01-01"),
		Members: []Member{fx.m("A", "lead", nil, nil)}})
	return fx
}

type want struct {
	orgs, first, active, started, ended, pubThird, privThird, distinct int
	models                                                             map[string]int
	consActive, consFormed, consDissolved                              int
	median                                                             *float64
}

func check(t *testing.T, label string, r Raw, w want) {
	t.Helper()
	got := want{r.OrganisationsInPartnership, r.FirstTimePartners, r.PartnershipsActive, r.PartnershipsStarted, r.PartnershipsEnded,
		r.PublicThird, r.PrivateThird, r.DistinctModels(), r.Models, r.ConsortiaActive, r.ConsortiaFormed, r.ConsortiaDissolved, r.MedianLifespan()}
	if w.models == nil {
		w.models = map[string]int{}
	}
	if fmt.Sprint(got.median) != fmt.Sprint(w.median) && (got.median == nil || w.median == nil || *got.median != *w.median) {
		t.Errorf("%s: median life span %v, want %v", label, deref(got.median), deref(w.median))
	}
	got.median, w.median = nil, nil
	if !reflect.DeepEqual(got, w) {
		t.Errorf("%s:\n got %+v\nwant %+v", label, got, w)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestMeasuresHandBuilt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbh *db.DB) {
		ctx := context.Background()
		handBuilt(t, dbh)
		y2024, y2023 := PeriodOf(2024, time.January), PeriodOf(2023, time.January)
		fy2024 := PeriodOf(2024, time.April)
		w2024 := want{orgs: 5, first: 2, active: 3, started: 1, ended: 1, pubThird: 1, privThird: 1, distinct: 3,
			models:     map[string]int{"joint_project": 1, "lead_contractor_consortium": 1, "referral_partnership": 1},
			consActive: 1, consFormed: 0, consDissolved: 1, median: f(730)}
		w2023 := want{orgs: 4, first: 1, active: 3, started: 1, ended: 1, pubThird: 0, privThird: 1, distinct: 3,
			models:     map[string]int{"joint_project": 1, "lead_contractor_consortium": 1, "hub_and_spoke_consortium": 1},
			consActive: 2, consFormed: 1, consDissolved: 1, median: f(693)}
		wfy := want{orgs: 4, first: 2, active: 3, started: 2, ended: 0, pubThird: 1, privThird: 0, distinct: 3,
			models:     map[string]int{"joint_project": 1, "referral_partnership": 1, "merger": 1},
			consActive: 0, consFormed: 0, consDissolved: 0, median: f(730)}
		w2021 := want{orgs: 2, first: 0, active: 1, started: 0, ended: 0, distinct: 1, models: map[string]int{"joint_project": 1}, median: f(1095)}
		w2010 := want{}
		periods := []Period{y2024, y2023, fy2024, PeriodOf(2021, time.January), PeriodOf(2010, time.January)}
		wants := []want{w2024, w2023, wfy, w2021, w2010}

		raws, err := ComputeSQL(ctx, dbh.Q(), periods)
		if err != nil {
			t.Fatal(err)
		}
		ps, ms, err := Load(ctx, dbh.Q())
		if err != nil {
			t.Fatal(err)
		}
		pure := Compute(ps, ms, periods)
		for i := range periods {
			check(t, "sql "+periods[i].Label, raws[i], wants[i])
			check(t, "pure "+periods[i].Label, pure[i], wants[i])
		}

		rep, err := Measure(ctx, dbh.Q(), 2024, time.January)
		if err != nil {
			t.Fatal(err)
		}
		figs := map[string]Figure{}
		for _, fg := range rep.Figures() {
			figs[fg.Key] = fg
		}
		for k, w := range map[string][3]float64{
			"organisations_in_partnership":    {5, 4, 1},
			"first_time_partners":             {2, 1, 1},
			"public_third_partnerships":       {1, 0, 1},
			"consortia_active":                {1, 2, -1},
			"median_consortium_lifespan_days": {730, 693, 37},
			"model_diversity":                 {1.0986, 1.0986, 0},
		} {
			fg := figs[k]
			if fg.Value == nil || fg.Previous == nil || fg.Change == nil || *fg.Value != w[0] || *fg.Previous != w[1] || *fg.Change != w[2] {
				t.Errorf("%s = %v/%v/%v, want %v", k, deref(fg.Value), deref(fg.Previous), deref(fg.Change), w)
			}
		}
		if rep.Period.Label != "2024" || PeriodOf(2024, time.April).Label != "2024/25" || PeriodOf(1999, time.April).Label != "1999/00" {
			t.Errorf("labels %q %q", rep.Period.Label, PeriodOf(2024, time.April).Label)
		}
	})
}

func TestShannonAndMedian(t *testing.T) {
	for _, c := range []struct {
		counts map[string]int
		want   float64
	}{
		{map[string]int{}, 0},
		{map[string]int{"a": 7}, 0},
		{map[string]int{"a": 2, "b": 2}, math.Log(2)},
		{map[string]int{"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1, "g": 1, "h": 1}, math.Log(8)},
		{map[string]int{"a": 3, "b": 1, "z": 0}, -(0.75*math.Log(0.75) + 0.25*math.Log(0.25))},
	} {
		if got := Shannon(c.counts); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Shannon(%v) = %v, want %v", c.counts, got, c.want)
		}
	}
	if Median(nil) != nil {
		t.Error("median of nothing is not nil")
	}
	if m := Median([]int{5, 1, 3}); *m != 3 {
		t.Errorf("median = %v", *m)
	}
	if m := Median([]int{4, 1, 10, 2}); *m != 3 {
		t.Errorf("even median = %v", *m)
	}
}

// TestMeasuresSQLMatchesReference fills the store with random but
// awkward records and checks that SQL and the reference agree every year.
func TestMeasuresSQLMatchesReference(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbh *db.DB) {
		ctx := context.Background()
		fx := newFixture(t, dbh)
		rnd := rand.New(rand.NewPCG(7, 11))
		sectors := []string{"vcs", "social_enterprise", "faith", "public", "private", "vcs"}
		var names []string
		for i := 0; i < 40; i++ {
			n := fmt.Sprintf("Org %02d", i)
			fx.org(n, sectors[rnd.IntN(len(sectors))])
			names = append(names, n)
		}
		day := func() *time.Time {
			if rnd.IntN(6) == 0 {
				return nil
			}
			// Often exactly on a year boundary.
			y := 2012 + rnd.IntN(12)
			if rnd.IntN(3) == 0 {
				return d(fmt.Sprintf("%d-01-01", y))
			}
			if rnd.IntN(4) == 0 {
				return d(fmt.Sprintf("%d-12-31", y))
			}
			t := Date(y, time.Month(1+rnd.IntN(12)), 1+rnd.IntN(28))
			return &t
		}
		for i := 0; i < 60; i++ {
			p := &Partnership{Name: fmt.Sprintf("Partnership %d", i), Model: Models[rnd.IntN(len(Models))], Status: Statuses[rnd.IntN(len(Statuses))]}
			p.Start, p.End = day(), day()
			if p.Start == nil && p.Status != "proposed" && p.Status != "forming" {
				p.Status = "forming"
			}
			if p.Start != nil && p.End != nil && p.End.Before(*p.Start) {
				p.Start, p.End = p.End, p.Start
			}
			if p.Status == "ended" && p.End == nil {
				p.Status = "dormant"
			}
			for j := 0; j < 1+rnd.IntN(6); j++ {
				m := fx.m(names[rnd.IntN(len(names))], MemberRoles[rnd.IntN(4)], day(), day())
				if m.Joined != nil && m.Left != nil && m.Left.Before(*m.Joined) {
					m.Joined, m.Left = m.Left, m.Joined
				}
				p.Members = append(p.Members, m)
			}
			fx.partnership(p)
		}
		var periods []Period
		for y := 2010; y <= 2026; y++ {
			periods = append(periods, PeriodOf(y, time.January), PeriodOf(y, time.April))
		}
		raws, err := ComputeSQL(ctx, dbh.Q(), periods)
		if err != nil {
			t.Fatal(err)
		}
		ps, ms, err := Load(ctx, dbh.Q())
		if err != nil {
			t.Fatal(err)
		}
		pure := Compute(ps, ms, periods)
		nonzero := 0
		for i := range periods {
			sort.Ints(raws[i].Lifespans)
			sort.Ints(pure[i].Lifespans)
			if len(raws[i].Lifespans) == 0 {
				raws[i].Lifespans = nil
			}
			if len(pure[i].Lifespans) == 0 {
				pure[i].Lifespans = nil
			}
			if !reflect.DeepEqual(raws[i], pure[i]) {
				t.Errorf("%s:\n sql %+v\npure %+v", periods[i].Label, raws[i], pure[i])
			}
			if raws[i].OrganisationsInPartnership > 0 && raws[i].PublicThird > 0 {
				nonzero++
			}
		}
		if nonzero < 5 {
			t.Fatalf("the random data exercised too little (%d years with figures)", nonzero)
		}
	})
}
