package library

import (
	"context"
	"embed"
	"fmt"
	"slices"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/clean"
	"partnerhub/internal/db"
	"partnerhub/internal/directory"
	"partnerhub/internal/markdown"
	"partnerhub/internal/notify"
	"partnerhub/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

var london = web.London()

// timeNow is the clock (a variable for tests).
var timeNow = time.Now

// Service is the library feature.
type Service struct {
	DB  *db.DB
	Web *web.Server
}

// New returns the library feature.
func New(d *db.DB, w *web.Server) *Service {
	s := &Service{DB: d, Web: w}
	s.registerResolvers()
	return s
}

// Templates registers the feature's pages and its code labels.
func (s *Service) Templates(rd *web.Renderer) error {
	web.AddLabels(codeLabels)
	return rd.AddPages(templates, "templates", "library")
}

// Nav adds the library and news to the main navigation.
func (s *Service) Nav() []web.NavItem {
	return []web.NavItem{{Label: "Library", Href: "/library", Also: []string{"/news", "/compact"}}}
}

func (s *Service) baseURL() string {
	if s.Web == nil {
		return ""
	}
	return strings.TrimRight(s.Web.Config.BaseURL, "/")
}

func today() time.Time { return dayOf(timeNow()) }

func fieldErr(field, msg string) error {
	v := &apperr.Validation{}
	v.Add(field, msg)
	return v.Err()
}

// addMonths adds n calendar months to a date.
func addMonths(t time.Time, n int) time.Time { return t.AddDate(0, n, 0) }

// NewDocument is what the new-document form sends.
type NewDocument struct {
	Doc           Document
	OwnerEmail    string
	VerifierEmail string
	Body, Notes   string
	AdoptedOn     *time.Time
	NextReviewOn  *time.Time
}

// checkVersion validates a version's body and dates, filling the review
// date from the interval when none is given.
func checkVersion(v *apperr.Validation, kind string, months int, body string, adopted, next *time.Time) *time.Time {
	if strings.TrimSpace(body) == "" {
		v.Add("body", "Enter the text of the document")
	} else if kind == "code" {
		if msg := checkCompactBody(body); msg != "" {
			v.Add("body", msg)
		}
	}
	if adopted == nil {
		if next != nil {
			v.Add("adopted_on", "Enter the adoption date, or leave the review date empty for a draft")
		}
		return nil
	}
	if next == nil {
		t := addMonths(*adopted, months)
		return &t
	}
	if !next.After(*adopted) {
		v.Add("next_review_on", "The next review date must be after the adoption date ("+adopted.Format("2 January 2006")+")")
	}
	return next
}

// CreateDocument validates and stores a new document with its first version.
func (s *Service) CreateDocument(ctx context.Context, n *NewDocument, v *apperr.Validation, by int64) error {
	d := &n.Doc
	v.Check(slices.Contains(Kinds, d.Kind), "kind", "Choose the kind of document")
	v.Check(d.Title != "", "title", "Enter a title")
	v.Check(len(d.Title) <= 200, "title", "Title must be 200 characters or fewer")
	v.Check(d.ReviewMonths >= 1 && d.ReviewMonths <= 120, "review_months", "Review interval must be a whole number of months from 1 to 120")
	if d.Kind == "template" {
		v.Check(slices.Contains(TemplatePolicies, d.PolicyKind), "policy_kind", "Choose which standard policy this template is")
	} else {
		d.PolicyKind = ""
	}
	s.resolvePeople(ctx, v, d, n.OwnerEmail, n.VerifierEmail)
	next := checkVersion(v, d.Kind, d.ReviewMonths, n.Body, n.AdoptedOn, n.NextReviewOn)
	if d.Kind == "code" {
		if _, err := DocumentByKind(ctx, s.DB.Q(), "code"); err == nil {
			v.Add("kind", "The Compact already exists: publish a new version of it instead")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	d.Status = "draft"
	d.Slug = clean.Slug(d.Title)
	if d.Kind == "code" {
		d.Slug = "compact"
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := insertDocument(ctx, tx, d); err != nil {
			return err
		}
		ver := &Version{Body: n.Body, Notes: n.Notes, AdoptedOn: n.AdoptedOn}
		if err := insertVersion(ctx, tx, d, ver, next, by); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "library.document_create", "library_document", d.ID, d.Title)
	})
}

func (s *Service) resolvePeople(ctx context.Context, v *apperr.Validation, d *Document, owner, verifier string) {
	if strings.TrimSpace(owner) == "" {
		v.Add("owner_email", "Enter the email address of the document's owner")
	} else if id, name, err := userByEmail(ctx, s.DB.Q(), owner); err != nil || id == 0 {
		v.Add("owner_email", "No active Partnerhub account has the email address "+strings.TrimSpace(owner))
	} else {
		d.OwnerID, d.OwnerName = id, name
	}
	if strings.TrimSpace(verifier) == "" {
		d.VerifierID = 0
		return
	}
	if id, name, err := userByEmail(ctx, s.DB.Q(), verifier); err != nil || id == 0 {
		v.Add("verifier_email", "No active Partnerhub account has the email address "+strings.TrimSpace(verifier))
	} else {
		d.VerifierID, d.VerifierName = id, name
	}
}

// PublishVersion validates and stores a new version. A template's new
// adopted version tells its adopters; it returns how many organisations were told.
func (s *Service) PublishVersion(ctx context.Context, d *Document, body, notes string, adopted, nextIn *time.Time, by int64) (*Version, int, error) {
	v := &apperr.Validation{}
	next := checkVersion(v, d.Kind, d.ReviewMonths, body, adopted, nextIn)
	if err := v.Err(); err != nil {
		return nil, 0, err
	}
	ver := &Version{Body: body, Notes: notes, AdoptedOn: adopted}
	told := 0
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := insertVersion(ctx, tx, d, ver, next, by); err != nil {
			return err
		}
		if adopted != nil && d.Kind == "template" {
			n, err := s.tellAdopters(ctx, tx, d, ver)
			if err != nil {
				return err
			}
			told = n
		}
		if adopted != nil && d.Kind == "code" {
			if err := s.askToReconfirm(ctx, tx, ver); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, 0, "library.version_add", "library_document", d.ID, fmt.Sprintf("%s version %d", d.Title, ver.Version))
	})
	return ver, told, err
}

func (s *Service) tellAdopters(ctx context.Context, tx *db.Tx, d *Document, ver *Version) (int, error) {
	ads, err := adoptersOf(ctx, tx, d.ID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range ads {
		body := fmt.Sprintf("Hello,\n\nVersion %d of the town's %s template, which %s adopted (version %d), was adopted on %s.\n\nSee what changed and adopt the new version:\n%s/library/%s/diff?from=%d&to=%d\n",
			ver.Version, d.Title, a.OrgName, a.Version, ver.AdoptedOn.Format("2 January 2006"), s.baseURL(), d.Slug, a.Version, ver.Version)
		told, err := notify.TellOrgEditors(ctx, tx, s.baseURL(), a.OrgID, notify.Notice{Kind: "library_template",
			Key: fmt.Sprintf("template-%d-v%d-org-%d", d.ID, ver.Version, a.OrgID), Subject: "New version of the " + d.Title + " template", Text: body,
			Why: "You get these emails as an owner or editor of " + a.OrgName + ", which adopted this template."})
		if err != nil {
			return n, err
		}
		if told > 0 {
			n++
		}
	}
	return n, nil
}

// askToReconfirm tells each signatory's owners that a new version of the
// Compact asks them to confirm their signature.
func (s *Service) askToReconfirm(ctx context.Context, tx *db.Tx, ver *Version) error {
	orgs, err := db.Column[int64](ctx, tx, `SELECT DISTINCT organisation_id FROM compact_signatures WHERE version < $1`, ver.Version)
	if err != nil {
		return err
	}
	people, err := notify.OrgEditors(ctx, tx, orgs...)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		body := fmt.Sprintf("Hello,\n\nVersion %d of the Blackpool Compact was adopted on %s. Your organisation signed an earlier version: please read what changed and confirm your signature:\n%s/compact\n",
			ver.Version, ver.AdoptedOn.Format("2 January 2006"), s.baseURL())
		if _, err := notify.TellEach(ctx, tx, s.baseURL(), people[o], notify.Notice{Kind: "library_compact", Key: fmt.Sprintf("compact-v%d-org-%d", ver.Version, o),
			Subject: "The Compact has a new version: please confirm your signature", Text: body,
			Why: "You get these emails as an owner or editor of an organisation that signed the Compact."}); err != nil {
			return err
		}
	}
	return nil
}

// SaveSettings validates and saves a document's settings.
func (s *Service) SaveSettings(ctx context.Context, d *Document, owner, verifier string, v *apperr.Validation) error {
	v.Check(d.Title != "", "title", "Enter a title")
	v.Check(slices.Contains(Statuses, d.Status), "status", "Choose a status")
	v.Check(d.ReviewMonths >= 1 && d.ReviewMonths <= 120, "review_months", "Review interval must be a whole number of months from 1 to 120")
	s.resolvePeople(ctx, v, d, owner, verifier)
	if d.Status == "adopted" && d.InForce(today()) == nil && slices.IndexFunc(d.Versions, func(x Version) bool { return x.AdoptedOn != nil }) < 0 {
		v.Add("status", "A document with no adopted version cannot be adopted: publish a version with an adoption date")
	}
	if d.NextReviewOn != nil {
		if in := d.InForce(today()); in != nil && !d.NextReviewOn.After(*in.AdoptedOn) {
			v.Add("review_due_on", "The next review date must be after the adoption date ("+in.AdoptedOn.Format("2 January 2006")+")")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := updateSettings(ctx, tx, d); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "library.document_settings", "library_document", d.ID, d.Title+": "+d.Status)
	})
}

// AddComment stores a consultation comment.
func (s *Service) AddComment(ctx context.Context, d *Document, body string, by int64) error {
	if d.Status != "consultation" {
		return fieldErr("comment", "This document is not in consultation, so it takes no comments now")
	}
	if strings.TrimSpace(body) == "" {
		return fieldErr("comment", "Enter your comment")
	}
	if len(body) > 10000 {
		return fieldErr("comment", "Your comment must be 10,000 characters or fewer")
	}
	ver := d.Latest()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO library_comments (document_id, version, user_id, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			d.ID, ver.Version, by, body, db.Now()).Scan(&id); err != nil {
			return err
		}
		if d.OwnerEmail != "" {
			if _, err := notify.Send(ctx, tx, s.baseURL(), notify.Notice{To: d.OwnerEmail, Kind: "library_comment", Subject: "New consultation comment on " + d.Title,
				Text: "Hello,\n\nSomeone commented on the draft of " + d.Title + ". Read it and record how it was handled:\n" + s.baseURL() + "/library/" + d.Slug + "/comments\n",
				Why:  "You get these emails as the owner of " + d.Title + "."}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, 0, "library.comment_add", "library_comment", id, d.Title)
	})
}

// HandleComment records how a comment was handled.
func (s *Service) HandleComment(ctx context.Context, d *Document, id int64, outcome, response string) error {
	v := &apperr.Validation{}
	v.Check(slices.Contains(Outcomes, outcome), fmt.Sprintf("outcome-%d", id), "Choose how the comment was handled")
	v.Check(strings.TrimSpace(response) != "", fmt.Sprintf("response-%d", id), "Say how the comment was handled")
	if err := v.Err(); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE library_comments SET outcome = $1, response = $2, handled_at = $3 WHERE id = $4 AND document_id = $5`, outcome, response, db.Now(), id, d.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("comment")
		}
		return audit.Record(ctx, tx, 0, "library.comment_handle", "library_comment", id, outcome)
	})
}

// ---- the Compact ----

// Sign records an organisation's signature of the Compact's version in force.
func (s *Service) Sign(ctx context.Context, org int64, signatory string, by int64) (int, error) {
	c, err := DocumentByKind(ctx, s.DB.Q(), "code")
	if err != nil {
		return 0, err
	}
	cur := c.InForce(today())
	if cur == nil {
		return 0, fieldErr("signatory", "The Compact has no version in force to sign yet")
	}
	if strings.TrimSpace(signatory) == "" {
		return 0, fieldErr("signatory", "Enter the name and role of the person signing for the organisation")
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		have, err := signedVersion(ctx, tx, org)
		if err != nil {
			return err
		}
		if have >= cur.Version {
			return fieldErr("signatory", fmt.Sprintf("This organisation has already signed version %d of the Compact", cur.Version))
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO compact_signatures (organisation_id, version, signed_on, signed_by, signatory, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
			org, cur.Version, today(), db.NullID(by), signatory, db.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fieldErr("signatory", fmt.Sprintf("This organisation has already signed version %d of the Compact", cur.Version))
		}
		return audit.Record(ctx, tx, org, "library.compact_sign", "organisation", org, fmt.Sprintf("version %d", cur.Version))
	})
	return cur.Version, err
}

// NewDispute is what the raise-a-concern form sends.
type NewDispute struct {
	RaisedBy, Against int64
	Commitments       string
	Subject, About    string
}

// RaiseDispute validates and records a dispute.
func (s *Service) RaiseDispute(ctx context.Context, n *NewDispute, by int64) (int64, error) {
	v := &apperr.Validation{}
	c, err := DocumentByKind(ctx, s.DB.Q(), "code")
	if err != nil {
		return 0, err
	}
	var nums []string
	if cur := c.Shown(today()); cur != nil {
		known := commitmentNumbers(ParseCompact(cur.Body))
		for _, f := range strings.FieldsFunc(n.Commitments, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
			if !known[f] {
				v.Add("commitments", "There is no commitment "+f+" in the Compact: give numbers such as 2.3, separated by commas")
				break
			}
			if !slices.Contains(nums, f) {
				nums = append(nums, f)
			}
		}
	}
	if len(nums) == 0 && !v.Has("commitments") {
		v.Add("commitments", "Name the commitments you believe were breached, for example 2.3, 4.1")
	}
	v.Check(strings.TrimSpace(n.Subject) != "", "subject", "Describe what happened")
	if n.Against == 0 {
		v.Add("against", "Choose the organisation the concern is about")
	} else if n.Against == n.RaisedBy {
		v.Add("against", "An organisation cannot raise a concern about itself")
	} else if sv, err := signedVersion(ctx, s.DB.Q(), n.Against); err != nil {
		return 0, err
	} else if sv == 0 {
		v.Add("against", "That organisation has not signed the Compact, so a concern under it cannot be raised against it")
	}
	if sv, err := signedVersion(ctx, s.DB.Q(), n.RaisedBy); err != nil {
		return 0, err
	} else if sv == 0 {
		v.Add("against", "Your organisation must sign the Compact before it can raise a concern under it")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		t := today()
		if err := tx.QueryRowContext(ctx, `INSERT INTO compact_disputes (raised_by, against, commitments, subject, about, stage, raised_on, stage_since, created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'raised', $6, $6, $7, $8) RETURNING id`,
			n.RaisedBy, n.Against, strings.Join(nums, ", "), n.Subject, n.About, t, db.NullID(by), db.Now()).Scan(&id); err != nil {
			return err
		}
		if err := insertStep(ctx, tx, id, Step{Stage: "raised", On: t, Note: n.Subject}, by); err != nil {
			return err
		}
		if _, err := notify.TellOrgEditors(ctx, tx, s.baseURL(), n.Against, notify.Notice{Kind: "library_dispute", Key: fmt.Sprintf("dispute-%d-raised", id),
			Subject: "A concern under the Compact was raised about your organisation",
			Text:    "Hello,\n\nAn organisation raised a concern that your organisation did not keep commitments " + strings.Join(nums, ", ") + " of the Compact. Read it and respond:\n" + s.baseURL() + fmt.Sprintf("/compact/disputes/%d", id) + "\n",
			Why:     "You get these emails as an owner or editor of an organisation that signed the Compact."}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, n.RaisedBy, "library.dispute_raise", "compact_dispute", id, "against organisation "+fmt.Sprint(n.Against))
	})
	return id, err
}

// MoveDispute moves a dispute to a later stage (or adds a note when stage
// is its current one), dated on.
func (s *Service) MoveDispute(ctx context.Context, d *Dispute, stage, note string, on *time.Time, by int64) error {
	v := &apperr.Validation{}
	if stage != d.Stage && !slices.Contains(d.NextStages(), stage) {
		v.Add("stage", "Choose a later stage: a dispute moves forward only")
	}
	if on == nil {
		t := today()
		on = &t
	} else if on.Before(d.StageSince) {
		v.Add("on", "The date cannot be before the current stage began ("+d.StageSince.Format("2 January 2006")+")")
	} else if on.After(today()) {
		v.Add("on", "The date cannot be in the future")
	}
	if stage == d.Stage && strings.TrimSpace(note) == "" {
		v.Add("note", "Write a note, or choose the next stage")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		if stage != d.Stage {
			var resolved any
			informal := false
			if stage == "resolved" {
				resolved = *on
				informal = !slices.ContainsFunc(d.Steps, func(s Step) bool { return s.Stage == "mediation" })
			}
			res, err := tx.ExecContext(ctx, `UPDATE compact_disputes SET stage = $1, stage_since = $2, resolved_on = COALESCE($3, resolved_on), informal = $4 WHERE id = $5 AND stage = $6`,
				stage, *on, resolved, informal || d.Informal, d.ID, d.Stage)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return apperr.Errorf(apperr.ECONFLICT, "Someone else moved this dispute on meanwhile: reload the page")
			}
		}
		if err := insertStep(ctx, tx, d.ID, Step{Stage: stage, On: *on, Note: note}, by); err != nil {
			return err
		}
		return audit.Record(ctx, tx, d.RaisedBy, "library.dispute_stage", "compact_dispute", d.ID, stage)
	})
}

// ---- templates ----

// Adopt records a template in an organisation's policy record and, for a
// directory policy kind, its review date on the organisation's profile.
func (s *Service) Adopt(ctx context.Context, d *Document, org int64, adopted, next *time.Time, by int64) (*Adoption, error) {
	v := &apperr.Validation{}
	if d.Kind != "template" {
		return nil, apperr.NotFound("template")
	}
	in := d.InForce(today())
	if in == nil {
		v.Add("org", "This template has no adopted version to adopt yet")
	}
	if adopted == nil {
		t := today()
		adopted = &t
	} else if adopted.After(today()) {
		v.Add("adopted_on", "The adoption date cannot be in the future")
	}
	if next == nil {
		t := addMonths(*adopted, d.ReviewMonths)
		next = &t
	} else if !next.After(*adopted) {
		v.Add("next_review_on", "The next review date must be after the adoption date ("+adopted.Format("2 January 2006")+")")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM library_adoptions WHERE organisation_id = $1 AND document_id = $2`, org, d.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO library_adoptions (organisation_id, document_id, version, adopted_on, next_review_on, adopted_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			org, d.ID, in.Version, *adopted, *next, db.NullID(by), db.Now()); err != nil {
			return err
		}
		if slices.Contains(directory.PolicyKinds, d.PolicyKind) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM org_policies WHERE organisation_id = $1 AND kind = $2`, org, d.PolicyKind); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO org_policies (organisation_id, kind, review_date) VALUES ($1, $2, $3)`, org, d.PolicyKind, *next); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, org, "library.template_adopt", "library_document", d.ID, fmt.Sprintf("%s version %d, review %s", d.Title, in.Version, next.Format(time.DateOnly)))
	})
	if err != nil {
		return nil, err
	}
	return &Adoption{OrgID: org, DocID: d.ID, Title: d.Title, Version: in.Version, AdoptedOn: *adopted, NextReviewOn: *next}, nil
}

// ---- news ----

// checkArticle checks an article before it is stored: headline, body,
// category, the image's description, and that the records it is about
// exist. It adds to v and returns v.Err().
func checkArticle(ctx context.Context, q db.Querier, a *Article, v *apperr.Validation) error {
	v.Check(a.Title != "", "title", "Enter a headline")
	v.Check(len(a.Title) <= 200, "title", "Headline must be 200 characters or fewer")
	v.Check(strings.TrimSpace(a.Body) != "", "body", "Enter the article")
	v.Check(slices.Contains(Categories, a.Category), "category", "Choose a category")
	if a.ImageName != "" && strings.TrimSpace(a.ImageAlt) == "" {
		v.Add("image_alt", "Describe the lead image for people who cannot see it")
	}
	for _, c := range []struct {
		id           int64
		table, field string
	}{{a.PartnershipID, "partnerships", "partnership_id"}, {a.EventID, "events", "event_id"}, {a.OpportunityID, "opportunities", "opportunity_id"}} {
		if c.id != 0 && !v.Has(c.field) {
			ok, err := existsID(ctx, q, c.table, c.id)
			if err != nil {
				return err
			}
			v.Check(ok, c.field, fmt.Sprintf("There is no record with the number %d", c.id))
		}
	}
	return v.Err()
}

// PublishArticle validates and stores an article.
func (s *Service) PublishArticle(ctx context.Context, a *Article, v *apperr.Validation, by int64) error {
	if err := checkArticle(ctx, s.DB.Q(), a, v); err != nil {
		return err
	}
	if a.Summary == "" {
		a.Summary = markdown.Plain(a.Body)
		if r := []rune(a.Summary); len(r) > 240 {
			a.Summary = string(r[:240]) + "…"
		}
	}
	if a.PublishedAt.IsZero() {
		a.PublishedAt = db.Now()
	}
	a.Slug = clean.Slug(a.Title)
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := insertArticle(ctx, tx, a, by); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "library.article_publish", "news_article", a.ID, a.Title)
	})
}
