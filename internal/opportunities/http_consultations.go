package opportunities

// Pages of service-design consultations: the questionnaire and response
// form, the buyer's questionnaire editor, responses with a summary per
// question (chart and table, CSV), and "you said, we did".

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/markdown"
	"partnerhub/internal/notify"
	"partnerhub/internal/web"
)

// consultationOpp is {opp} when it is a consultation the caller may see.
func (s *Service) consultationOpp(r *http.Request) (*Opportunity, error) {
	o, err := s.seenOpp(r)
	if err != nil {
		return nil, err
	}
	if o.Kind != KindConsultation {
		return nil, apperr.NotFound("consultation")
	}
	return o, nil
}

func (s *Service) consultationPage(w http.ResponseWriter, r *http.Request) error {
	o, err := s.consultationOpp(r)
	if err != nil {
		return err
	}
	return s.renderConsultation(w, r, o, http.StatusOK, nil, 0)
}

// renderConsultation shows the consultation: its dates and Compact flag,
// its "you said, we did", its questions, and to people who can answer
// for an organisation the response form (filled with that organisation's
// response, or with what they sent when it had errors).
func (s *Service) renderConsultation(w http.ResponseWriter, r *http.Request, o *Opportunity, status int, formErr error, orgID int64) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	now := s.Now()
	c, err := ConsultationOf(ctx, s.DB.Q(), o, now)
	if err != nil {
		return err
	}
	qs, err := ConsultationQuestions(ctx, s.DB.Q(), o.ID)
	if err != nil {
		return err
	}
	as := accounts.EditableOrgs(r, s.DB.Q(), o.BuyerID)
	if orgID == 0 {
		orgID, _ = strconv.ParseInt(r.URL.Query().Get("org"), 10, 64)
	}
	var chosen int64
	for _, x := range as {
		if x.ID == orgID || (orgID == 0 && chosen == 0) {
			chosen = x.ID
		}
	}
	data := consultationView{View: web.View{Title: o.Title + ": consultation", Err: formErr}, O: o, C: c, Questions: qs, Open: o.OpenAt(now), Buyer: id.Can(o.BuyerID, web.RoleEditor),
		AnswerAs: as, Chosen: chosen, ScaleLabels: ScaleLabels}
	if formErr != nil {
		data.Form = r.PostForm
	} else if chosen != 0 {
		resp, err := ResponseOf(ctx, s.DB.Q(), o.ID, chosen)
		switch {
		case err == nil:
			data.Form, data.Existing = resp.Answers.Form(qs), resp
		case !apperr.Is(err, apperr.ENOTFOUND):
			return err
		}
	}
	return s.Web.Render(w, r, status, "opportunities/consultation.html", data)
}

func (s *Service) respond(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	o, err := s.consultationOpp(r)
	if err != nil {
		return err
	}
	orgID, _ := strconv.ParseInt(r.PostForm.Get("organisation"), 10, 64)
	if !o.OpenAt(s.Now()) {
		msg := "This consultation is closed: responses can no longer be sent or changed."
		if !o.Published() || o.Status == StatusPlanned {
			msg = "This consultation has not opened yet."
		}
		return s.renderConsultation(w, r, o, http.StatusUnprocessableEntity, apperr.Errorf(apperr.EINVALID, "%s", msg), orgID)
	}
	if orgID == 0 || orgID == o.BuyerID || !id.Can(orgID, web.RoleEditor) {
		return s.renderConsultation(w, r, o, http.StatusUnprocessableEntity, fieldError("organisation", "Choose the organisation you are answering for"), orgID)
	}
	qs, err := ConsultationQuestions(ctx, s.DB.Q(), o.ID)
	if err != nil {
		return err
	}
	answers, err := ReadAnswers(qs, r.PostForm)
	if err != nil {
		return s.renderConsultation(w, r, o, http.StatusUnprocessableEntity, err, orgID)
	}
	var created bool
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		if created, err = SaveResponse(ctx, tx, o.ID, orgID, id.UserID, answers, db.Now()); err != nil {
			return err
		}
		action := "opportunity.consultation_response_change"
		if created {
			action = "opportunity.consultation_response"
		}
		return audit.Record(ctx, tx, orgID, action, "opportunity", o.ID, o.Title)
	})
	if err != nil {
		return err
	}
	msg := "Your response has been sent to " + o.BuyerName + "."
	if !created {
		msg = "Your response has been changed."
	}
	if cl := o.ClosesAt(); cl != nil {
		msg += " You can change it until " + cl.In(london).Format("2 January 2006 at 3:04pm") + "."
	}
	return web.Redirect(w, r, oppURL(o)+"/consultation?org="+strconv.FormatInt(orgID, 10)+"#respond", msg)
}

// buyersConsultation is the buyer's consultation {opp}.
func (s *Service) buyersConsultation(r *http.Request) (*Opportunity, error) {
	o, err := s.buyersOpp(r)
	if err != nil {
		return nil, err
	}
	if o.Kind != KindConsultation {
		return nil, apperr.NotFound("consultation")
	}
	return o, nil
}

func (s *Service) questionnaire(w http.ResponseWriter, r *http.Request) error {
	o, err := s.buyersConsultation(r)
	if err != nil {
		return err
	}
	return s.renderQuestionnaire(w, r, o, http.StatusOK, nil)
}

func (s *Service) renderQuestionnaire(w http.ResponseWriter, r *http.Request, o *Opportunity, status int, formErr error) error {
	ctx := r.Context()
	c, err := ConsultationOf(ctx, s.DB.Q(), o, s.Now())
	if err != nil {
		return err
	}
	qs, err := ConsultationQuestions(ctx, s.DB.Q(), o.ID)
	if err != nil {
		return err
	}
	n, err := countResponses(ctx, s.DB.Q(), o.ID)
	if err != nil {
		return err
	}
	data := questionnaireView{View: web.View{Title: "Questionnaire: " + o.Title, Err: formErr}, O: o, C: c, Questions: qs, Kinds: QuestionKinds, KindLabels: QuestionKindLabels,
		Responses: n, Base: buyerURL(o)}
	if formErr != nil {
		data.Form = r.PostForm
	} else {
		data.Form = url.Values{"reason": {c.Settings.ShortReason}, "kind": {QText}}
	}
	return s.Web.Render(w, r, status, "opportunities/questionnaire.html", data)
}

func countResponses(ctx context.Context, q db.Querier, oppID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM consultation_responses WHERE opportunity_id = $1`, oppID).Scan(&n)
	return n, err
}

func questionFromForm(oppID int64, f url.Values) CQuestion {
	return CQuestion{OpportunityID: oppID, Kind: f.Get("kind"), Prompt: f.Get("prompt"), Hint: f.Get("hint"), Options: ParseOptions(f.Get("options")), Required: f.Get("required") == "yes"}
}

func (s *Service) addQuestion(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	o, err := s.buyersConsultation(r)
	if err != nil {
		return err
	}
	q := questionFromForm(o.ID, r.PostForm)
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := SaveConsultationQuestion(ctx, tx, &q); err != nil {
			return err
		}
		return audit.Record(ctx, tx, o.BuyerID, "opportunity.consultation_question_add", "opportunity", o.ID, q.Prompt)
	})
	if apperr.Is(err, apperr.EINVALID) {
		return s.renderQuestionnaire(w, r, o, http.StatusUnprocessableEntity, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, buyerURL(o)+"/questionnaire#question-"+strconv.FormatInt(q.ID, 10), "Question added.")
}

func (s *Service) saveShortReason(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	o, err := s.buyersConsultation(r)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if len([]rune(reason)) > 2000 {
		return s.renderQuestionnaire(w, r, o, http.StatusUnprocessableEntity, fieldError("reason", "The reason must be 2,000 characters or fewer"))
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := SaveShortReason(ctx, tx, o.ID, reason); err != nil {
			return err
		}
		return audit.Record(ctx, tx, o.BuyerID, "opportunity.consultation_short_reason", "opportunity", o.ID, reason)
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, buyerURL(o)+"/questionnaire", "Reason saved: it is shown on the consultation's page.")
}

// buyersCQuestion is question {qid} of the buyer's consultation.
func (s *Service) buyersCQuestion(r *http.Request) (*Opportunity, *CQuestion, error) {
	o, err := s.buyersConsultation(r)
	if err != nil {
		return nil, nil, err
	}
	qid, err := web.PathID(r, "qid", "question")
	if err != nil {
		return nil, nil, err
	}
	qs, err := ConsultationQuestions(r.Context(), s.DB.Q(), o.ID)
	if err != nil {
		return nil, nil, err
	}
	for i := range qs {
		if qs[i].ID == qid {
			return o, &qs[i], nil
		}
	}
	return nil, nil, apperr.NotFound("question")
}

func (s *Service) editQuestionForm(w http.ResponseWriter, r *http.Request) error {
	o, q, err := s.buyersCQuestion(r)
	if err != nil {
		return err
	}
	form := url.Values{"kind": {q.Kind}, "prompt": {q.Prompt}, "hint": {q.Hint}, "options": {strings.Join(q.Options, "\n")}}
	if q.Required {
		form.Set("required", "yes")
	}
	return s.renderQuestionForm(w, r, o, q, http.StatusOK, form, nil)
}

func (s *Service) renderQuestionForm(w http.ResponseWriter, r *http.Request, o *Opportunity, q *CQuestion, status int, form url.Values, formErr error) error {
	n, err := countResponses(r.Context(), s.DB.Q(), o.ID)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, status, "opportunities/cquestion_form.html", cquestionFormView{View: web.View{Title: "Change a question", Form: form, Err: formErr}, O: o, Q: q, Kinds: QuestionKinds, KindLabels: QuestionKindLabels, Responses: n, Base: buyerURL(o)})
}

func (s *Service) editQuestion(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	o, old, err := s.buyersCQuestion(r)
	if err != nil {
		return err
	}
	q := questionFromForm(o.ID, r.PostForm)
	q.ID = old.ID
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := SaveConsultationQuestion(ctx, tx, &q); err != nil {
			return err
		}
		return audit.Record(ctx, tx, o.BuyerID, "opportunity.consultation_question_change", "opportunity", o.ID, q.Prompt)
	})
	if apperr.Is(err, apperr.EINVALID) {
		return s.renderQuestionForm(w, r, o, old, http.StatusUnprocessableEntity, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, buyerURL(o)+"/questionnaire#question-"+strconv.FormatInt(q.ID, 10), "Question changed.")
}

func (s *Service) deleteQuestionConfirm(w http.ResponseWriter, r *http.Request) error {
	o, q, err := s.buyersCQuestion(r)
	if err != nil {
		return err
	}
	warning := "Its answers will be deleted too."
	if o.Status == StatusOpen {
		if n, err := CountConsultationQuestions(r.Context(), s.DB.Q(), o.ID); err != nil {
			return err
		} else if n == 1 {
			return web.Redirect(w, r, buyerURL(o)+"/questionnaire", "An open consultation needs at least one question: add another before deleting this one.")
		}
	}
	return s.Web.Confirm(w, r, web.Confirm{Title: "Delete a question", Back: buyerURL(o) + "/questionnaire",
		Question: "Are you sure you want to delete the question “" + q.Prompt + "”?", Detail: warning, Button: "Delete the question"})
}

func (s *Service) deleteQuestion(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o, q, err := s.buyersCQuestion(r)
	if err != nil {
		return err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := DeleteConsultationQuestion(ctx, tx, o.ID, q.ID); err != nil {
			return err
		}
		if o.Status == StatusOpen {
			if n, err := CountConsultationQuestions(ctx, tx, o.ID); err != nil {
				return err
			} else if n == 0 {
				return apperr.Errorf(apperr.ECONFLICT, "An open consultation needs at least one question")
			}
		}
		return audit.Record(ctx, tx, o.BuyerID, "opportunity.consultation_question_delete", "opportunity", o.ID, q.Prompt)
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, buyerURL(o)+"/questionnaire", "Question deleted.")
}

// responseRow is a response in the responses list and its exports.
type responseRow struct {
	CResponse
	Questions []CQuestion
}

func (s *Service) responses(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o, err := s.buyersConsultation(r)
	if err != nil {
		return err
	}
	qs, err := ConsultationQuestions(ctx, s.DB.Q(), o.ID)
	if err != nil {
		return err
	}
	all, err := Responses(ctx, s.DB.Q(), o.ID)
	if err != nil {
		return err
	}
	cols := []web.Column[responseRow]{
		{Header: "organisation", Cell: func(x responseRow) string { return x.OrgName }},
		{Header: "submitted_at", Cell: func(x responseRow) string { return x.SubmittedAt.UTC().Format("2006-01-02T15:04:05Z") }},
		{Header: "updated_at", Cell: func(x responseRow) string { return x.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z") }},
	}
	for i, q := range qs {
		cols = append(cols, web.Column[responseRow]{Header: fmt.Sprintf("q%d %s", i+1, q.Prompt), Cell: func(x responseRow) string { return strings.Join(x.Answers[q.ID], "; ") }})
	}
	return web.ServeList(s.Web, w, r, web.List[responseRow]{
		Name: "consultation-responses-" + o.Slug, PerPage: 50,
		Fetch: func(ctx context.Context, limit, offset int) ([]responseRow, int, error) {
			var out []responseRow
			for i := offset; i < len(all) && i < offset+limit; i++ {
				out = append(out, responseRow{CResponse: all[i], Questions: qs})
			}
			return out, len(all), nil
		},
		Columns: cols,
		Item: func(x responseRow) any {
			ans := []map[string]any{}
			for _, q := range qs {
				ans = append(ans, map[string]any{"question": q.Prompt, "kind": q.Kind, "answer": nonNilStrings(x.Answers[q.ID])})
			}
			return map[string]any{"organisation": x.OrgName, "organisation_slug": x.OrgSlug, "submitted_at": x.SubmittedAt.UTC(), "updated_at": x.UpdatedAt.UTC(), "answers": ans}
		},
		Render: func(p web.ListPage[responseRow]) error {
			ras := make([]ResponseAnswers, len(all))
			for i, x := range all {
				ras[i] = ResponseAnswers{OrgName: x.OrgName, Answers: x.Answers}
			}
			sums := Summarise(qs, ras)
			charts := make([]summaryChart, len(sums))
			for i, sm := range sums {
				ch := summaryChart{S: sm, N: i + 1}
				if len(sm.Counts) > 0 && sm.Answered > 0 {
					labels := make([]string, len(sm.Counts))
					vals := make([]float64, len(sm.Counts))
					for j, c := range sm.Counts {
						labels[j], vals[j] = c.Option, float64(c.Count)
					}
					ch.SVG = web.BarChart(fmt.Sprintf("Question %d: %s", i+1, sm.Q.Prompt), labels, web.Series{Name: "Responses", Values: vals, Class: "bar"})
				}
				charts[i] = ch
			}
			c, err := ConsultationOf(ctx, s.DB.Q(), o, s.Now())
			if err != nil {
				return err
			}
			return s.Web.Render(w, r, http.StatusOK, "opportunities/responses.html", responsesView{View: web.View{Title: "Responses: " + o.Title}, O: o, C: c, Summaries: charts, Rows: p.Items, Total: p.Total, Pager: p.PagerData(r), CSV: p.CSVURL, JSONURL: p.JSONURL, Base: buyerURL(o)})
		},
	})
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Service) youSaidForm(w http.ResponseWriter, r *http.Request) error {
	o, err := s.buyersConsultation(r)
	if err != nil {
		return err
	}
	c, err := ConsultationOf(r.Context(), s.DB.Q(), o, s.Now())
	if err != nil {
		return err
	}
	return s.renderYouSaid(w, r, o, c, http.StatusOK, url.Values{"you_said": {c.Settings.YouSaid}}, nil)
}

func (s *Service) renderYouSaid(w http.ResponseWriter, r *http.Request, o *Opportunity, c Consultation, status int, form url.Values, formErr error) error {
	n, err := countResponses(r.Context(), s.DB.Q(), o.ID)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, status, "opportunities/you_said.html", youSaidView{View: web.View{Title: "You said, we did: " + o.Title, Form: form, Err: formErr}, O: o, C: c, Responses: n, Closed: !o.OpenAt(s.Now()) && o.Published(), Base: buyerURL(o)})
}

func (s *Service) publishYouSaid(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	o, err := s.buyersConsultation(r)
	if err != nil {
		return err
	}
	c, err := ConsultationOf(ctx, s.DB.Q(), o, s.Now())
	if err != nil {
		return err
	}
	text := strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get("you_said"), "\r\n", "\n"))
	var v apperr.Validation
	v.Check(o.Published() && !o.OpenAt(s.Now()), "you_said", "You can publish “you said, we did” once the consultation has closed")
	v.Check(text != "", "you_said", "Enter what respondents said and what you did about it")
	v.Check(len([]rune(text)) <= 20000, "you_said", "“You said, we did” must be 20,000 characters or fewer")
	if err := v.Err(); err != nil {
		return s.renderYouSaid(w, r, o, c, http.StatusUnprocessableEntity, r.PostForm, err)
	}
	first := c.Settings.YouSaidAt == nil
	told := 0
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := PublishYouSaid(ctx, tx, o.ID, id.UserID, text, db.Now()); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, o.BuyerID, "opportunity.you_said_we_did", "opportunity", o.ID, o.Title); err != nil {
			return err
		}
		if !first {
			return nil
		}
		orgs, err := respondentOrgs(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		people, err := notify.OrgEditors(ctx, tx, orgs...)
		if err != nil {
			return err
		}
		var who []notify.Recipient
		for _, org := range orgs {
			who = append(who, people[org]...)
		}
		body := o.BuyerName + " has published what it heard in the consultation \"" + o.Title + "\" and what it did about it.\n\n" + markdown.Plain(text) +
			"\n\nRead it on the consultation's page: " + s.baseURL() + oppURL(o) + "/consultation\n"
		told, err = notify.TellEach(ctx, tx, s.baseURL(), who, notify.Notice{Kind: QuestionKind, Key: "yousaid:" + strconv.FormatInt(o.ID, 10),
			Subject: "You said, we did: " + o.Title, Text: body,
			Why: "You get this email because your organisation responded to this consultation."})
		return err
	})
	if err != nil {
		return err
	}
	msg := "“You said, we did” is published on the consultation's page."
	if first {
		msg += " " + strconv.Itoa(told) + " " + plural(told, "person", "people") + " from the responding organisations " + plural(told, "was", "were") + " emailed."
	}
	return web.Redirect(w, r, oppURL(o)+"/consultation#you-said", msg)
}
