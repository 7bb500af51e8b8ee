package events

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

func (s *Service) fairRoutes() []web.Route {
	editor := web.OrgRole(web.RoleEditor)
	return []web.Route{
		web.Get("/trade-fair", web.Public, s.tradeFair),
		web.Get("/events/{event}/stands/apply", web.SignedIn, s.applyForm),
		web.Post("/events/{event}/stands/apply", web.SignedIn, s.apply),
		web.Get("/events/{event}/meetings", web.SignedIn, s.meetings),
		web.Post("/events/{event}/meetings", web.Commissioner, s.publishSlots),
		web.Post("/events/{event}/meetings/{slot}/book", web.SignedIn, s.bookSlot),
		web.Get("/events/{event}/meetings/{slot}/cancel", web.ObjectRole("meeting-slot", web.RoleEditor), s.cancelSlotForm),
		web.Post("/events/{event}/meetings/{slot}/cancel", web.ObjectRole("meeting-slot", web.RoleEditor), s.cancelSlot),
		web.Get("/orgs/{org}/events/{event}/stands", editor, s.standsPage),
		web.Post("/orgs/{org}/events/{event}/stands", editor, s.addStands),
		web.Post("/orgs/{org}/events/{event}/stands/allocate", editor, s.allocate),
	}
}

// fairView is the trade fair part of the event page.
type fairView struct {
	Stands    []Stand
	Exhibitor []Stand
	Slots     int
	Free      int
	Buyers    []string
}

func (s *Service) fairSummary(ctx context.Context, e *Event) (*fairView, error) {
	st, err := Stands(ctx, s.DB.Q(), e.ID)
	if err != nil {
		return nil, err
	}
	fv := &fairView{Stands: st}
	for _, x := range st {
		if x.OrgName != "" {
			fv.Exhibitor = append(fv.Exhibitor, x)
		}
	}
	slots, err := Slots(ctx, s.DB.Q(), e.ID)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, sl := range slots {
		fv.Slots++
		if sl.BookedOrgID == nil {
			fv.Free++
		}
		if !seen[sl.BuyerOrgName] {
			seen[sl.BuyerOrgName] = true
			fv.Buyers = append(fv.Buyers, sl.BuyerOrgName)
		}
	}
	return fv, nil
}

func (s *Service) tradeFair(w http.ResponseWriter, r *http.Request) error {
	now := s.Now()
	evs, _, err := ListEvents(r.Context(), s.DB.Q(), Filter{Type: TypeTradeFair, From: &now, Statuses: []string{StatusPublished}, Limit: 1})
	if err != nil {
		return err
	}
	if len(evs) == 1 {
		return web.Redirect(w, r, "/events/"+evs[0].Slug, "")
	}
	return web.Redirect(w, r, "/events?type=trade_fair&when=all", "")
}

// editorOrgs are the caller's organisations where they are editor or owner.
func editorOrgs(ctx context.Context, q db.Querier, id *web.Identity) ([]accounts.OrgWithRole, error) {
	all, err := accounts.OrgsForUser(ctx, q, id.UserID)
	if err != nil {
		return nil, db.Err(err, "")
	}
	var out []accounts.OrgWithRole
	for _, o := range all {
		if o.Role == "owner" || o.Role == "editor" {
			out = append(out, o)
		}
	}
	return out, nil
}

// pickOrg reads the organisation field: one of the caller's organisations
// where they are at least editor.
func pickOrg(r *http.Request, id *web.Identity) (int64, error) {
	oid, err := strconv.ParseInt(r.PostForm.Get("organisation"), 10, 64)
	if err != nil || !id.Can(oid, web.RoleEditor) {
		return 0, fieldErr("organisation", "Select an organisation you can act for (you need to be an editor or owner)")
	}
	return oid, nil
}

func (s *Service) applyForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderApply(w, r, 200, url.Values{}, nil)
}

func (s *Service) renderApply(w http.ResponseWriter, r *http.Request, status int, form url.Values, ferr error) error {
	ctx := r.Context()
	e, err := s.visible(ctx, r.PathValue("event"))
	if err != nil {
		return err
	}
	if err := needFair(e); err != nil {
		return err
	}
	orgs, err := editorOrgs(ctx, s.DB.Q(), web.IdentityFrom(ctx))
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, status, "events/stand_apply.html", standApplyView{View: web.View{Title: "Apply for a stand", Form: form, Err: ferr}, Event: e, Orgs: orgs})
}

func (s *Service) apply(w http.ResponseWriter, r *http.Request) error {
	e, id, err := s.visibleForm(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	oid, err := pickOrg(r, id)
	if err == nil {
		err = s.DB.Write(ctx, func(tx *db.Tx) error {
			return ApplyForStand(ctx, tx, e.ID, oid, id.UserID, r.PostForm.Get("offer"), s.Now())
		})
	}
	if err != nil {
		if formError(err) {
			return s.renderApply(w, r, 422, r.PostForm, err)
		}
		return err
	}
	return web.Redirect(w, r, "/events/"+e.Slug, "Your application for a stand has been sent to the organiser.")
}

func (s *Service) meetings(w http.ResponseWriter, r *http.Request) error {
	return s.renderMeetings(w, r, 200, nil, nil)
}

func (s *Service) renderMeetings(w http.ResponseWriter, r *http.Request, status int, form url.Values, ferr error) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	e, err := s.visible(ctx, r.PathValue("event"))
	if err != nil {
		return err
	}
	if err := needFair(e); err != nil {
		return err
	}
	slots, err := Slots(ctx, s.DB.Q(), e.ID)
	if err != nil {
		return err
	}
	orgs, err := editorOrgs(ctx, s.DB.Q(), id)
	if err != nil {
		return err
	}
	var buyerOrgs []accounts.OrgWithRole
	all, err := accounts.OrgsForUser(ctx, s.DB.Q(), id.UserID)
	if err != nil {
		return db.Err(err, "")
	}
	for _, o := range all {
		if o.Sector == "public" {
			buyerOrgs = append(buyerOrgs, o)
		}
	}
	// Each free slot can be booked for the caller's organisations other
	// than the buyer's own (an organisation cannot meet itself).
	bookFor := map[int64][]accounts.OrgWithRole{}
	for _, sl := range slots {
		if sl.BookedOrgID != nil {
			continue
		}
		for _, o := range orgs {
			if o.ID != sl.BuyerOrgID {
				bookFor[sl.ID] = append(bookFor[sl.ID], o)
			}
		}
	}
	// Editors and owners of the booking organisation may cancel.
	mineOrg := map[int64]bool{}
	for o := range id.Orgs {
		mineOrg[o] = id.Can(o, web.RoleEditor)
	}
	if form == nil {
		form = url.Values{"date": {e.StartsAt.In(londonLoc()).Format("2006-01-02")}, "start": {e.StartsAt.In(londonLoc()).Format("15:04")}, "count": {"6"}, "minutes": {"20"}}
	}
	return s.Web.Render(w, r, status, "events/meetings.html", meetingsView{
		View:       web.View{Title: "Meet the buyer: " + e.Title, Form: form, Err: ferr},
		Event:      e,
		Slots:      slots,
		Orgs:       orgs,
		BookFor:    bookFor,
		BuyerOrgs:  buyerOrgs,
		MyOrgs:     mineOrg,
		UserID:     id.UserID,
		CanPublish: id.Commissioner || id.Admin,
		Open:       e.BookingOpen(s.Now()),
	})
}

func (s *Service) publishSlots(w http.ResponseWriter, r *http.Request) error {
	e, id, err := s.visibleForm(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := needFair(e); err != nil {
		return err
	}
	oid, perr := strconv.ParseInt(r.PostForm.Get("buyer_org"), 10, 64)
	var n int
	if perr != nil || (id.RoleIn(oid) == web.RoleNone && !id.Admin) {
		err = fieldErr("buyer_org", "Select the public sector organisation you are buying for")
	} else {
		o, qerr := accounts.OrgByID(ctx, s.DB.Q(), oid)
		if qerr != nil && apperr.Code(qerr) != apperr.ENOTFOUND {
			return qerr
		}
		if qerr != nil || o.Sector != "public" {
			err = fieldErr("buyer_org", "Select the public sector organisation you are buying for")
		} else {
			err = s.DB.Write(ctx, func(tx *db.Tx) error {
				var err error
				n, err = PublishSlots(ctx, tx, e.ID, SlotRequest{BuyerOrgID: oid, BuyerUserID: id.UserID, Topic: r.PostForm.Get("topic"),
					Date: r.PostForm.Get("date"), Start: r.PostForm.Get("start"), Count: r.PostForm.Get("count"), Minutes: r.PostForm.Get("minutes")})
				return err
			})
		}
	}
	if err != nil {
		if formError(err) {
			return s.renderMeetings(w, r, 422, r.PostForm, err)
		}
		return err
	}
	return web.Redirect(w, r, "/events/"+e.Slug+"/meetings", strconv.Itoa(n)+" meeting slots published.")
}

func (s *Service) slotOf(r *http.Request, e *Event) (*Slot, error) {
	sid, err := web.PathID(r, "slot", "Meeting slot")
	if err != nil {
		return nil, err
	}
	ss, err := querySlots(r.Context(), s.DB.Q(), "s.id = $1 AND s.event_id = $2", sid, e.ID)
	if err != nil {
		return nil, err
	}
	if len(ss) == 0 {
		return nil, apperr.NotFound("Meeting slot")
	}
	return ss[0], nil
}

func (s *Service) bookSlot(w http.ResponseWriter, r *http.Request) error {
	e, id, err := s.visibleForm(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	sl, err := s.slotOf(r, e)
	if err != nil {
		return err
	}
	oid, err := pickOrg(r, id)
	if err == nil {
		err = s.DB.Write(ctx, func(tx *db.Tx) error { return BookSlot(ctx, tx, sl.ID, oid, id.UserID, s.Now(), s.baseURL()) })
	}
	if err != nil {
		if formError(err) {
			return s.renderMeetings(w, r, 422, nil, err)
		}
		return err
	}
	return web.Redirect(w, r, "/events/"+e.Slug+"/meetings", "Meeting booked with "+sl.BuyerOrgName+". Both sides have been emailed the schedule.")
}

// cancelSlotForm asks before cancelling a booked meeting.
func (s *Service) cancelSlotForm(w http.ResponseWriter, r *http.Request) error {
	e, sl := item[*Slot](r)
	c := web.Confirm{Title: "Cancel the meeting", Question: "Are you sure you want to cancel this meeting?",
		Button: "Yes, cancel the meeting", Back: "/events/" + e.Slug + "/meetings", BackText: "No, go back to the meetings"}
	if sl.BookedOrgID == nil {
		c.Detail, c.NoAction = "This meeting slot is not booked.", true
		return s.Web.Confirm(w, r, c)
	}
	buyer := sl.BuyerOrgName
	if sl.BuyerName != "" {
		buyer += " (" + sl.BuyerName + ")"
	}
	const at = "2 January 2006 15:04"
	c.Detail = fmt.Sprintf("The meeting between %s and %s at %s, %s to %s, about “%s”. Both sides are emailed their new schedule and the slot is free for others to book.",
		buyer, sl.BookedOrgName, e.Title, sl.StartsAt.In(londonLoc()).Format(at), sl.EndsAt.In(londonLoc()).Format(at), sl.Topic)
	return s.Web.Confirm(w, r, c)
}

func (s *Service) cancelSlot(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	e, sl := item[*Slot](r)
	if sl.BookedOrgID == nil {
		return web.Redirect(w, r, "/events/"+e.Slug+"/meetings", "That meeting was not booked.")
	}
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return CancelSlotBooking(ctx, tx, sl.ID, s.baseURL()) }); err != nil {
		return err
	}
	return web.Redirect(w, r, "/events/"+e.Slug+"/meetings", "The meeting is cancelled and the slot is free again.")
}

func (s *Service) standsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderStands(w, r, 200, nil, nil)
}

func (s *Service) renderStands(w http.ResponseWriter, r *http.Request, status int, form url.Values, ferr error) error {
	ctx := r.Context()
	e, err := s.organised(r)
	if err != nil {
		return err
	}
	if err := needFair(e); err != nil {
		return err
	}
	st, err := Stands(ctx, s.DB.Q(), e.ID)
	if err != nil {
		return err
	}
	apps, err := Applications(ctx, s.DB.Q(), e.ID)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, status, "events/stands.html", standsView{
		View:   web.View{Title: "Stands: " + e.Title, Form: form, Err: ferr},
		Event:  e,
		Stands: st,
		Apps:   apps,
	})
}

func (s *Service) addStands(w http.ResponseWriter, r *http.Request) error {
	e, err := s.organisedForm(r)
	if err != nil {
		return err
	}
	var n int
	err = s.DB.Write(r.Context(), func(tx *db.Tx) error {
		var err error
		n, err = AddStands(r.Context(), tx, e.ID, r.PostForm.Get("stands"))
		return err
	})
	if err != nil {
		if apperr.Is(err, apperr.EINVALID) {
			return s.renderStands(w, r, 422, r.PostForm, err)
		}
		return err
	}
	return web.Redirect(w, r, "/orgs/"+e.OrganiserSlug+"/events/"+e.Slug+"/stands", strconv.Itoa(n)+" stands added.")
}

func (s *Service) allocate(w http.ResponseWriter, r *http.Request) error {
	e, err := s.organisedForm(r)
	if err != nil {
		return err
	}
	appID, err := strconv.ParseInt(r.PostForm.Get("application"), 10, 64)
	if err != nil {
		return apperr.NotFound("Application")
	}
	standID := int64(0)
	if v := r.PostForm.Get("stand"); v != "" && v != "decline" {
		if standID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return s.renderStands(w, r, 422, r.PostForm, fieldErr("stand", "Select a stand from the list"))
		}
	} else if v == "" {
		return s.renderStands(w, r, 422, r.PostForm, fieldErr("stand", "Select a stand, or decline the application"))
	}
	err = s.DB.Write(r.Context(), func(tx *db.Tx) error { return Allocate(r.Context(), tx, e.ID, appID, standID, s.baseURL()) })
	if err != nil {
		if formError(err) {
			return s.renderStands(w, r, 422, r.PostForm, err)
		}
		return err
	}
	msg := "Stand allocated. The organisation has been emailed."
	if standID == 0 {
		msg = "Application declined. The organisation has been emailed."
	}
	return web.Redirect(w, r, "/orgs/"+e.OrganiserSlug+"/events/"+e.Slug+"/stands", msg)
}
