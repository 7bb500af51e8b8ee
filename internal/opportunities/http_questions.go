package opportunities

// Pages of clarification questions, following and "not relevant".

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/notify"
	"partnerhub/internal/web"
)

// QuestionKind is the notice kind of published answers and "you said, we
// did" summaries sent to an opportunity's followers.
const QuestionKind = "opportunity_update"

// engageRoutes are the routes of questions, consultations and alerts.
func (s *Service) engageRoutes() []web.Route {
	editor := web.OrgRole(web.RoleEditor)
	return []web.Route{
		web.Get("/opportunities/{opp}/questions", web.Public, s.questionsPage),
		web.Post("/opportunities/{opp}/questions", web.SignedIn, s.ask),
		web.Post("/opportunities/{opp}/follow", web.SignedIn, s.follow),
		web.Post("/opportunities/{opp}/not-relevant", web.SignedIn, s.notRelevant),
		web.Get("/orgs/{org}/opportunities/{opp}/questions/{qid}/answer", editor, s.answerForm),
		web.Post("/orgs/{org}/opportunities/{opp}/questions/{qid}/answer", editor, s.answer),

		web.Get("/opportunities/{opp}/consultation", web.Public, s.consultationPage),
		web.Post("/opportunities/{opp}/consultation", web.SignedIn, s.respond),
		web.Get("/orgs/{org}/opportunities/{opp}/questionnaire", editor, s.questionnaire),
		web.Post("/orgs/{org}/opportunities/{opp}/questionnaire", editor, s.addQuestion),
		web.Post("/orgs/{org}/opportunities/{opp}/questionnaire/reason", editor, s.saveShortReason),
		web.Get("/orgs/{org}/opportunities/{opp}/questionnaire/{qid}/edit", editor, s.editQuestionForm),
		web.Post("/orgs/{org}/opportunities/{opp}/questionnaire/{qid}/edit", editor, s.editQuestion),
		web.Get("/orgs/{org}/opportunities/{opp}/questionnaire/{qid}/delete", editor, s.deleteQuestionConfirm),
		web.Post("/orgs/{org}/opportunities/{opp}/questionnaire/{qid}/delete", editor, s.deleteQuestion),
		web.Get("/orgs/{org}/opportunities/{opp}/responses", editor, s.responses),
		web.Get("/orgs/{org}/opportunities/{opp}/you-said", editor, s.youSaidForm),
		web.Post("/orgs/{org}/opportunities/{opp}/you-said", editor, s.publishYouSaid),

		web.Get("/alerts", web.SignedIn, s.alertsPage),
		web.Get("/alerts/new", web.SignedIn, s.alertNewForm),
		web.Post("/alerts/new", web.SignedIn, s.alertCreate),
		web.Get("/alerts/{id}/edit", web.SignedIn, s.alertEditForm),
		web.Post("/alerts/{id}/edit", web.SignedIn, s.alertUpdate),
		web.Get("/alerts/{id}/delete", web.SignedIn, s.alertDeleteConfirm),
		web.Post("/alerts/{id}/delete", web.SignedIn, s.alertDelete),
		web.Get("/orgs/{org}/opportunity-alerts", web.OrgRole(web.RoleOwner), s.orgAlertForm),
		web.Post("/orgs/{org}/opportunity-alerts", web.OrgRole(web.RoleOwner), s.orgAlertSave),
		web.Get("/admin/opportunities/settings", web.Admin, s.adminSettings),
		web.Post("/admin/opportunities/settings", web.Admin, s.adminSettingsSave),
	}
}

// seenOpp is the opportunity {opp} as the caller may see it: published,
// or a draft to its buyer's editors; anything else is missing.
func (s *Service) seenOpp(r *http.Request) (*Opportunity, error) {
	o, err := Get(r.Context(), s.DB.Q(), r.PathValue("opp"))
	if err != nil {
		return nil, err
	}
	if !o.Published() && !web.IdentityFrom(r.Context()).Can(o.BuyerID, web.RoleEditor) {
		return nil, apperr.NotFound("opportunity")
	}
	return o, nil
}

// buyersOpp is the opportunity {opp} of the buyer {org} (the route's
// policy checked the caller is its editor); another's is missing.
func (s *Service) buyersOpp(r *http.Request) (*Opportunity, error) {
	o, err := Get(r.Context(), s.DB.Q(), r.PathValue("opp"))
	if err != nil {
		return nil, err
	}
	if o.BuyerID != web.OrgFrom(r.Context()) {
		return nil, apperr.NotFound("opportunity")
	}
	return o, nil
}

func oppURL(o *Opportunity) string { return "/opportunities/" + o.Slug }

func buyerURL(o *Opportunity) string { return "/orgs/" + o.BuyerSlug + "/opportunities/" + o.Slug }

func (s *Service) questionsPage(w http.ResponseWriter, r *http.Request) error {
	o, err := s.seenOpp(r)
	if err != nil {
		return err
	}
	return s.renderQuestions(w, r, o, http.StatusOK, nil)
}

// renderQuestions shows the questions page: published questions and
// answers to everyone; the caller's organisations' own questions; every
// question, with who asked, to the buyer's editors.
func (s *Service) renderQuestions(w http.ResponseWriter, r *http.Request, o *Opportunity, status int, formErr error) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	buyer := id.Can(o.BuyerID, web.RoleEditor)
	asAs := accounts.EditableOrgs(r, s.DB.Q(), o.BuyerID)
	f := ClarificationFilter{OpportunityID: o.ID, PublishedOnly: !buyer}
	if !buyer {
		for _, x := range asAs {
			f.OrgIDs = append(f.OrgIDs, x.ID)
		}
	}
	qs, err := Clarifications(ctx, s.DB.Q(), f)
	if err != nil {
		return err
	}
	mine := map[int64]bool{}
	for _, x := range asAs {
		mine[x.ID] = true
	}
	data := questionsView{View: web.View{Title: "Questions about " + o.Title, Err: formErr}, O: o, Questions: qs, Buyer: buyer, AskAs: asAs, Mine: mine,
		Open: o.QuestionsOpenAt(s.Now())}
	if formErr != nil {
		data.Form = r.PostForm
	}
	if id != nil {
		if data.Following, err = Follows(ctx, s.DB.Q(), o.ID, id.UserID); err != nil {
			return err
		}
	}
	return s.Web.Render(w, r, status, "opportunities/questions.html", data)
}

func (s *Service) ask(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	o, err := s.seenOpp(r)
	if err != nil {
		return err
	}
	if !o.QuestionsOpenAt(s.Now()) {
		return s.renderQuestions(w, r, o, http.StatusUnprocessableEntity, ErrQuestionsClosed(o.QuestionsCloseAt))
	}
	orgID, _ := strconv.ParseInt(r.PostForm.Get("organisation"), 10, 64)
	if orgID == 0 || orgID == o.BuyerID || !id.Can(orgID, web.RoleEditor) {
		return s.renderQuestions(w, r, o, http.StatusUnprocessableEntity, fieldError("organisation", "Choose the organisation you are asking for"))
	}
	text, err := CheckQuestion(r.PostForm.Get("question"))
	if err != nil {
		return s.renderQuestions(w, r, o, http.StatusUnprocessableEntity, err)
	}
	c := &Clarification{OpportunityID: o.ID, OrgID: orgID, AskedBy: id.UserID, Question: text}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := AddClarification(ctx, tx, c); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, orgID, "opportunity.question", "opportunity", o.ID, o.Title); err != nil {
			return err
		}
		_, err := notify.TellOrgEditors(ctx, tx, s.baseURL(), o.BuyerID, notify.Notice{Kind: "opportunity_question", Key: "question:" + strconv.FormatInt(c.ID, 10),
			Subject: "A clarification question about " + o.Title,
			Text: "An organisation asked a clarification question about \"" + o.Title + "\":\n\n" + text + "\n\nAnswer it, and choose whether to publish it: " +
				s.baseURL() + buyerURL(o) + "/questions/" + strconv.FormatInt(c.ID, 10) + "/answer\n",
			Why: "You get these emails as an owner or editor of " + o.BuyerName + ", the buyer."})
		return err
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, oppURL(o)+"/questions#q"+strconv.FormatInt(c.ID, 10), "Your question has been sent to "+o.BuyerName+". You will see the answer here.")
}

func fieldError(field, msg string) error {
	return &apperr.Error{Code: apperr.EINVALID, Message: msg, Fields: []apperr.FieldError{{Field: field, Message: msg}}}
}

// buyersQuestion is question {qid} of the buyer's opportunity.
func (s *Service) buyersQuestion(r *http.Request) (*Opportunity, *Clarification, error) {
	o, err := s.buyersOpp(r)
	if err != nil {
		return nil, nil, err
	}
	qid, err := web.PathID(r, "qid", "question")
	if err != nil {
		return nil, nil, err
	}
	c, err := ClarificationByID(r.Context(), s.DB.Q(), o.ID, qid)
	return o, c, err
}

func (s *Service) answerForm(w http.ResponseWriter, r *http.Request) error {
	o, c, err := s.buyersQuestion(r)
	if err != nil {
		return err
	}
	form := url.Values{"answer": {c.Answer}}
	if c.Published || !c.Answered() {
		form["publish"] = []string{"yes"}
	}
	return s.Web.Render(w, r, http.StatusOK, "opportunities/answer.html", answerView{View: web.View{Title: "Answer a question", Form: form}, O: o, C: c})
}

func (s *Service) answer(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	o, c, err := s.buyersQuestion(r)
	if err != nil {
		return err
	}
	text, err := CheckAnswer(r.PostForm.Get("answer"))
	if err != nil {
		return s.Web.Render(w, r, http.StatusUnprocessableEntity, "opportunities/answer.html", answerView{View: web.View{Title: "Answer a question", Form: r.PostForm, Err: err}, O: o, C: c})
	}
	publish := r.PostForm.Get("publish") == "yes"
	told := 0
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := AnswerClarification(ctx, tx, o.ID, c.ID, id.UserID, text, publish); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, o.BuyerID, "opportunity.answer", "opportunity", o.ID, o.Title); err != nil {
			return err
		}
		if !publish {
			// Only the asking organisation sees an unpublished answer.
			if c.OrgID != 0 {
				_, err := notify.TellOrgEditors(ctx, tx, s.baseURL(), c.OrgID, notify.Notice{Kind: QuestionKind, Key: "answer:" + strconv.FormatInt(c.ID, 10),
					Subject: o.BuyerName + " answered your question", Text: o.BuyerName + " answered your question about \"" + o.Title + "\":\n\n" + c.Question +
						"\n\nAnswer:\n\n" + text + "\n\n" + s.baseURL() + oppURL(o) + "/questions\n",
					Why: "You get these emails as an owner or editor of the organisation that asked."})
				return err
			}
			return nil
		}
		n, err := s.tellFollowers(ctx, tx, o, "published:"+strconv.FormatInt(c.ID, 10), "New question and answer: "+o.Title,
			o.BuyerName+" published a clarification question and its answer about \""+o.Title+"\".\n\nQuestion:\n\n"+c.Question+"\n\nAnswer:\n\n"+text+
				"\n\nEvery published question and answer: "+s.baseURL()+oppURL(o)+"/questions\n")
		told = n
		return err
	})
	if err != nil {
		return err
	}
	msg := "Answer saved. Only the organisation that asked can see it."
	if publish {
		msg = "Answer published on the opportunity's page; " + strconv.Itoa(told) + " " + plural(told, "follower was", "followers were") + " emailed."
	}
	return web.Redirect(w, r, oppURL(o)+"/questions#q"+strconv.FormatInt(c.ID, 10), msg)
}

// tellFollowers emails everyone following the opportunity (once per key).
func (s *Service) tellFollowers(ctx context.Context, tx *db.Tx, o *Opportunity, key, subject, text string) (int, error) {
	fs, err := Followers(ctx, tx, o.ID)
	if err != nil {
		return 0, err
	}
	var who []notify.Recipient
	for _, f := range fs {
		who = append(who, notify.Recipient{UserID: f.UserID, Email: f.Email, OrgID: f.OrgID})
	}
	return notify.TellEach(ctx, tx, s.baseURL(), who, notify.Notice{Kind: QuestionKind, Key: key + ":" + strconv.FormatInt(o.ID, 10), Subject: subject, Text: text,
		Why: "You get these emails because you follow \"" + o.Title + "\", or your organisation asked it a question or registered interest."})
}

func (s *Service) follow(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	o, err := s.seenOpp(r)
	if err != nil {
		return err
	}
	on := r.PostForm.Get("follow") != "no"
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if on {
			return Follow(ctx, tx, o.ID, id.UserID)
		}
		return Unfollow(ctx, tx, o.ID, id.UserID)
	})
	if err != nil {
		return err
	}
	msg := "You follow this opportunity: we will email you published answers and its \"you said, we did\"."
	if !on {
		msg = "You no longer follow this opportunity."
	}
	return web.Redirect(w, r, web.SafeNext(r.PostForm.Get("next"), oppURL(o)), msg)
}

func (s *Service) notRelevant(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	o, err := s.seenOpp(r)
	if err != nil {
		return err
	}
	undo := r.PostForm.Get("undo") == "yes"
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if undo {
			return Unhide(ctx, tx, id.UserID, o.ID)
		}
		return Hide(ctx, tx, id.UserID, o.ID)
	})
	if err != nil {
		return err
	}
	msg := "Marked not relevant: “" + o.Title + "” will not appear in your alerts or your dashboard."
	if undo {
		msg = "“" + o.Title + "” can appear in your alerts and dashboard again."
	}
	return web.Redirect(w, r, web.SafeNext(r.PostForm.Get("next"), oppURL(o)), msg)
}
