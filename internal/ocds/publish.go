package ocds

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/opportunities"
)

// importingKey marks a context in which the importer writes opportunities:
// the importer keeps the publisher's own releases, so the hook adds none.
type importingKey struct{}

// NoticeOf maps an opportunity to the neutral Notice releases are written
// from; buyerIDs are the buyer's org-id identifiers.
func NoticeOf(o *opportunities.Opportunity, buyerIDs []string) *Notice {
	n := &Notice{
		OCID: o.OCID, Kind: o.Kind, Status: o.Status, Title: o.Title, Description: o.Description,
		Buyer:    Org{Name: o.BuyerName, Identifiers: buyerIDs},
		Contact:  Contact{Name: o.ContactName, Email: o.ContactEmail},
		ValueMin: o.ValueMin, ValueMax: o.ValueMax, Currency: o.Currency,
		PublishedAt: o.PublishedAt, QuestionsCloseAt: o.QuestionsCloseAt, EOIDeadline: o.EOIDeadline,
		SubmissionDeadline: o.SubmissionDeadline, AwardExpected: o.AwardExpected,
		ContractStart: o.ContractStart, ContractEnd: o.ContractEnd,
		Procedure: o.Procedure, CPVCodes: o.CPVCodes,
		SuitableSME: o.SuitableSME, SuitableVCSE: o.SuitableVCSE, ReservedVCSE: o.ReservedVCSE,
		SourceURL: o.SourceURL,
	}
	for _, l := range o.Lots {
		n.Lots = append(n.Lots, NoticeLot{ID: strconv.Itoa(l.Position), Title: l.Title, Description: l.Description, Value: l.Value})
	}
	return n
}

// actionTags are the tags of a release written after the first, by the
// store's action.
func actionTags(n *Notice, action string) []string {
	switch action {
	case "cancel":
		return []string{"tenderCancellation"}
	case "award":
		return []string{"award"}
	case "close":
		return []string{"tenderUpdate"}
	case "publish":
		if n.Kind == "pipeline" || n.Kind == "consultation" {
			return []string{"planningUpdate"}
		}
		return []string{"tender"}
	}
	return Tags(n, false)
}

// Publish is the opportunities store's hook (New registers it): every
// change to a published opportunity adds an immutable release, in the
// same transaction, dated c.At (after the process's last release). Drafts
// publish nothing; the importer's own writes are skipped (it stores the
// publisher's releases instead). The demo calls it to write a history.
func Publish(ctx context.Context, tx *db.Tx, c opportunities.Change) error {
	return publish(ctx, tx, c, nil)
}

// A Section adds a feature's part to a release before it is stored, in
// the same transaction: the bids feature adds bids.details and
// bids.statistics, and the awards with their suppliers and related bids.
// o is the opportunity the release is about.
type Section func(ctx context.Context, q db.Querier, o *opportunities.Opportunity, r *ReleaseDoc) error

// AddSection registers f for every release the service publishes (call
// at start-up).
func (s *Service) AddSection(f Section) { s.sections = append(s.sections, f) }

func (s *Service) publish(ctx context.Context, tx *db.Tx, c opportunities.Change) error {
	return publish(ctx, tx, c, s.sections)
}

func publish(ctx context.Context, tx *db.Tx, c opportunities.Change, sections []Section) error {
	if ctx.Value(importingKey{}) != nil {
		return nil
	}
	o := c.After
	if o == nil || !o.Published() {
		return nil
	}
	ids, err := identifiersOf(ctx, tx, o.BuyerID)
	if err != nil {
		return err
	}
	n := NoticeOf(o, ids)
	prev, err := ReleasesFor(ctx, tx, o.OCID)
	if err != nil {
		return err
	}
	tags := Tags(n, true)
	if len(prev) > 0 {
		tags = actionTags(n, c.Action)
	}
	date := c.At.UTC().Truncate(time.Second)
	// Releases are merged in date order, so each is dated after the one
	// before (two changes in one second are a second apart).
	if len(prev) > 0 {
		if last := prev[len(prev)-1].Date; !date.After(last) {
			date = last.Add(time.Second)
		}
	}
	id := fmt.Sprintf("%s-%04d", o.OCID, len(prev)+1)
	rel := Release(n, id, date, tags)
	if len(prev) > 0 && c.Summary != "" {
		rel.Tender.Amendments = []Amendment{{ID: ID(id), Date: rel.Date, Rationale: c.Summary, ReleaseID: ID(id)}}
	}
	for _, f := range sections {
		if err := f(ctx, tx, o, rel); err != nil {
			return err
		}
	}
	b, err := json.Marshal(rel)
	if err != nil {
		return err
	}
	return insertRelease(ctx, tx, &Stored{OCID: o.OCID, ReleaseID: id, Date: date, Tags: tags, Source: SourcePartnerhub, JSON: b})
}
