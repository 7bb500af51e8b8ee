package partnerships

import (
	"context"
	"database/sql"
	"fmt"
	"partnerhub/internal/clean"
	"strings"
	"time"

	"github.com/google/uuid"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
)

// Partnership is a partnership or consortium record.
type Partnership struct {
	ID            int64
	UUID          string
	Slug          string
	Name          string
	Purpose       string
	Model         string
	Status        string
	Start         *time.Time
	End           *time.Time
	Visibility    string
	Origin        string
	OriginEventID *int64
	OriginPostID  *int64
	ImportRef     string
	CreatedAt     time.Time
	UpdatedAt     time.Time

	Members  []Member
	Themes   []int64
	Services []int64
	Areas    []string
}

// Member is one membership period of an organisation.
type Member struct {
	ID            int64
	PartnershipID int64
	OrgID         int64
	OrgName       string
	OrgSlug       string
	Sector        string
	Role          string
	Joined        *time.Time
	Left          *time.Time
}

// Current reports whether the membership has not ended by day d.
func (m Member) Current(d time.Time) bool { return m.Left == nil || !m.Left.Before(db.Day(d)) }

// IsConsortium reports whether the partnership is a consortium.
func (p *Partnership) IsConsortium() bool { return IsConsortium(p.Model) }

// Validate checks a partnership's own fields.
func (p *Partnership) Validate() error {
	v := &apperr.Validation{}
	p.Name = clean.Line(p.Name)
	p.Purpose = clean.Text(p.Purpose)
	v.Check(p.Name != "", "name", "Enter the partnership's name")
	v.Check(len(p.Name) <= 200, "name", "Name must be 200 characters or fewer")
	v.Check(len(p.Purpose) <= 5000, "purpose", "Purpose must be 5,000 characters or fewer")
	v.Check(in(Models, p.Model), "model", "Select the partnership model")
	v.Check(in(Statuses, p.Status), "status", "Select the status")
	v.Check(in(Visibilities, p.Visibility), "visibility", "Select who can see the partnership")
	v.Check(in(Origins, p.Origin), "origin", "Select how the partnership came about")
	if p.Start != nil && p.End != nil {
		v.Check(!p.End.Before(*p.Start), "end_date", "End date must be the same as or after the start date")
	}
	v.Check(p.Status != "ended" || p.End != nil, "end_date", "Enter the date the partnership ended")
	v.Check(p.Status == "proposed" || p.Status == "forming" || p.Start != nil, "start_date", "Enter the date the partnership started")
	// Active, dormant and ended mean started: a start date still to come
	// belongs to a partnership that is proposed or forming.
	if p.Start != nil && p.Status != "proposed" && p.Status != "forming" {
		v.Check(!p.Start.After(londonDay(time.Now())), "start_date",
			"The start date is in the future: a partnership that is "+strings.ToLower(codeLabels[p.Status])+" has started, so enter a date that is today or earlier, or set the status to proposed or forming")
	}
	return v.Err()
}

// ValidateMember checks a membership period.
func ValidateMember(m *Member) error {
	v := &apperr.Validation{}
	v.Check(m.OrgID != 0, "organisation", "Select the organisation")
	v.Check(in(MemberRoles, m.Role), "role", "Select the organisation's role")
	if m.Joined != nil && m.Left != nil {
		v.Check(!m.Left.Before(*m.Joined), "left", "The date it left must be the same as or after the date it joined")
	}
	return v.Err()
}

// uniqueSlug returns a slug for name not used by another partnership.
func uniqueSlug(ctx context.Context, q db.Querier, name string, self int64) (string, error) {
	base := clean.Slug(name)
	if base == "" {
		base = "partnership"
	}
	return db.UniqueSlug(ctx, q, "partnerships", base, self)
}

// Insert stores a new partnership with its members, terms and areas and
// the first status history row. It does not audit (callers do).
func Insert(ctx context.Context, tx db.Querier, p *Partnership, by int64) error {
	if err := p.Validate(); err != nil {
		return err
	}
	now := db.Now()
	if p.UUID == "" {
		p.UUID = uuid.NewString()
	}
	slug, err := uniqueSlug(ctx, tx, p.Name, 0)
	if err != nil {
		return err
	}
	p.Slug, p.CreatedAt, p.UpdatedAt = slug, now, now
	err = tx.QueryRowContext(ctx, `INSERT INTO partnerships (uuid, slug, name, purpose, model, status, start_date, end_date, visibility, origin, origin_event_id, origin_post_id, import_ref, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id`,
		p.UUID, p.Slug, p.Name, p.Purpose, p.Model, p.Status, db.NullDay(p.Start), db.NullDay(p.End), p.Visibility, p.Origin,
		db.NullPtr(p.OriginEventID), db.NullPtr(p.OriginPostID), db.NullString(p.ImportRef), now).Scan(&p.ID)
	if err != nil {
		return db.Err(err, "partnership")
	}
	if err := addStatus(ctx, tx, p.ID, p.Status, by, "Recorded"); err != nil {
		return err
	}
	for i := range p.Members {
		p.Members[i].PartnershipID = p.ID
		if err := InsertMember(ctx, tx, &p.Members[i]); err != nil {
			return err
		}
	}
	return setLinks(ctx, tx, p)
}

func addStatus(ctx context.Context, tx db.Querier, pid int64, status string, by int64, note string) error {
	var byArg any
	if by != 0 {
		byArg = by
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO partnership_status_history (partnership_id, status, changed_at, changed_by, note) VALUES ($1, $2, $3, $4, $5)`,
		pid, status, db.Now(), byArg, note)
	return err
}

// setLinks replaces the partnership's themes, services and areas (every
// create and update ends here, so it also moves the network map's data
// version).
func setLinks(ctx context.Context, tx db.Querier, p *Partnership) error {
	if err := db.BumpVersion(ctx, tx, db.VersionNetwork); err != nil {
		return err
	}
	for _, t := range []string{"partnership_terms", "partnership_services", "partnership_areas"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE partnership_id = $1`, p.ID); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, id := range p.Themes {
		if k := fmt.Sprint("t", id); !seen[k] {
			seen[k] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO partnership_terms (partnership_id, term_id) VALUES ($1, $2)`, p.ID, id); err != nil {
				return db.Err(err, "theme")
			}
		}
	}
	for _, id := range p.Services {
		if k := fmt.Sprint("s", id); !seen[k] {
			seen[k] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO partnership_services (partnership_id, term_id) VALUES ($1, $2)`, p.ID, id); err != nil {
				return db.Err(err, "service")
			}
		}
	}
	for _, a := range p.Areas {
		a = clean.Text(a)
		if a == "" || seen["a"+a] {
			continue
		}
		seen["a"+a] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO partnership_areas (partnership_id, area) VALUES ($1, $2)`, p.ID, a); err != nil {
			return err
		}
	}
	return nil
}

// InsertMember adds a membership period.
func InsertMember(ctx context.Context, tx db.Querier, m *Member) error {
	if err := ValidateMember(m); err != nil {
		return err
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO partnership_members (partnership_id, organisation_id, role, joined_on, left_on, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		m.PartnershipID, m.OrgID, m.Role, db.NullDay(m.Joined), db.NullDay(m.Left), db.Now()).Scan(&m.ID)
	if err != nil {
		return db.Err(err, "organisation")
	}
	return db.BumpVersion(ctx, tx, db.VersionNetwork)
}

const pCols = `p.id, p.uuid, p.slug, p.name, p.purpose, p.model, p.status, p.start_date, p.end_date, p.visibility, p.origin, p.origin_event_id, p.origin_post_id, COALESCE(p.import_ref, ''), p.created_at, p.updated_at`

func scanP(row interface{ Scan(...any) error }) (*Partnership, error) {
	p := &Partnership{}
	var s, e sql.NullTime
	var ev, po sql.NullInt64
	if err := row.Scan(&p.ID, &p.UUID, &p.Slug, &p.Name, &p.Purpose, &p.Model, &p.Status, &s, &e, &p.Visibility, &p.Origin, &ev, &po, &p.ImportRef, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	p.Start, p.End = db.DayPtr(s), db.DayPtr(e)
	if ev.Valid {
		p.OriginEventID = &ev.Int64
	}
	if po.Valid {
		p.OriginPostID = &po.Int64
	}
	return p, nil
}

// BySlug loads a partnership with its members, themes, services and areas.
func BySlug(ctx context.Context, q db.Querier, slug string) (*Partnership, error) {
	p, err := scanP(q.QueryRowContext(ctx, `SELECT `+pCols+` FROM partnerships p WHERE p.slug = $1`, slug))
	if err != nil {
		return nil, db.Err(err, "partnership")
	}
	return p, loadDetails(ctx, q, p)
}

// ByID loads a partnership by id.
func ByID(ctx context.Context, q db.Querier, id int64) (*Partnership, error) {
	p, err := scanP(q.QueryRowContext(ctx, `SELECT `+pCols+` FROM partnerships p WHERE p.id = $1`, id))
	if err != nil {
		return nil, db.Err(err, "partnership")
	}
	return p, loadDetails(ctx, q, p)
}

func loadDetails(ctx context.Context, q db.Querier, p *Partnership) error {
	ms, err := MembersOf(ctx, q, p.ID)
	if err != nil {
		return err
	}
	p.Members = ms
	p.Themes, p.Services, p.Areas = nil, nil, nil
	ids := func(table string) ([]int64, error) {
		return db.Column[int64](ctx, q, `SELECT term_id FROM `+table+` WHERE partnership_id = $1 ORDER BY term_id`, p.ID)
	}
	if p.Themes, err = ids("partnership_terms"); err != nil {
		return err
	}
	if p.Services, err = ids("partnership_services"); err != nil {
		return err
	}
	rows, err := q.QueryContext(ctx, `SELECT area FROM partnership_areas WHERE partnership_id = $1 ORDER BY area`, p.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return err
		}
		p.Areas = append(p.Areas, a)
	}
	return rows.Err()
}

// MembersOf lists a partnership's membership periods, leads first.
func MembersOf(ctx context.Context, q db.Querier, pid int64) ([]Member, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.id, m.partnership_id, m.organisation_id, o.name, o.slug, o.sector, m.role, m.joined_on, m.left_on
		FROM partnership_members m JOIN organisations o ON o.id = m.organisation_id
		WHERE m.partnership_id = $1
		ORDER BY CASE m.role WHEN 'lead' THEN 0 WHEN 'member' THEN 1 WHEN 'associate' THEN 2 ELSE 3 END, o.name, m.joined_on, m.id`, pid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		var j, l sql.NullTime
		if err := rows.Scan(&m.ID, &m.PartnershipID, &m.OrgID, &m.OrgName, &m.OrgSlug, &m.Sector, &m.Role, &j, &l); err != nil {
			return nil, err
		}
		m.Joined, m.Left = db.DayPtr(j), db.DayPtr(l)
		out = append(out, m)
	}
	return out, rows.Err()
}

// SectorMix is derived from the members (never typed in): third_third,
// third_public, third_private, all_three or no_third.
func SectorMix(ms []Member) string {
	var third, pub, priv bool
	for _, m := range ms {
		switch {
		case isThird(m.Sector):
			third = true
		case m.Sector == "public":
			pub = true
		case m.Sector == "private":
			priv = true
		}
	}
	switch {
	case !third:
		return "no_third"
	case pub && priv:
		return "all_three"
	case pub:
		return "third_public"
	case priv:
		return "third_private"
	}
	return "third_third"
}

// LeadOrgs are the organisations with a current lead membership.
func (p *Partnership) LeadOrgs() []int64 {
	var out []int64
	for _, m := range p.Members {
		if m.Role == "lead" && m.Current(time.Now()) {
			out = append(out, m.OrgID)
		}
	}
	return out
}

// MemberOrgs are every organisation that has ever been a member.
func (p *Partnership) MemberOrgs() map[int64]bool {
	out := map[int64]bool{}
	for _, m := range p.Members {
		out[m.OrgID] = true
	}
	return out
}

// orgChoice is an organisation offered in member pickers.
type orgChoice struct {
	Name, Slug string
}

func orgChoices(ctx context.Context, q db.Querier) ([]orgChoice, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, slug FROM organisations ORDER BY name LIMIT 3000`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []orgChoice
	for rows.Next() {
		var c orgChoice
		if err := rows.Scan(&c.Name, &c.Slug); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// findOrg resolves an organisation typed by name or slug.
func findOrg(ctx context.Context, q db.Querier, s string) (*accounts.Organisation, error) {
	s = clean.Text(s)
	if s == "" {
		return nil, fieldErr("organisation", "Enter the organisation's name")
	}
	if o, err := accounts.OrgBySlug(ctx, q, s); err == nil {
		return o, nil
	}
	var slug string
	err := q.QueryRowContext(ctx, `SELECT slug FROM organisations WHERE LOWER(name) = LOWER($1) ORDER BY id LIMIT 1`, s).Scan(&slug)
	if err != nil {
		return nil, fieldErr("organisation", "No organisation called “"+s+"” is in the directory: check the name")
	}
	return accounts.OrgBySlug(ctx, q, slug)
}

// Delete removes a partnership record (its members, links and documents
// records go with it by cascade).
func Delete(ctx context.Context, tx *db.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM partnerships WHERE id = $1`, id); err != nil {
		return err
	}
	return db.BumpVersion(ctx, tx, db.VersionNetwork)
}

// firstStart is the earliest start date of a partnership that got going
// (not only proposed), or nil when there is none.
func firstStart(ctx context.Context, q db.Querier) (*time.Time, error) {
	var first *time.Time
	rows, err := q.QueryContext(ctx, `SELECT start_date FROM partnerships WHERE status <> 'proposed' AND start_date IS NOT NULL ORDER BY start_date LIMIT 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		first = &t
	}
	return first, rows.Err()
}
