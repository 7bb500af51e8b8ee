package directory

import (
	"context"
	"net/http"
	"net/url"
	"partnerhub/internal/accounts"
	"strconv"
	"strings"
	"sync"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
)

// filterFrom reads a Filter from query values (the page, CSV, JSON and API share it).
func filterFrom(v url.Values) Filter {
	// A term id that is not a whole number is kept as -1, which Validate
	// refuses (not 0, which would drop the filter silently).
	id := func(k string) int64 {
		s := strings.TrimSpace(v.Get(k))
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return -1
		}
		return n
	}
	return Filter{
		Q: v.Get("q"), Sector: v.Get("sector"), LegalForm: v.Get("legal_form"), Ward: v.Get("ward"),
		LocalAuthority: v.Get("local_authority"), Service: id("service"), ClientGroup: id("client_group"), Theme: id("theme"),
		IncomeBand: v.Get("income_band"), QualityMark: v.Get("quality_mark"), Policy: v.Get("policy"),
		CommissioningReady: v.Get("commissioning_ready") == "1" || v.Get("commissioning_ready") == "true", Sort: v.Get("sort"),
		OutcomesStep: strings.TrimSpace(v.Get("outcomes_step")),
	}
}

// vocabularies loads the three term lists for forms.
func vocabularies(ctx context.Context, q db.Querier) (map[string][]taxonomy.Term, error) {
	out := map[string][]taxonomy.Term{}
	for _, v := range []string{taxonomy.Services, taxonomy.ClientGroups, taxonomy.Themes} {
		ts, err := taxonomy.List(ctx, q, v, false)
		if err != nil {
			return nil, err
		}
		out[v] = ts
	}
	return out, nil
}

// termOptions are a vocabulary's terms as a select's options (their ids
// as values).
func termOptions(ts []taxonomy.Term) *web.Choices { return web.OptionChoices(termChoices(ts)) }

// termChecks are a vocabulary's terms as checkboxes named name, with ids
// prefix-ID.
func termChecks(name, prefix string, ts []taxonomy.Term) *web.Choices {
	return web.CheckboxChoices(name, prefix, termChoices(ts))
}

func termChoices(ts []taxonomy.Term) []web.Choice {
	cs := make([]web.Choice, len(ts))
	for i, t := range ts {
		cs[i] = web.Choice{Value: strconv.FormatInt(t.ID, 10), Label: t.Name}
	}
	return cs
}

// laOptions are the local authorities as a select's options (codes as
// values), made once.
var laOptions = sync.OnceValue(func() *web.Choices {
	var cs []web.Choice
	for _, la := range LocalAuthorities() {
		cs = append(cs, web.Choice{Value: la.Code, Label: la.Name})
	}
	return web.OptionChoices(cs)
})

// wardChecks are the wards as checkboxes named ward, made once.
var wardChecks = sync.OnceValue(func() *web.Choices {
	var cs []web.Choice
	for _, w := range Wards() {
		cs = append(cs, web.Choice{Value: w, Label: w, ID: web.HTMLID(w)})
	}
	return web.CheckboxChoices("ward", "ward", cs)
})

// directoryColumns are the CSV columns of a directory search.
func (s *Service) directoryColumns() []web.Column[Item] {
	join := func(xs []string) string { return strings.Join(xs, "; ") }
	return []web.Column[Item]{
		{Header: "name", Cell: func(it Item) string { return it.Name }},
		{Header: "sector", Cell: func(it Item) string { return accounts.Label(it.Sector) }},
		{Header: "legal_form", Cell: func(it Item) string { return accounts.Label(it.LegalForm) }},
		{Header: "identifiers", Cell: func(it Item) string { return join(it.Identifiers) }},
		{Header: "postcode", Cell: func(it Item) string { return it.Postcode }},
		{Header: "wards", Cell: func(it Item) string { return join(it.Wards) }},
		{Header: "services", Cell: func(it Item) string { return join(it.Services) }},
		{Header: "income_band", Cell: func(it Item) string { return label(it.IncomeBand) }},
		{Header: "website", Cell: func(it Item) string { return it.Website }},
		{Header: "description", Cell: func(it Item) string { return it.Description }},
		{Header: "url", Cell: func(it Item) string { return s.Web.Config.BaseURL + "/directory/" + it.Slug }},
	}
}

func (s *Service) list(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := filterFrom(r.URL.Query())
	var res Result
	var help SearchHelp
	return web.ServeList(s.Web, w, r, web.List[Item]{
		Name: "directory", Columns: s.directoryColumns(),
		Fetch: func(ctx context.Context, limit, offset int) ([]Item, int, error) {
			f.Limit, f.Offset = limit, offset
			if f.Validate() != nil {
				// Search reports the filter's error; nothing to expand.
				var err error
				res, err = Search(ctx, s.q(), s.DB.Dialect, f)
				return res.Items, res.Total, err
			}
			ef, v, err := s.expandFilter(ctx, f)
			if err != nil {
				return nil, 0, err
			}
			if res, err = Search(ctx, s.q(), s.DB.Dialect, ef); err != nil {
				return nil, 0, err
			}
			if !web.WantsCSV(r) && web.ExportFormat(r) == "" {
				if help, err = s.help(ctx, ef, v, res); err != nil {
					return nil, 0, err
				}
			}
			return res.Items, res.Total, nil
		},
		Meta: func() map[string]any {
			return map[string]any{"total_capped": res.TotalCapped, "ranked_among": res.RankedAmong}
		},
		Render: func(p web.ListPage[Item]) error {
			fd, err := s.formData(ctx)
			if err != nil {
				return err
			}
			status := http.StatusOK
			if p.Err != nil {
				status = http.StatusUnprocessableEntity // a filter the form does not offer
			}
			return s.Web.Render(w, r, status, "directory/list.html", listView{
				View:          web.View{Title: "Directory of organisations", Err: p.Err, Form: r.URL.Query()},
				Refreshes:     fd.refreshes,
				Result:        res,
				Help:          help,
				FiltersActive: filtersActive(r.URL.Query()),
				Pager:         p.PagerData(r),
				Filter:        f,
				Terms:         fd.options(),
				Wards:         Wards(),
				LAs:           laOptions(),
				CSV:           p.CSVURL,
				JSONURL:       p.JSONURL,
				Steps:         stepOptions(),
				Sectors:       []string{"vcs", "social_enterprise", "faith", "public", "private"},
				LegalForms:    []string{"charity", "cio", "charitable_company", "cic", "cbs", "unincorporated", "public_body", "company"},
				IncomeBands:   IncomeBands,
				PolicyKinds:   PolicyKinds,
				Sorts:         Sorts,
			})
		},
	})
}

func (s *Service) show(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := LoadProfileBySlug(ctx, s.DB.Q(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	id := web.IdentityFrom(ctx)
	member := id != nil && (id.Admin || id.RoleIn(p.ID) != web.RoleNone)
	// A charity removed from the register (a company dissolved) is left
	// out of searches but its page stays, saying so.
	register, removedOn, err := RemovedOn(ctx, s.DB.Q(), p.ID)
	if err != nil {
		return err
	}
	if !p.Published && !member && removedOn == "" {
		return apperr.NotFound("organisation")
	}
	od, err := s.pageData(ctx, p, member)
	if err != nil {
		return err
	}
	if t, err := time.Parse("2006-01-02", removedOn); err == nil {
		removedOn = t.Format("2 January 2006")
	}
	if web.WantsJSON(r) {
		return web.JSON(w, http.StatusOK, apiOrg(p, od))
	}
	data := orgView{
		View:        web.View{Title: p.Name, Description: firstNonEmpty(p.Description, p.Mission)},
		orgData:     od,
		P:           p,
		RemovedFrom: register,
		RemovedOn:   removedOn,
		CanEdit:     id != nil && id.Can(p.ID, web.RoleEditor),
		IsAdmin:     id != nil && id.Admin,
	}
	if err := s.shortlistData(r, p, &data); err != nil {
		return err
	}
	members, err := memberCount(ctx, s.DB.Q(), p.ID)
	if err != nil {
		return err
	}
	data.Claimable = members == 0
	return s.Web.Render(w, r, http.StatusOK, "directory/org.html", data)
}

// pageData gathers what an organisation page shows; contacts are filtered
// to consented fields unless the viewer is a member.
func (s *Service) pageData(ctx context.Context, p *Profile, member bool) (orgData, error) {
	q := s.DB.Q()
	pols, err := Policies(ctx, q, p.ID)
	if err != nil {
		return orgData{}, err
	}
	marks, err := QualityMarks(ctx, q, p.ID)
	if err != nil {
		return orgData{}, err
	}
	badges, err := Badges(ctx, q, p.ID)
	if err != nil {
		return orgData{}, err
	}
	hist, err := PartnershipHistory(ctx, q, p.ID, !member)
	if err != nil {
		return orgData{}, err
	}
	contacts, err := Contacts(ctx, q, p.ID)
	if err != nil {
		return orgData{}, err
	}
	if !member {
		contacts = publicContacts(contacts)
	}
	terms, err := termsByVocabulary(ctx, q, p.TermIDs)
	if err != nil {
		return orgData{}, err
	}
	nets, err := OrgNetworks(ctx, q, p.ID)
	if err != nil {
		return orgData{}, err
	}
	var laNames []string
	for _, c := range p.LocalAuths {
		if la, ok := LocalAuthorityByCode(c); ok {
			laNames = append(laNames, la.Name)
		}
	}
	return orgData{Policies: pols, Marks: marks, Badges: badges, Partnerships: hist, Contacts: contacts,
		Terms: terms, Networks: nets, LANames: laNames, Completeness: Completeness(p, pols, contacts)}, nil
}

// publicContacts keeps only the fields each person agreed to publish.
func publicContacts(cs []Contact) []Contact {
	var out []Contact
	for _, c := range cs {
		pc := Contact{ID: c.ID}
		if c.PublishName {
			pc.Name, pc.Role = c.Name, c.Role
		}
		if c.PublishEmail {
			pc.Email = c.Email
		}
		if c.PublishPhone {
			pc.Phone = c.Phone
		}
		if pc.Name != "" || pc.Email != "" || pc.Phone != "" {
			out = append(out, pc)
		}
	}
	return out
}

func termsByVocabulary(ctx context.Context, q db.Querier, ids []int64) (map[string][]taxonomy.Term, error) {
	out := map[string][]taxonomy.Term{}
	for _, id := range ids {
		t, err := taxonomy.Get(ctx, q, id)
		if err != nil {
			return nil, err
		}
		out[t.Vocabulary] = append(out[t.Vocabulary], t)
	}
	return out, nil
}

func (s *Service) history(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := LoadProfileBySlug(ctx, s.DB.Q(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	entries, _, err := audit.List(ctx, s.DB.Q(), audit.Filter{OrgID: p.ID, Limit: 200})
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, http.StatusOK, "directory/history.html", historyView{View: web.View{Title: "Profile history: " + p.Name}, P: p, Entries: entries})
}

// filtersActive counts the filters in use besides the search words, so the
// page opens its "Filters" control when there are some.
func filtersActive(v url.Values) int {
	n := 0
	for _, k := range []string{"sector", "legal_form", "service", "client_group", "theme", "ward", "local_authority", "income_band", "policy", "quality_mark", "commissioning_ready", "outcomes_step"} {
		if strings.TrimSpace(v.Get(k)) != "" {
			n++
		}
	}
	if s := v.Get("sort"); s != "" && s != "relevance" {
		n++
	}
	return n
}
