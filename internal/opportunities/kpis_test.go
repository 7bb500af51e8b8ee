package opportunities_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/opportunities"
	"partnerhub/internal/outcomes"
)

// TestRequiredKPIsForm: the commissioner picks required KPIs from the
// outcome bank on the opportunity form; a too-long target or an indicator
// not in the bank is refused with everything kept; the KPIs are stored,
// shown on the opportunity and kept when editing.
func TestRequiredKPIsForm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("council@example.org", false)
		council := env.Org("Blackpool Council", "public", map[string]string{"council@example.org": "owner"})
		var bi *outcomes.BankIndicator
		if err := d.Write(ctx, func(tx *db.Tx) error {
			var theme int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM taxonomy_terms WHERE vocabulary = 'theme' ORDER BY id LIMIT 1`).Scan(&theme); err != nil {
				return err
			}
			bo := &outcomes.BankOutcome{ThemeID: theme, Title: "People report improved wellbeing"}
			if err := outcomes.AddBankOutcome(ctx, tx, bo); err != nil {
				return err
			}
			bi = &outcomes.BankIndicator{BankOutcomeID: bo.ID, Name: "WEMWBS score", Definition: "Warwick-Edinburgh", Kind: "scale", Unit: "", ScaleMin: 14, ScaleMax: 70, Frequency: "quarterly", Rollup: "mean"}
			return outcomes.AddBankIndicator(ctx, tx, bi)
		}); err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(bi.ID, 10)
		c := env.As("council@example.org")
		newPage := "/orgs/" + council.Slug + "/opportunities/new"
		c.Get(newPage).Status(t, 200).Contains(t, `name="kpi" id="kpi-`+id+`" value="`+id+`"`, "WEMWBS score")
		form := tenderForm(time.Now().AddDate(0, 1, 0))
		form.Set("action", "draft")
		form.Set("kpi", id)
		form.Set("kpi_target_"+id, strings.Repeat("x", 201))
		c.PostForm(newPage, form).Status(t, 422).Contains(t, `href="#kpi_target_`+id+`"`, `value="`+id+`" checked`).Kept(t, "", form, "action", "add")
		unknown := url.Values{}
		for k, v := range form {
			unknown[k] = v
		}
		unknown.Set("kpi_target_"+id, "A mean of 50")
		unknown["kpi"] = []string{id, strconv.FormatInt(bi.ID+1000, 10)}
		c.PostForm(newPage, unknown).Status(t, 422).Contains(t, "no longer in the outcome bank").Kept(t, "", unknown, "action", "add", "kpi")
		var n int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM opportunities`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d opportunities stored from refused forms", n)
		}
		form.Set("kpi_target_"+id, "A mean of 50 or more")
		slug := strings.TrimPrefix(c.PostForm(newPage, form).Status(t, 303).Location(), "/opportunities/")
		o, err := opportunities.Get(ctx, d.Q(), slug)
		if err != nil {
			t.Fatal(err)
		}
		if len(o.KPIs) != 1 || o.KPIs[0].BankIndicatorID != bi.ID || o.KPIs[0].Target != "A mean of 50 or more" || o.KPIs[0].Name != "WEMWBS score" {
			t.Fatalf("KPIs stored: %+v", o.KPIs)
		}
		c.Get("/opportunities/"+slug).Status(t, 200).Contains(t, "Required KPIs", "WEMWBS score", "A mean of 50 or more")
		c.Get("/orgs/"+council.Slug+"/opportunities/"+slug+"/edit").Status(t, 200).Contains(t, `value="`+id+`" checked`, `value="A mean of 50 or more"`)
	})
}
