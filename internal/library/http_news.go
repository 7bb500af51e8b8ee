package library

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/clean"
	"partnerhub/internal/db"
	"partnerhub/internal/feed"
	"partnerhub/internal/mail"
	"partnerhub/internal/markdown"
	"partnerhub/internal/uploads"
	"partnerhub/internal/web"
)

var imagePolicy = uploads.Policy{Field: "image", Max: 5 << 20, Types: []uploads.Type{uploads.PNG, uploads.JPEG}, Fallback: "image"}

func (s *Service) images() uploads.Store { return uploads.NewStore(s.Web.Config.UploadDir(), "news") }

func articleJSON(a *Article, base string) map[string]any {
	m := map[string]any{"slug": a.Slug, "title": a.Title, "summary": a.Summary, "category": a.Category, "published_at": a.PublishedAt.UTC().Format(time.RFC3339), "url": base + "/news/" + a.Slug}
	if a.PartnershipSlug != "" {
		m["consortium"] = map[string]any{"name": a.PartnershipName, "url": base + "/partnerships/" + a.PartnershipSlug}
	}
	if a.EventID != 0 {
		m["event_id"] = a.EventID
	}
	if a.OpportunityID != 0 {
		m["opportunity_id"] = a.OpportunityID
	}
	return m
}

func (s *Service) newsList(w http.ResponseWriter, r *http.Request, f NewsFilter, title, page string) error {
	v := &apperr.Validation{}
	if f.Category != "" && !slices.Contains(Categories, f.Category) {
		v.Add("category", "Choose a category from the list")
	}
	return web.ServeList(s.Web, w, r, web.List[*Article]{
		Name: "news", PerPage: 10, Invalid: v.Err(),
		Fetch: func(ctx context.Context, limit, offset int) ([]*Article, int, error) {
			return ListArticles(ctx, s.DB.Q(), f, limit, offset)
		},
		Columns: []web.Column[*Article]{
			{Header: "Headline", Cell: func(a *Article) string { return a.Title }},
			{Header: "Category", Cell: func(a *Article) string { return web.Label(a.Category) }},
			{Header: "Published", Cell: func(a *Article) string { return a.PublishedAt.In(london).Format(time.DateOnly) }},
			{Header: "Summary", Cell: func(a *Article) string { return a.Summary }},
			{Header: "Consortium", Cell: func(a *Article) string { return a.PartnershipName }},
			{Header: "Link", Cell: func(a *Article) string { return s.baseURL() + "/news/" + a.Slug }},
		},
		Item: func(a *Article) any { return articleJSON(a, s.baseURL()) },
		Render: func(p web.ListPage[*Article]) error {
			feedURL := "/news/feed.atom"
			if f.Category != "" && v.Err() == nil {
				feedURL = "/news/category/" + f.Category + "/feed.atom"
			}
			return s.Web.Render(w, r, http.StatusOK, "library/news.html", newsView{
				View:       web.View{Title: title, Err: p.Err, Form: url.Values{"category": {f.Category}, "q": {f.Q}}, Description: "News about Blackpool's consortia, commissioning, events and funding."},
				Page:       page,
				List:       p,
				Pager:      p.PagerData(r),
				Categories: Categories,
				Feed:       feedURL,
			})
		},
	})
}

func (s *Service) news(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	return s.newsList(w, r, NewsFilter{Category: q.Get("category"), Q: clean.Line(q.Get("q"))}, "News", "news")
}

func (s *Service) stories(w http.ResponseWriter, r *http.Request) error {
	return s.newsList(w, r, NewsFilter{Stories: true, Q: clean.Line(r.URL.Query().Get("q"))}, "Consortium success stories", "stories")
}

func (s *Service) newsFeed(w http.ResponseWriter, r *http.Request) error {
	cat := r.PathValue("cat")
	if cat != "" && !slices.Contains(Categories, cat) {
		return apperr.NotFound("category")
	}
	arts, _, err := ListArticles(r.Context(), s.DB.Q(), NewsFilter{Category: cat}, 50, 0)
	if err != nil {
		return err
	}
	base := s.baseURL()
	f := feed.Feed{ID: base + "/news", Title: "Partnerhub news", Self: base + "/news/feed.atom", Page: base + "/news", Author: "Partnerhub"}
	if cat != "" {
		f.ID, f.Title = base+"/news?category="+cat, "Partnerhub news: "+web.Label(cat)
		f.Self, f.Page = base+"/news/category/"+cat+"/feed.atom", base+"/news?category="+cat
	}
	for _, a := range arts {
		f.Entries = append(f.Entries, feed.Entry{ID: feed.TagURI(base, a.PublishedAt.Year(), "news/"+strconv.FormatInt(a.ID, 10)), Title: a.Title, Link: base + "/news/" + a.Slug,
			Updated: a.UpdatedAt, Published: a.PublishedAt, Summary: a.Summary, HTML: string(markdown.HTML(a.Body)), Author: a.AuthorName, Categories: []string{web.Label(a.Category)}})
	}
	return feed.Serve(w, f)
}

func (s *Service) article(w http.ResponseWriter, r *http.Request) error {
	a, err := ArticleBySlug(r.Context(), s.DB.Q(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	if a.PublishedAt.After(time.Now()) {
		if id := web.IdentityFrom(r.Context()); id == nil || !id.Admin {
			return apperr.NotFound("article")
		}
	}
	aboutTitle, aboutHref, err := aboutLink(r.Context(), s.DB.Q(), a)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, http.StatusOK, "library/article.html", articleView{
		View:       web.View{Title: a.Title, Description: a.Summary},
		Article:    a,
		Rendered:   markdown.Render(a.Body),
		AboutTitle: aboutTitle,
		AboutHref:  aboutHref,
	})
}

func (s *Service) articleImage(w http.ResponseWriter, r *http.Request) error {
	a, err := ArticleBySlug(r.Context(), s.DB.Q(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	if a.ImageName == "" {
		return apperr.NotFound("image")
	}
	ext := ".png"
	if strings.Contains(a.ImageType, "jpeg") {
		ext = ".jpg"
	}
	return s.images().Serve(w, r, a.ImageName, a.Slug+ext, a.ImageType, a.UpdatedAt)
}

func (s *Service) articleForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderArticleForm(w, r, http.StatusOK, nil, url.Values{"category": {"general"}}, nil)
}

// renderArticleForm shows the publish form, or the edit form of a.
func (s *Service) renderArticleForm(w http.ResponseWriter, r *http.Request, status int, a *Article, form url.Values, err error) error {
	data := articleFormView{
		View:       web.View{Title: "Publish news", Form: form, Err: err},
		Categories: Categories,
		ImageHint:  imagePolicy.Hint(),
		Action:     "/news/new",
	}
	if a != nil {
		data.Title, data.Article, data.Action = "Change “"+a.Title+"”", a, "/news/"+a.Slug+"/edit"
	}
	return s.Web.Render(w, r, status, "library/article_form.html", data)
}

// editArticleForm shows an article's edit form, filled in.
func (s *Service) editArticleForm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := ArticleBySlug(ctx, s.DB.Q(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	_, about, err := aboutLink(ctx, s.DB.Q(), a)
	if err != nil {
		return err
	}
	form := url.Values{"title": {a.Title}, "category": {a.Category}, "summary": {a.Summary}, "body": {a.Body}, "image_alt": {a.ImageAlt}, "about": {about}}
	return s.renderArticleForm(w, r, http.StatusOK, a, form, nil)
}

func (s *Service) publishArticle(w http.ResponseWriter, r *http.Request) error {
	return s.saveArticle(w, r, nil)
}

func (s *Service) updateArticle(w http.ResponseWriter, r *http.Request) error {
	a, err := ArticleBySlug(r.Context(), s.DB.Q(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	return s.saveArticle(w, r, a)
}

// saveArticle publishes a new article (cur nil) or changes cur from the
// posted form; an error answers on the form with everything sent kept.
func (s *Service) saveArticle(w http.ResponseWriter, r *http.Request, cur *Article) error {
	ctx := r.Context()
	var form *uploads.Form
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if form, err = uploads.ReadForm(r, imagePolicy.Max); err != nil && apperr.Code(err) != apperr.EINVALID {
			return err
		}
	} else { // a form without a file field (the image is optional)
		if err := web.ParseForm(r); err != nil {
			return err
		}
		form = &uploads.Form{Values: r.PostForm, Files: map[string]*uploads.Part{}}
	}
	f := form.Values
	v := &apperr.Validation{}
	a := &Article{Title: clean.Line(f.Get("title")), Summary: clean.Text(f.Get("summary")), Body: f.Get("body"), Category: f.Get("category"), ImageAlt: clean.Line(f.Get("image_alt"))}
	if cur != nil {
		a.ID, a.Slug, a.PublishedAt, a.ImageName, a.ImageType = cur.ID, cur.Slug, cur.PublishedAt, cur.ImageName, cur.ImageType
		if f.Get("remove_image") == "yes" {
			a.ImageName, a.ImageType = "", ""
		}
	}
	for _, x := range []struct {
		field string
		to    *int64
	}{{"partnership_id", &a.PartnershipID}, {"event_id", &a.EventID}, {"opportunity_id", &a.OpportunityID}} {
		if t := strings.TrimSpace(f.Get(x.field)); t != "" {
			n, e := strconv.ParseInt(t, 10, 64)
			if e != nil || n < 1 {
				v.Add(x.field, "Enter the record's number, for example 12")
			}
			*x.to = n
		}
	}
	if about := strings.TrimSpace(f.Get("about")); about != "" {
		if err := resolveAbout(ctx, s.DB.Q(), about, a, v); err != nil {
			return err
		}
	}
	var file *uploads.File
	if p := form.Files["image"]; p != nil && (p.Name != "" || len(p.Data) > 0 || p.TooLarge) || form.Cut {
		var e error
		if file, e = imagePolicy.Check(form); e != nil {
			for _, fe := range apperr.Fields(e) {
				v.Add(fe.Field, fe.Message)
			}
			if uploads.TooLarge(e) {
				return s.renderArticleForm(w, r, http.StatusRequestEntityTooLarge, cur, f, v.Err())
			}
		} else {
			a.ImageName, a.ImageType = "pending", file.Type.ContentType
		}
	}
	// Checked before the file is saved, so only an article that will be
	// stored keeps one.
	if err := checkArticle(ctx, s.DB.Q(), a, v); err != nil {
		return s.renderArticleForm(w, r, uploads.Status(err), cur, f, err)
	}
	store := s.images()
	if file != nil {
		if a.ImageName, err = store.Save(file); err != nil {
			return err
		}
	}
	if cur == nil {
		err = s.PublishArticle(ctx, a, &apperr.Validation{}, web.IdentityFrom(ctx).UserID)
	} else {
		err = s.DB.Write(ctx, func(tx *db.Tx) error {
			if err := updateArticle(ctx, tx, a); err != nil {
				return err
			}
			if cur.ImageName != "" && cur.ImageName != a.ImageName {
				store.RemoveAfterCommit(tx, cur.ImageName)
			}
			return audit.Record(ctx, tx, 0, "library.article_update", "news_article", a.ID, a.Title)
		})
	}
	if err != nil {
		if file != nil {
			store.Discard(a.ImageName)
		}
		if apperr.Code(err) == apperr.EINVALID {
			return s.renderArticleForm(w, r, http.StatusUnprocessableEntity, cur, f, err)
		}
		return err
	}
	if cur != nil {
		return web.Redirect(w, r, "/news/"+a.Slug, "Article changed.")
	}
	return web.Redirect(w, r, "/news/"+a.Slug, "Article published.")
}

// deleteArticle asks (GET), then deletes an article and its image (POST).
func (s *Service) deleteArticle(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := ArticleBySlug(ctx, s.DB.Q(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	if r.Method == http.MethodGet {
		return s.Web.Confirm(w, r, web.Confirm{Title: "Delete an article", Question: "Are you sure you want to delete “" + a.Title + "”?",
			Detail: "It leaves the news, its feeds and the pages of the records it is about. This cannot be undone.",
			Button: "Delete the article", Back: "/news/" + a.Slug})
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM news_articles WHERE id = $1`, a.ID); err != nil {
			return err
		}
		if a.ImageName != "" {
			s.images().RemoveAfterCommit(tx, a.ImageName)
		}
		return audit.Record(ctx, tx, 0, "library.article_delete", "news_article", a.ID, a.Title)
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/news", "Article deleted: "+a.Title+".")
}

// aboutPages are the pages an article can be about: the path's prefix,
// the table its slug is in, and the article's field.
var aboutPages = []struct{ prefix, table, field string }{
	{"/partnerships/", "partnerships", "partnership_id"},
	{"/consortia/impact/", "partnerships", "partnership_id"},
	{"/events/", "events", "event_id"},
	{"/opportunities/", "opportunities", "opportunity_id"},
}

// resolveAbout reads the "about" field, the address of the consortium,
// event or opportunity page the article is about, into a's link.
func resolveAbout(ctx context.Context, q db.Querier, about string, a *Article, v *apperr.Validation) error {
	path := about
	if u, err := url.Parse(about); err == nil && u.Path != "" {
		path = u.Path
	}
	for _, p := range aboutPages {
		slug, ok := strings.CutPrefix(path, p.prefix)
		slug = strings.Trim(slug, "/")
		if !ok || slug == "" || strings.Contains(slug, "/") {
			continue
		}
		var id int64
		err := q.QueryRowContext(ctx, `SELECT id FROM `+p.table+` WHERE slug = $1`, slug).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			v.Add("about", "There is no page at "+about+": copy the address from the consortium's, event's or opportunity's page")
			return nil
		}
		if err != nil {
			return err
		}
		switch p.field {
		case "partnership_id":
			a.PartnershipID = id
		case "event_id":
			a.EventID = id
		default:
			a.OpportunityID = id
		}
		return nil
	}
	v.Add("about", "Paste the address of a consortium or partnership, an event or an opportunity page, like /events/trade-fair-2026")
	return nil
}

// aboutLink is the title and address of the page an article is about
// ("" for none).
func aboutLink(ctx context.Context, q db.Querier, a *Article) (title, href string, err error) {
	var query, prefix string
	var id int64
	switch {
	case a.PartnershipID != 0:
		query, prefix, id = `SELECT name, slug FROM partnerships WHERE id = $1`, "/partnerships/", a.PartnershipID
	case a.EventID != 0:
		query, prefix, id = `SELECT title, slug FROM events WHERE id = $1`, "/events/", a.EventID
	case a.OpportunityID != 0:
		query, prefix, id = `SELECT title, slug FROM opportunities WHERE id = $1`, "/opportunities/", a.OpportunityID
	default:
		return "", "", nil
	}
	var slug string
	if err := q.QueryRowContext(ctx, query, id).Scan(&title, &slug); err != nil {
		return "", "", db.Err(err, "record")
	}
	return title, prefix + slug, nil
}

func (s *Service) subscribe(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	email := strings.ToLower(strings.TrimSpace(r.PostForm.Get("email")))
	if !mail.ValidAddress(email) {
		return s.Web.Render(w, r, http.StatusUnprocessableEntity, "library/subscribe.html", subscribeView{
			View: web.View{Title: "Subscribe to the news digest", Form: r.PostForm, Err: fieldErr("email", "Enter an email address in the right format, like name@example.org")},
		})
	}
	ctx := r.Context()
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		tok, err := subscribe(ctx, tx, email)
		if err != nil || tok == "" {
			return err
		}
		return mail.Enqueue(ctx, tx, mail.Message{To: email, Kind: "news_confirm", Subject: "Confirm your Partnerhub news subscription",
			Body: "Hello,\n\nSomeone (we hope you) asked for Partnerhub's monthly news digest at this address. To start getting it, confirm here:\n" + s.baseURL() + "/news-digest/" + tok + "\n\nIf it was not you, ignore this email: nothing will be sent.\n"})
	})
	if err != nil {
		return err
	}
	// The same answer whether or not the address was already subscribed.
	return s.Web.Render(w, r, http.StatusOK, "library/subscribe.html", subscribeView{View: web.View{Title: "Check your email"}, Sent: email})
}

func (s *Service) confirmPage(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Referrer-Policy", "no-referrer")
	email, err := pendingSubscriber(r.Context(), s.DB.Q(), r.PathValue("token"))
	if err != nil {
		return s.Web.Render(w, r, http.StatusNotFound, "library/subscribe.html", subscribeView{View: web.View{Title: "This link does not work"}, Bad: apperr.Message(err)})
	}
	return s.Web.Render(w, r, http.StatusOK, "library/subscribe.html", subscribeView{View: web.View{Title: "Confirm your subscription"}, Confirm: email, Action: r.URL.Path})
}

func (s *Service) confirm(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Referrer-Policy", "no-referrer")
	ctx := r.Context()
	var email string
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		email, err = confirmSubscriber(ctx, tx, r.PathValue("token"))
		return err
	})
	if apperr.Code(err) == apperr.ENOTFOUND {
		return s.Web.Render(w, r, http.StatusNotFound, "library/subscribe.html", subscribeView{View: web.View{Title: "This link does not work"}, Bad: apperr.Message(err)})
	}
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, http.StatusOK, "library/subscribe.html", subscribeView{View: web.View{Title: "Subscribed"}, Done: email})
}
