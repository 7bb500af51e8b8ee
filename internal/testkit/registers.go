package testkit

import (
	"context"
	"fmt"
	"strings"

	"partnerhub/internal/directory"
)

// registersDemo refreshes the demo town from a small Charity Commission
// extract naming two of its organisations typed in without an
// identifier: nothing is created, and the two are proposed as matches
// for an administrator (/admin/registers/matches).
func registersDemo(ctx context.Context, t *Town) error {
	rows, err := t.DB.Q().QueryContext(ctx, `SELECT o.name, COALESCE(p.postcode, '') FROM organisations o JOIN org_profiles p ON p.organisation_id = o.id
		WHERE o.sector = 'vcs' AND p.postcode <> '' AND NOT EXISTS (SELECT 1 FROM org_identifiers i WHERE i.organisation_id = o.id) ORDER BY o.id LIMIT 2`)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("\ufeffdate_of_extract\tregistered_charity_number\tlinked_charity_number\tcharity_name\tcharity_registration_status\tcharity_contact_postcode\r\n")
	n := 0
	for rows.Next() {
		var name, pc string
		if err := rows.Scan(&name, &pc); err != nil {
			rows.Close()
			return err
		}
		n++
		fmt.Fprintf(&b, "2026-11-30 00:00:00\t%d\t0\t%s\tRegistered\t%s\r\n", 1200000+n, strings.ToUpper(name), pc)
	}
	rows.Close()
	if err := rows.Err(); err != nil || n == 0 {
		return err
	}
	rep, err := directory.ImportCharities(ctx, t.DB, strings.NewReader(b.String()), directory.RegisterOptions{})
	if err != nil {
		return fmt.Errorf("demo register refresh: %w", err)
	}
	if rep.Created != 0 {
		return fmt.Errorf("demo register refresh created %d organisations", rep.Created)
	}
	t.Result.Counts["register matches proposed"] = n
	return nil
}
