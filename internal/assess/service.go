package assess

import (
	"context"
	"embed"
	"net/http"
	"partnerhub/internal/accounts"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/jobs"
	"partnerhub/internal/web"
)

// Service is the assess feature: one assessment engine with three
// instruments (the Consortia Quality Mark, commissioning readiness and the
// partnership health check).
type Service struct {
	DB  *db.DB
	Web *web.Server
	// Now is the clock (tests may replace it).
	Now func() time.Time
}

// New returns the assess feature.
func New(d *db.DB, w *web.Server) *Service {
	s := &Service{DB: d, Web: w, Now: db.Now}
	s.registerResolvers()
	return s
}

//go:embed templates/*.html
var templates embed.FS

// Templates registers the feature's pages and, at start-up, publishes the
// embedded instruments on a database that has none yet.
func (s *Service) Templates(rd *web.Renderer) error {
	if err := rd.AddLabels("assess", labels); err != nil {
		return err
	}
	if err := EnsureInstruments(context.Background(), s.DB); err != nil {
		return err
	}
	return rd.AddPages(templates, "templates", "assess")
}

// Nav adds the Assessments hub to the main navigation.
func (s *Service) Nav() []web.NavItem {
	return []web.NavItem{{Label: "Assessments", Href: "/assessments"}}
}

// Jobs are the feature's scheduled reminders.
func (s *Service) Jobs() []jobs.Job {
	return []jobs.Job{{Name: "assess-reminders", Every: 6 * time.Hour, Run: func(ctx context.Context) error {
		_, err := RunReminders(ctx, s.DB, s.Now(), s.Web.Config.BaseURL)
		return err
	}}}
}

// Routes is the feature's part of the route table.
func (s *Service) Routes() []web.Route {
	return append([]web.Route{
		web.Get("/quality-mark", web.Public, s.qualityMark),
		web.Get("/quality-mark/apply", web.SignedIn, s.startForm(KeyQualityMark)),
		web.Post("/quality-mark/apply", web.SignedIn, s.start(KeyQualityMark)),
		web.Get("/readiness", web.Public, s.readiness),
		web.Post("/readiness/start", web.SignedIn, s.start(KeyReadiness)),
		web.Get("/assessments", web.SignedIn, s.hub),
		web.Get("/assessments/{id}", seeAssessment, s.overview),
		web.Get("/assessments/{id}/areas/{area}", seeAssessment, s.areaForm),
		web.Post("/assessments/{id}/areas/{area}", seeAssessment, s.areaSave),
		web.Post("/assessments/{id}/evidence", seeAssessment, s.evidenceUpload),
		web.Post("/assessments/{id}/evidence/link", seeAssessment, s.evidenceLink),
		web.Get("/assessments/{id}/evidence/{eid}", seeAssessment, s.evidenceDownload),
		web.Get("/assessments/{id}/evidence/{eid}/delete", seeAssessment, s.evidenceDeleteForm),
		web.Post("/assessments/{id}/evidence/{eid}/delete", seeAssessment, s.evidenceDelete),
		web.Post("/assessments/{id}/contributors", seeAssessment, s.invite),
		web.Get("/assessments/{id}/submit", seeAssessment, s.submitForm),
		web.Post("/assessments/{id}/submit", seeAssessment, s.submit),
		web.Get("/assessments/{id}/withdraw", seeAssessment, s.withdrawForm),
		web.Post("/assessments/{id}/withdraw", seeAssessment, s.withdraw),
		web.Get("/assessments/{id}/results", seeAssessment, s.results),
		web.Post("/assessments/{id}/actions", seeAssessment, s.actionAdd),
		web.Post("/assessments/{id}/actions/from-gaps", seeAssessment, s.actionsFromGaps),
		web.Post("/assessments/{id}/actions/{aid}", seeAssessment, s.actionUpdate),
		web.Get("/assessments/{id}/history", seeAssessment, s.history),
		web.Post("/assessments/{id}/reviewer", web.Admin, s.assignReviewer),
		web.Get("/assessments/{id}/review", seeAssessment, s.review),
		web.Get("/assessments/{id}/review/{area}", seeAssessment, s.reviewAreaForm),
		web.Post("/assessments/{id}/review/{area}", seeAssessment, s.reviewAreaSave),
		web.Post("/assessments/{id}/more-evidence", seeAssessment, s.moreEvidence),
		web.Post("/assessments/{id}/decision", seeAssessment, s.decide),
		web.Get("/review", web.SignedIn, s.reviewList),
		web.Get("/admin/frameworks", web.Admin, s.frameworks),
		web.Post("/admin/frameworks/import", web.Admin, s.frameworkImport),
		web.Get("/admin/frameworks/{fid}", web.Admin, s.framework),
		web.Get("/admin/frameworks/{fid}/export", web.Admin, s.frameworkExport),
		web.Post("/admin/frameworks/{fid}", web.Admin, s.frameworkSave),
		web.Post("/admin/frameworks/{fid}/new-version", web.Admin, s.frameworkNewVersion),
		web.Post("/admin/frameworks/{fid}/publish", web.Admin, s.frameworkPublish),
		web.Get("/admin/assessors", web.Admin, s.assessors),
		web.Post("/admin/assessors", web.Admin, s.assessorAdd),
		web.Get("/admin/assessors/{uid}/remove", web.Admin, s.assessorRemoveForm),
		web.Post("/admin/assessors/{uid}/remove", web.Admin, s.assessorRemove),
		web.Get("/health-checks", web.SignedIn, s.hcList),
		web.Post("/health-checks", web.SignedIn, s.hcOpen),
		web.Get("/health-checks/{rid}", seeRound, s.hcRound),
		web.Post("/health-checks/{rid}/respond", seeRound, s.hcRespond),
		web.Get("/health-checks/{rid}/close", leadRound, s.hcCloseForm),
		web.Post("/health-checks/{rid}/close", leadRound, s.hcClose),
	}, append(s.frameworkEditRoutes(), s.invitationRoutes()...)...)
}

// view is an assessment as the caller may see it.
type view struct {
	A  *Assessment
	FW *FrameworkRow
	Ac Access
}

// load is the assessment of a route with the "assessment" policy
// (policy.go), which let the caller through because they may see it.
// Anyone else gets the same 404 as for a missing assessment.
func (s *Service) load(r *http.Request) (*view, error) {
	if v, ok := web.ObjectFrom(r.Context()).(*view); ok {
		return v, nil
	}
	// A route with another policy (assigning a reviewer is for admins).
	o, err := s.resolveAssessment(r)
	if err != nil {
		return nil, err
	}
	if v := o.Value.(*view); v.Ac.Sees() {
		return v, nil
	}
	return nil, apperr.NotFound("assessment")
}

// needEdit refuses changes by anyone but contributors of an open assessment.
func (v *view) needEdit() error {
	if !v.Ac.Contributor {
		return apperr.Errorf(apperr.EFORBIDDEN, "Only contributors can change this assessment")
	}
	if !v.A.Editable() {
		return apperr.Errorf(apperr.ECONFLICT, "This assessment has been submitted and cannot be changed")
	}
	return nil
}

// loadEditable loads the assessment in the path for a contributor who may
// still change it (see load and needEdit).
func (s *Service) loadEditable(r *http.Request) (*view, error) {
	v, err := s.load(r)
	if err != nil {
		return nil, err
	}
	if err := v.needEdit(); err != nil {
		return nil, err
	}
	return v, nil
}

// saveForm runs write in one transaction. Invalid input goes back to the
// page with its messages (rerender, which answers 422); any other error is
// returned; success redirects to url with the flash msg.
func (s *Service) saveForm(w http.ResponseWriter, r *http.Request, write func(ctx context.Context, tx *db.Tx) error, rerender func(err error) error, url, msg string) error {
	ctx := r.Context()
	err := s.DB.Write(ctx, func(tx *db.Tx) error { return write(ctx, tx) })
	if apperr.Is(err, apperr.EINVALID) {
		return rerender(err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, url, msg)
}

func (s *Service) uploadDir() string { return s.Web.Config.UploadDir() }

// labels are the assessment feature's words for its codes.
var labels = map[string]string{
	"draft": "In progress", "submitted": "Awaiting review", "more_evidence": "More evidence needed", "decided": "Decided", "withdrawn": "Withdrawn",
	"awarded": "Awarded", "awarded_with_conditions": "Awarded with conditions", "not_yet": "Not yet", "ready": "Ready", "nearly_ready": "Nearly ready",
	"open": "Open", "in_progress": "In progress", "done": "Done", "published": "Published", "superseded": "Superseded",
	"quality_mark": "Consortia Quality Mark", "readiness": "Commissioning readiness", "health_check": "Partnership health check", "custom": "Other assessment",
	"agree": "Partners agree", "mixed": "Some difference of view", "disagree": "Partners disagree",
	"start": "Started", "invite": "Contributor added", "answer": "Answers saved", "submit": "Submitted", "decide": "Decision recorded", "award": "Result counts",
	"assign_reviewer": "Reviewer appointed", "request_evidence": "More evidence requested", "review.rate": "Reviewer ratings saved", "withdraw": "Withdrawn",
	"evidence.add": "Evidence file added", "evidence.link": "Evidence linked", "evidence.remove": "Evidence removed", "action.add": "Action added",
	"action.update": "Action updated", "reminder": "Reminder sent",
	"invite_email": "Contributor invited by email", "invite_accept": "Invitation accepted",
}

// label is the assessment feature's words for a code.
func label(code string) string {
	if l, ok := labels[code]; ok {
		return l
	}
	return accounts.Label(code)
}
