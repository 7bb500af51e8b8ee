package directory

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/clean"
	"partnerhub/internal/db"
	"partnerhub/internal/notify"
	"partnerhub/internal/web"
)

// "Send a message": a signed-in person writes to the owners and editors of
// an organisation through Partnerhub. The email's Reply-To is the sender's
// address, so replies go straight to them; the recipients' addresses are
// never shown. Rate-limited (accounts.AllowRelay) and audited.

func (s *Service) messagePage(w http.ResponseWriter, r *http.Request, status int, p *Profile, err error) error {
	ctx := r.Context()
	n, cerr := memberCount(ctx, s.DB.Q(), p.ID)
	if cerr != nil {
		return cerr
	}
	orgs, oerr := senderOrgs(ctx, s.DB.Q(), web.IdentityFrom(ctx).UserID)
	if oerr != nil {
		return oerr
	}
	data := messageView{View: web.View{Title: "Send a message to " + p.Name}, P: p, NoMembers: n == 0, Orgs: orgs}
	if err != nil {
		data.Err, data.Form = err, r.PostForm
	}
	return s.Web.Render(w, r, status, "directory/message.html", data)
}

func (s *Service) messageForm(w http.ResponseWriter, r *http.Request) error {
	p, err := LoadProfileBySlug(r.Context(), s.DB.Q(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	return s.messagePage(w, r, http.StatusOK, p, nil)
}

func (s *Service) message(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	p, err := LoadProfileBySlug(ctx, s.DB.Q(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	me := web.IdentityFrom(ctx)
	subject := clean.Line(r.PostForm.Get("subject"))
	body := clean.Text(r.PostForm.Get("message"))
	var v apperr.Validation
	var from *SenderOrg
	if raw := r.PostForm.Get("from_org"); raw != "" {
		orgs, err := senderOrgs(ctx, s.DB.Q(), me.UserID)
		if err != nil {
			return err
		}
		id, _ := strconv.ParseInt(raw, 10, 64)
		for i := range orgs {
			if orgs[i].ID == id {
				from = &orgs[i]
			}
		}
		v.Check(from != nil, "from_org", "Choose one of your organisations, or send the message as yourself")
	}
	v.Check(subject != "", "subject", "Enter a subject")
	checkLen(&v, "subject", "The subject", subject, 150)
	v.Check(body != "", "message", "Enter your message")
	checkLen(&v, "message", "Your message", body, 5000)
	if err := v.Err(); err != nil {
		return s.messagePage(w, r, http.StatusUnprocessableEntity, p, err)
	}
	sender := me.Name
	if sender == "" {
		sender = "A Partnerhub member"
	}
	if from != nil {
		sender += " of " + from.Name
	}
	text := fmt.Sprintf("%s sent a message to %s through Partnerhub.\n\nSubject: %s\n\n%s\n\nReply to this email to answer them: your reply goes to their own address, not through Partnerhub.",
		sender, p.Name, subject, body)
	var sent int
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		n, err := memberCount(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.Errorf(apperr.ECONFLICT, "Nobody manages %s on Partnerhub yet, so there is no one to send a message to.", p.Name)
		}
		if err := accounts.AllowRelay(ctx, tx, me.UserID, p.ID); err != nil {
			return err
		}
		sent, err = notify.TellOrgEditors(ctx, tx, s.Web.Config.BaseURL, p.ID, notify.Notice{Kind: "directory_message",
			Subject: "Message from " + sender + ": " + subject, Text: text, ReplyTo: strings.ToLower(me.Email),
			Why: "You get these emails as an owner or editor of " + p.Name + " on Partnerhub."})
		if err != nil {
			return err
		}
		if sent == 0 {
			return apperr.Errorf(apperr.ECONFLICT, "The people who manage %s do not take messages through Partnerhub.", p.Name)
		}
		detail := "subject: " + subject
		if from != nil {
			detail += "; from " + from.Name
		}
		return audit.Record(ctx, tx, p.ID, "directory.message", "organisation", p.ID, detail)
	})
	if apperr.Is(err, apperr.ETOOMANY) || apperr.Is(err, apperr.ECONFLICT) {
		status := http.StatusConflict
		if apperr.Is(err, apperr.ETOOMANY) {
			status = http.StatusTooManyRequests
		}
		return s.messagePage(w, r, status, p, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/directory/"+p.Slug, "Your message was sent to the people who manage "+p.Name+". Their replies will come to your email address.")
}
