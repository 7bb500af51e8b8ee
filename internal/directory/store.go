package directory

import (
	"context"
	"database/sql"
	"fmt"
	"partnerhub/internal/clean"
	"partnerhub/internal/web"
	"sort"
	"strings"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
)

const profileCols = `o.id, o.uuid, o.slug, o.name, o.sector, o.legal_form, o.created_at, o.updated_at,
	COALESCE(p.other_names, ''), COALESCE(p.description, ''), COALESCE(p.mission, ''), COALESCE(p.address, ''),
	COALESCE(p.postcode, ''), COALESCE(p.income_band, ''), p.staff, p.volunteers, COALESCE(p.outcomes_method, ''),
	COALESCE(p.website, ''), COALESCE(p.social_links, ''), COALESCE(p.published, TRUE), p.updated_at`

func scanProfile(row interface{ Scan(...any) error }) (*Profile, error) {
	var p Profile
	var staff, vols sql.NullInt64
	var links string
	if err := row.Scan(&p.ID, &p.UUID, &p.Slug, &p.Name, &p.Sector, &p.LegalForm, &p.CreatedAt, &p.UpdatedAt,
		&p.OtherNames, &p.Description, &p.Mission, &p.Address, &p.Postcode, &p.IncomeBand, &staff, &vols, &p.OutcomesMethod,
		&p.Website, &links, &p.Published, &p.ProfileUpdated); err != nil {
		return nil, db.Err(err, "organisation")
	}
	if staff.Valid {
		n := int(staff.Int64)
		p.Staff = &n
	}
	if vols.Valid {
		n := int(vols.Int64)
		p.Volunteers = &n
	}
	for _, l := range strings.Split(links, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			p.SocialLinks = append(p.SocialLinks, l)
		}
	}
	return &p, nil
}

// LoadProfile reads an organisation's full profile by id.
func LoadProfile(ctx context.Context, q db.Querier, orgID int64) (*Profile, error) {
	p, err := scanProfile(q.QueryRowContext(ctx, `SELECT `+profileCols+` FROM organisations o LEFT JOIN org_profiles p ON p.organisation_id = o.id WHERE o.id = $1`, orgID))
	if err != nil {
		return nil, err
	}
	return p, loadLists(ctx, q, p)
}

// LoadProfileBySlug reads a profile by the organisation's slug.
func LoadProfileBySlug(ctx context.Context, q db.Querier, slug string) (*Profile, error) {
	p, err := scanProfile(q.QueryRowContext(ctx, `SELECT `+profileCols+` FROM organisations o LEFT JOIN org_profiles p ON p.organisation_id = o.id WHERE o.slug = $1`, slug))
	if err != nil {
		return nil, err
	}
	return p, loadLists(ctx, q, p)
}

// VisibleProfile loads the profile named by slug if the caller (the
// identity in ctx) may see it: a published one, or an unpublished one to
// its members and admins. To anyone else it is missing (ENOTFOUND), as
// an organisation that does not exist.
func VisibleProfile(ctx context.Context, q db.Querier, slug string) (*Profile, error) {
	p, err := LoadProfileBySlug(ctx, q, slug)
	if err != nil {
		return nil, err
	}
	if id := web.IdentityFrom(ctx); !p.Published && (id == nil || !id.Admin && id.RoleIn(p.ID) == web.RoleNone) {
		return nil, apperr.NotFound("organisation")
	}
	return p, nil
}

func loadLists(ctx context.Context, q db.Querier, p *Profile) error {
	var err error
	if p.Identifiers, err = db.Column[string](ctx, q, `SELECT identifier FROM org_identifiers WHERE organisation_id = $1 ORDER BY identifier`, p.ID); err != nil {
		return err
	}
	if p.Wards, err = db.Column[string](ctx, q, `SELECT code FROM org_areas WHERE organisation_id = $1 AND kind = 'ward' ORDER BY code`, p.ID); err != nil {
		return err
	}
	if p.LocalAuths, err = db.Column[string](ctx, q, `SELECT code FROM org_areas WHERE organisation_id = $1 AND kind = 'la' ORDER BY code`, p.ID); err != nil {
		return err
	}
	rows, err := q.QueryContext(ctx, `SELECT ot.term_id, t.vocabulary FROM org_terms ot JOIN taxonomy_terms t ON t.id = ot.term_id WHERE ot.organisation_id = $1 ORDER BY t.vocabulary, t.position`, p.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			return err
		}
		p.TermIDs = append(p.TermIDs, id)
		p.termVocab = append(p.termVocab, v)
	}
	return rows.Err()
}

// OrgTerms returns the taxonomy term ids of an organisation.
func OrgTerms(ctx context.Context, q db.Querier, orgID int64) ([]int64, error) {
	return db.Column[int64](ctx, q, `SELECT term_id FROM org_terms WHERE organisation_id = $1 ORDER BY term_id`, orgID)
}

// checkTerms verifies term ids exist and are not retired.
//
// On PostgreSQL the terms are read FOR SHARE: a service renamed at the same
// time (reindexTerm) then waits for this save to commit, or this save for
// the rename, so that the saved search document holds the name that was
// committed last. On SQLite writes are serial.
func checkTerms(ctx context.Context, tx *db.Tx, ids []int64) error {
	lock := ``
	if tx.Dialect == db.Postgres {
		lock = ` FOR SHARE`
	}
	for _, id := range ids {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM taxonomy_terms WHERE id = $1`+lock, id).Scan(&n); err != nil {
			if err == sql.ErrNoRows {
				var v apperr.Validation
				v.Add("terms", fmt.Sprintf("Term %d does not exist", id))
				return v.Err()
			}
			return err
		}
	}
	return nil
}

// SaveProfile writes a validated profile (organisation basics, profile,
// identifiers, areas and terms), reindexes it for search and audits the
// fields that changed. It returns the names of the changed fields.
func SaveProfile(ctx context.Context, tx *db.Tx, p *Profile) ([]string, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := checkTerms(ctx, tx, p.TermIDs); err != nil {
		return nil, err
	}
	old, err := LoadProfile(ctx, tx, p.ID)
	if err != nil {
		return nil, err
	}
	for _, id := range p.Identifiers {
		var owner int64
		err := tx.QueryRowContext(ctx, `SELECT organisation_id FROM org_identifiers WHERE identifier = $1`, id).Scan(&owner)
		if err == nil && owner != p.ID {
			var v apperr.Validation
			v.Add("identifiers", "Identifier "+id+" is already used by another organisation in the directory")
			return nil, v.Err()
		} else if err != nil && err != sql.ErrNoRows {
			return nil, err
		}
	}
	changed := diff(old, p)
	if len(changed) == 0 {
		return nil, nil
	}
	now := db.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE organisations SET name = $1, sector = $2, legal_form = $3, updated_at = $4 WHERE id = $5`,
		p.Name, p.Sector, p.LegalForm, now, p.ID); err != nil {
		return nil, err
	}
	if old.Sector != p.Sector {
		accounts.IdentityChanged(tx) // its members' Commissioner
	}
	if old.Name != p.Name || old.Sector != p.Sector {
		// The network map names and shapes organisations.
		if err := db.BumpVersion(ctx, tx, db.VersionNetwork); err != nil {
			return nil, err
		}
	}
	if err := upsertProfile(ctx, tx, p, now); err != nil {
		return nil, err
	}
	if err := replaceLists(ctx, tx, p); err != nil {
		return nil, err
	}
	if err := reindex(ctx, tx, tx.Dialect, p.ID); err != nil {
		return nil, err
	}
	detail := "changed " + strings.Join(changed, ", ")
	if len(detail) > 900 {
		detail = detail[:900]
	}
	return changed, audit.Record(ctx, tx, p.ID, "directory.profile_update", "organisation", p.ID, detail)
}

func upsertProfile(ctx context.Context, q db.Querier, p *Profile, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO org_profiles (organisation_id, other_names, description, mission, address, postcode, income_band, staff, volunteers, outcomes_method, website, social_links, published, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (organisation_id) DO UPDATE SET other_names = EXCLUDED.other_names, description = EXCLUDED.description, mission = EXCLUDED.mission,
		address = EXCLUDED.address, postcode = EXCLUDED.postcode, income_band = EXCLUDED.income_band, staff = EXCLUDED.staff, volunteers = EXCLUDED.volunteers,
		outcomes_method = EXCLUDED.outcomes_method, website = EXCLUDED.website, social_links = EXCLUDED.social_links, published = EXCLUDED.published, updated_at = EXCLUDED.updated_at`,
		p.ID, p.OtherNames, p.Description, p.Mission, p.Address, p.Postcode, p.IncomeBand, db.NullPtr(p.Staff), db.NullPtr(p.Volunteers), p.OutcomesMethod,
		p.Website, strings.Join(p.SocialLinks, "\n"), p.Published, now)
	return err
}

func replaceLists(ctx context.Context, q db.Querier, p *Profile) error {
	for _, s := range []string{`DELETE FROM org_identifiers WHERE organisation_id = $1`, `DELETE FROM org_areas WHERE organisation_id = $1`, `DELETE FROM org_terms WHERE organisation_id = $1`} {
		if _, err := q.ExecContext(ctx, s, p.ID); err != nil {
			return err
		}
	}
	for _, id := range p.Identifiers {
		scheme := id[:strings.Index(id[3:], "-")+3]
		if _, err := q.ExecContext(ctx, `INSERT INTO org_identifiers (identifier, organisation_id, scheme) VALUES ($1, $2, $3)`, id, p.ID, scheme); err != nil {
			return err
		}
	}
	for _, w := range p.Wards {
		if _, err := q.ExecContext(ctx, `INSERT INTO org_areas (organisation_id, kind, code) VALUES ($1, 'ward', $2)`, p.ID, w); err != nil {
			return err
		}
	}
	for _, c := range p.LocalAuths {
		if _, err := q.ExecContext(ctx, `INSERT INTO org_areas (organisation_id, kind, code) VALUES ($1, 'la', $2)`, p.ID, c); err != nil {
			return err
		}
	}
	seen := map[int64]bool{}
	for _, t := range p.TermIDs {
		if seen[t] {
			continue
		}
		seen[t] = true
		if _, err := q.ExecContext(ctx, `INSERT INTO org_terms (organisation_id, term_id) VALUES ($1, $2)`, p.ID, t); err != nil {
			return err
		}
	}
	return nil
}

func sortedStrings(xs []string) string {
	c := append([]string(nil), xs...)
	sort.Strings(c)
	return strings.Join(c, ";")
}

func sortedIDs(xs []int64) string {
	c := append([]int64(nil), xs...)
	sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
	return fmt.Sprint(c)
}

func intp(p *int) string {
	if p == nil {
		return ""
	}
	return fmt.Sprint(*p)
}

// diff names the fields that differ between two profiles.
func diff(a, b *Profile) []string {
	var out []string
	add := func(name string, x, y string) {
		if x != y {
			out = append(out, name)
		}
	}
	add("name", a.Name, b.Name)
	add("sector", a.Sector, b.Sector)
	add("legal form", a.LegalForm, b.LegalForm)
	add("other names", a.OtherNames, b.OtherNames)
	add("description", a.Description, b.Description)
	add("mission", a.Mission, b.Mission)
	add("address", a.Address, b.Address)
	add("postcode", a.Postcode, b.Postcode)
	add("income band", a.IncomeBand, b.IncomeBand)
	add("staff", intp(a.Staff), intp(b.Staff))
	add("volunteers", intp(a.Volunteers), intp(b.Volunteers))
	add("outcomes method", a.OutcomesMethod, b.OutcomesMethod)
	add("website", a.Website, b.Website)
	add("social links", strings.Join(a.SocialLinks, "\n"), strings.Join(b.SocialLinks, "\n"))
	add("listed", fmt.Sprint(a.Published), fmt.Sprint(b.Published))
	add("identifiers", sortedStrings(a.Identifiers), sortedStrings(b.Identifiers))
	add("wards", sortedStrings(a.Wards), sortedStrings(b.Wards))
	add("local authorities", sortedStrings(a.LocalAuths), sortedStrings(b.LocalAuths))
	add("themes, services and client groups", sortedIDs(a.TermIDs), sortedIDs(b.TermIDs))
	if a.ProfileUpdated == nil && len(out) == 0 {
		out = append(out, "profile created")
	}
	return out
}

// Policies returns the policies an organisation holds, in the standard order.
func Policies(ctx context.Context, q db.Querier, orgID int64) ([]Policy, error) {
	rows, err := q.QueryContext(ctx, `SELECT kind, review_date FROM org_policies WHERE organisation_id = $1`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := time.Now()
	var out []Policy
	for rows.Next() {
		var p Policy
		if err := rows.Scan(&p.Kind, &p.ReviewDate); err != nil {
			return nil, err
		}
		p.DueForReview = policyDue(p.ReviewDate, now)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	order := map[string]int{}
	for i, k := range PolicyKinds {
		order[k] = i
	}
	sort.Slice(out, func(i, j int) bool { return order[out[i].Kind] < order[out[j].Kind] })
	return out, nil
}

// SetPolicies replaces the organisation's policies (audited).
func SetPolicies(ctx context.Context, tx *db.Tx, orgID int64, ps []Policy) error {
	var v apperr.Validation
	for _, p := range ps {
		v.Check(contains(PolicyKinds, p.Kind), "policy_"+p.Kind, "Select a policy from the list")
		v.Check(validDate(p.ReviewDate), "review_"+p.Kind, labels[p.Kind]+" policy review date must be a real date")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM org_policies WHERE organisation_id = $1`, orgID); err != nil {
		return err
	}
	var kinds []string
	for _, p := range ps {
		if _, err := tx.ExecContext(ctx, `INSERT INTO org_policies (organisation_id, kind, review_date) VALUES ($1, $2, $3)`, orgID, p.Kind, p.ReviewDate); err != nil {
			return err
		}
		kinds = append(kinds, p.Kind)
	}
	return audit.Record(ctx, tx, orgID, "directory.policies_update", "organisation", orgID, "policies: "+strings.Join(kinds, ", "))
}

// QualityMarks returns the quality marks an organisation holds.
func QualityMarks(ctx context.Context, q db.Querier, orgID int64) ([]QualityMark, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, level, awarded_on, expires_on FROM org_quality_marks WHERE organisation_id = $1 ORDER BY name, id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	t := today(time.Now())
	var out []QualityMark
	for rows.Next() {
		var m QualityMark
		if err := rows.Scan(&m.ID, &m.Name, &m.Level, &m.AwardedOn, &m.ExpiresOn); err != nil {
			return nil, err
		}
		m.Current = m.ExpiresOn == nil || !m.ExpiresOn.Before(t)
		out = append(out, m)
	}
	return out, rows.Err()
}

// AddQualityMark records a quality mark (audited).
func AddQualityMark(ctx context.Context, tx *db.Tx, orgID int64, m *QualityMark) error {
	var v apperr.Validation
	m.Name, m.Level = clean.Text(m.Name), clean.Text(m.Level)
	v.Check(m.Name != "", "qm_name", "Enter the name of the quality mark")
	checkLen(&v, "qm_name", "Quality mark name", m.Name, 120)
	checkLen(&v, "qm_level", "Level", m.Level, 60)
	v.Check(validDate(m.AwardedOn), "qm_awarded", "Date awarded must be a real date")
	v.Check(validDate(m.ExpiresOn), "qm_expires", "Expiry date must be a real date")
	if m.AwardedOn != nil && m.ExpiresOn != nil && m.ExpiresOn.Before(*m.AwardedOn) {
		v.Add("qm_expires", "Expiry date must be after the date awarded")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO org_quality_marks (organisation_id, name, level, awarded_on, expires_on) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		orgID, m.Name, m.Level, m.AwardedOn, m.ExpiresOn).Scan(&m.ID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, orgID, "directory.quality_mark_add", "quality_mark", m.ID, m.Name)
}

// DeleteQualityMark removes one of the organisation's quality marks.
func DeleteQualityMark(ctx context.Context, tx *db.Tx, orgID, id int64) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM org_quality_marks WHERE id = $1 AND organisation_id = $2`, id, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("quality mark")
	}
	return audit.Record(ctx, tx, orgID, "directory.quality_mark_delete", "quality_mark", id, "")
}

// Contacts returns the organisation's contact people (all fields: callers
// decide what is public with Contact.Public*).
func Contacts(ctx context.Context, q db.Querier, orgID int64) ([]Contact, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, role, email, phone, publish_name, publish_email, publish_phone, consent_at FROM org_contacts WHERE organisation_id = $1 ORDER BY id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Contact
	for rows.Next() {
		var c Contact
		if err := rows.Scan(&c.ID, &c.Name, &c.Role, &c.Email, &c.Phone, &c.PublishName, &c.PublishEmail, &c.PublishPhone, &c.ConsentAt); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// AddContact records a contact person with per-field publication consent.
func AddContact(ctx context.Context, tx *db.Tx, orgID int64, c *Contact) error {
	var v apperr.Validation
	c.Name, c.Role, c.Email, c.Phone = clean.Text(c.Name), clean.Text(c.Role), accounts.NormaliseEmail(c.Email), clean.Text(c.Phone)
	v.Check(c.Name != "", "contact_name", "Enter the contact's name")
	checkLen(&v, "contact_name", "Contact name", c.Name, 120)
	checkLen(&v, "contact_role", "Role", c.Role, 120)
	v.Check(c.Email == "" || (strings.Count(c.Email, "@") == 1 && !strings.ContainsAny(c.Email, " <>") && len(c.Email) <= 254 && strings.Contains(c.Email[strings.Index(c.Email, "@"):], ".")), "contact_email", "Enter an email address in the correct format, like name@example.org")
	v.Check(len(c.Phone) <= 30, "contact_phone", "Phone number must be 30 characters or fewer")
	if err := v.Err(); err != nil {
		return err
	}
	now := db.Now()
	if c.PublishName || c.PublishEmail || c.PublishPhone {
		c.ConsentAt = &now
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO org_contacts (organisation_id, name, role, email, phone, publish_name, publish_email, publish_phone, consent_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		orgID, c.Name, c.Role, c.Email, c.Phone, c.PublishName, c.PublishEmail, c.PublishPhone, c.ConsentAt, now).Scan(&c.ID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, orgID, "directory.contact_add", "contact", c.ID, "")
}

// DeleteContact erases a contact person.
func DeleteContact(ctx context.Context, tx *db.Tx, orgID, id int64) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM org_contacts WHERE id = $1 AND organisation_id = $2`, id, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("contact")
	}
	return audit.Record(ctx, tx, orgID, "directory.contact_delete", "contact", id, "")
}

// Badges returns the organisation's current badges.
func Badges(ctx context.Context, q db.Querier, orgID int64) ([]Badge, error) {
	rows, err := q.QueryContext(ctx, `SELECT kind, label, valid_until FROM org_badges WHERE organisation_id = $1 AND revoked_at IS NULL AND (valid_until IS NULL OR valid_until >= $2) ORDER BY awarded_on DESC`, orgID, today(time.Now()))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Badge
	for rows.Next() {
		var b Badge
		if err := rows.Scan(&b.Kind, &b.Label, &b.ValidUntil); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// PartnershipRow is one line of an organisation's partnership history.
type PartnershipRow struct {
	Slug, Name, Model, Status, Role string
	JoinedOn, LeftOn                *time.Time
	Public                          bool
}

// PartnershipHistory reads partnerships the organisation has been a member
// of (plain SQL on the partnerships tables); publicOnly hides 'members'
// visibility ones.
func PartnershipHistory(ctx context.Context, q db.Querier, orgID int64, publicOnly bool) ([]PartnershipRow, error) {
	query := `SELECT p.slug, p.name, p.model, p.status, m.role, m.joined_on, m.left_on, p.visibility = 'public'
		FROM partnership_members m JOIN partnerships p ON p.id = m.partnership_id WHERE m.organisation_id = $1`
	if publicOnly {
		query += ` AND p.visibility = 'public'`
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY m.joined_on DESC, p.name`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PartnershipRow
	for rows.Next() {
		var r PartnershipRow
		if err := rows.Scan(&r.Slug, &r.Name, &r.Model, &r.Status, &r.Role, &r.JoinedOn, &r.LeftOn, &r.Public); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// knownIdentifiers says which of ids the directory already has.
func knownIdentifiers(ctx context.Context, d *db.DB, ids []string) (map[string]bool, error) {
	known := map[string]bool{}
	err := db.QueryEach(ctx, d.Q(), d.Dialect, `SELECT identifier FROM org_identifiers WHERE identifier IN (IDS)`, nil, ids, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		known[id] = true
		return nil
	})
	return known, err
}

// CurrentQualityMarks lists the quality marks each of the organisations
// holds on day (not expired), by name, each as "name (level)" when it has
// a level.
func CurrentQualityMarks(ctx context.Context, q db.Querier, d db.Dialect, orgIDs []int64, day time.Time) (map[int64][]string, error) {
	out := map[int64][]string{}
	args := []any{day}
	err := db.EachRow(ctx, q, `SELECT organisation_id, name, level FROM org_quality_marks WHERE (expires_on IS NULL OR expires_on >= $1) AND organisation_id `+db.InIDs(d, &args, orgIDs)+` ORDER BY name`,
		args, func(r *sql.Rows) error {
			var o int64
			var n, l string
			if err := r.Scan(&o, &n, &l); err != nil {
				return err
			}
			if l != "" {
				n += " (" + l + ")"
			}
			out[o] = append(out[o], n)
			return nil
		})
	return out, err
}
