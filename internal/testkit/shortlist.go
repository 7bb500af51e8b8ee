package testkit

import (
	"context"

	"partnerhub/internal/db"
	"partnerhub/internal/directory"
)

// shortlistDemo gives Blackpool Advocacy a shortlist of possible partners
// (directory.AddToShortlist): the first three other voluntary-sector
// organisations of the town, noted by its owner. It draws nothing from the
// town's random stream, so the steps after it generate as before.
func shortlistDemo(ctx context.Context, t *Town) error {
	mine, ok := t.ByName["Blackpool Advocacy"]
	owner := t.Users["owner@demo.partnerhub.test"]
	if !ok || owner == nil {
		return nil
	}
	notes := []string{"Met at the networking breakfast: interested in a joint bid.", "", "Strong in the wards we do not cover."}
	return t.DB.Write(ctx, func(tx *db.Tx) error {
		n := 0
		for _, o := range t.Orgs {
			if n == len(notes) {
				break
			}
			if o.ID == mine.ID || o.Sector != "vcs" {
				continue
			}
			if _, err := directory.AddToShortlist(ctx, tx, mine.ID, o.ID, notes[n], owner.ID); err != nil {
				return err
			}
			n++
		}
		t.Result.Counts["shortlist entries"] = n
		return nil
	})
}
