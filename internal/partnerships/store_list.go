package partnerships

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/partnerships/models"
	"partnerhub/internal/web"
)

// Update stores a partnership's own fields and links; a status change adds
// a history row with note.
func Update(ctx context.Context, tx db.Querier, p *Partnership, oldStatus string, by int64, note string) error {
	if err := p.Validate(); err != nil {
		return err
	}
	p.UpdatedAt = db.Now()
	res, err := tx.ExecContext(ctx, `UPDATE partnerships SET name = $1, purpose = $2, model = $3, status = $4, start_date = $5, end_date = $6,
		visibility = $7, origin = $8, origin_event_id = $9, updated_at = $10 WHERE id = $11`,
		p.Name, p.Purpose, p.Model, p.Status, db.NullDay(p.Start), db.NullDay(p.End), p.Visibility, p.Origin, db.NullPtr(p.OriginEventID), p.UpdatedAt, p.ID)
	if err != nil {
		return db.Err(err, "partnership")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.Err(sql.ErrNoRows, "partnership")
	}
	if oldStatus != p.Status {
		if err := addStatus(ctx, tx, p.ID, p.Status, by, note); err != nil {
			return err
		}
	}
	return setLinks(ctx, tx, p)
}

// UpdateMember changes a membership period's role and dates.
func UpdateMember(ctx context.Context, tx db.Querier, m *Member) error {
	if err := ValidateMember(m); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE partnership_members SET role = $1, joined_on = $2, left_on = $3 WHERE id = $4 AND partnership_id = $5`,
		m.Role, db.NullDay(m.Joined), db.NullDay(m.Left), m.ID, m.PartnershipID)
	if err != nil {
		return db.Err(err, "membership")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.Err(sql.ErrNoRows, "membership")
	}
	return db.BumpVersion(ctx, tx, db.VersionNetwork)
}

// DeleteMember removes a membership period recorded by mistake.
func DeleteMember(ctx context.Context, tx db.Querier, pid, mid int64) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM partnership_members WHERE id = $1 AND partnership_id = $2`, mid, pid)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.Err(sql.ErrNoRows, "membership")
	}
	return db.BumpVersion(ctx, tx, db.VersionNetwork)
}

// StatusChange is one row of a partnership's status history.
type StatusChange struct {
	Status string
	At     time.Time
	By     string
	Note   string
}

// History lists the status changes, oldest first.
func History(ctx context.Context, q db.Querier, pid int64) ([]StatusChange, error) {
	rows, err := q.QueryContext(ctx, `SELECT h.status, h.changed_at, COALESCE(u.name, ''), h.note FROM partnership_status_history h
		LEFT JOIN users u ON u.id = h.changed_by WHERE h.partnership_id = $1 ORDER BY h.changed_at, h.id`, pid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StatusChange
	for rows.Next() {
		var c StatusChange
		if err := rows.Scan(&c.Status, &c.At, &c.By, &c.Note); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Filter narrows a listing.
type Filter struct {
	Q         string
	Model     string
	Status    string
	Theme     int64
	Org       int64 // partnerships this organisation has been a member of
	Consortia bool
	// Consortia only (issue 13 item 5): holding the Quality Mark now, every
	// current full member commissioning ready, delivering a service, in a ward.
	QualityMark bool
	ReadyFull   bool
	Service     int64
	Ward        string
	Sort        string        // "" (newest first), "name", "quality_mark"
	Today       time.Time     // the day "now" means (zero: today)
	Viewer      *web.Identity // nil = the public
	Limit       int
	Offset      int
}

// Row is one line of a listing.
type Row struct {
	ID         int64
	Slug       string
	Name       string
	Model      string
	Status     string
	Start      *time.Time
	End        *time.Time
	Members    int
	Mix        string
	Lead       string
	Visibility string
	// Consortia only: the Quality Mark held now (and until when, nil for
	// no end), and current full members, how many commissioning ready.
	QualityMark      bool
	QualityMarkUntil *time.Time
	FullMembers      int
	ReadyFull        int
}

// ReadyText says how many full members are commissioning ready.
func (r Row) ReadyText() string {
	if r.FullMembers == 0 {
		return "No full members"
	}
	if r.ReadyFull == r.FullMembers {
		return "All " + itoa(r.FullMembers) + " ready"
	}
	return itoa(r.ReadyFull) + " of " + itoa(r.FullMembers) + " ready"
}

// SQL of a consortium's Quality Mark and full members on day $d.
func qmHeldSQL(d string) string {
	return `(SELECT COUNT(*) FROM assess_awards qa WHERE qa.kind = 'quality_mark' AND qa.subject_type = 'partnership' AND qa.subject_id = p.id
		AND qa.revoked_at IS NULL AND (qa.valid_until IS NULL OR qa.valid_until >= ` + d + `))`
}

func qmUntilSQL(d string) string {
	return `(SELECT MAX(qa.valid_until) FROM assess_awards qa WHERE qa.kind = 'quality_mark' AND qa.subject_type = 'partnership' AND qa.subject_id = p.id
		AND qa.revoked_at IS NULL AND qa.valid_until >= ` + d + `)`
}

func fullMembersSQL(d string, ready bool) string {
	s := `(SELECT COUNT(DISTINCT fm.organisation_id) FROM partnership_members fm LEFT JOIN consortium_member_tiers ft ON ft.member_id = fm.id
		WHERE fm.partnership_id = p.id AND (fm.left_on IS NULL OR fm.left_on >= ` + d + `) AND (fm.joined_on IS NULL OR fm.joined_on <= ` + d + `)
		AND COALESCE(ft.tier, 'full') = 'full'`
	if ready {
		s += ` AND EXISTS (SELECT 1 FROM org_badges b WHERE b.organisation_id = fm.organisation_id AND b.kind = 'commissioning_ready'
			AND b.revoked_at IS NULL AND (b.valid_until IS NULL OR b.valid_until >= ` + d + `))`
	}
	return s + `)`
}

// visibleTo is the SQL condition (and args) for what the viewer may see.
func visibleTo(id *web.Identity, next int) (string, []any) {
	if id != nil && id.Admin {
		return "1 = 1", nil
	}
	if id == nil || len(id.Orgs) == 0 {
		return "p.visibility = 'public'", nil
	}
	var args []any
	for org := range id.Orgs {
		args = append(args, org)
	}
	return "(p.visibility = 'public' OR EXISTS (SELECT 1 FROM partnership_members vm WHERE vm.partnership_id = p.id AND vm.organisation_id IN (" + db.Marks(next, len(args)) + ")))", args
}

// List returns the partnerships the filter's viewer may see and the total.
func List(ctx context.Context, q db.Querier, f Filter) ([]Row, int, error) {
	var where []string
	var args []any
	add := func(cond string, vals ...any) {
		where = append(where, cond)
		args = append(args, vals...)
	}
	vis, vargs := visibleTo(f.Viewer, 1)
	add(vis, vargs...)
	n := func() string { return "$" + itoa(len(args)+1) }
	if m := db.MatchWords(f.Q, []string{"p.name", "p.purpose"}, func(v any) string {
		args = append(args, v)
		return "$" + itoa(len(args))
	}); m != "" {
		where = append(where, m)
	}
	if f.Model != "" {
		add("p.model = "+n(), f.Model)
	}
	if f.Status != "" {
		add("p.status = "+n(), f.Status)
	}
	if f.Theme != 0 {
		add("EXISTS (SELECT 1 FROM partnership_terms pt WHERE pt.partnership_id = p.id AND pt.term_id = "+n()+")", f.Theme)
	}
	if f.Org != 0 {
		add("EXISTS (SELECT 1 FROM partnership_members om WHERE om.partnership_id = p.id AND om.organisation_id = "+n()+")", f.Org)
	}
	if f.Consortia {
		add("p.model IN " + models.ConsortiumSQL())
	}
	today := f.Today
	if today.IsZero() {
		today = time.Now()
	}
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	var day string // the placeholder of today, once needed
	dayArg := func() string {
		if day == "" {
			args = append(args, today)
			day = "$" + itoa(len(args))
		}
		return day
	}
	if f.Consortia {
		if f.QualityMark {
			where = append(where, qmHeldSQL(dayArg())+` > 0`)
		}
		if f.ReadyFull {
			where = append(where, fullMembersSQL(dayArg(), false)+` > 0 AND `+fullMembersSQL(dayArg(), false)+` = `+fullMembersSQL(dayArg(), true))
		}
		if f.Service != 0 {
			add("EXISTS (SELECT 1 FROM partnership_services ps WHERE ps.partnership_id = p.id AND ps.term_id = "+n()+")", f.Service)
		}
		if f.Ward != "" {
			add("EXISTS (SELECT 1 FROM partnership_areas pa WHERE pa.partnership_id = p.id AND pa.area = "+n()+")", f.Ward)
		}
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM partnerships p WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	sector := func(in string) string {
		return `(SELECT COUNT(*) FROM partnership_members sm JOIN organisations so ON so.id = sm.organisation_id WHERE sm.partnership_id = p.id AND so.sector IN ` + in + `)`
	}
	consortium := `0, NULL, 0, 0`
	if f.Consortia {
		consortium = qmHeldSQL(dayArg()) + `, ` + qmUntilSQL(dayArg()) + `, ` + fullMembersSQL(dayArg(), false) + `, ` + fullMembersSQL(dayArg(), true)
	}
	order := `p.start_date DESC, p.name`
	switch f.Sort {
	case "name":
		order = `p.name, p.id`
	case "quality_mark":
		if f.Consortia {
			order = qmHeldSQL(dayArg()) + ` DESC, p.name, p.id`
		}
	}
	// The page's rows first, then the correlated counts for those rows only
	// (a sorter would otherwise compute them for every matching row).
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.slug, p.name, p.model, p.status, p.start_date, p.end_date, p.visibility,
		(SELECT COUNT(DISTINCT cm.organisation_id) FROM partnership_members cm WHERE cm.partnership_id = p.id),
		`+sector(thirdIn)+`, `+sector("('public')")+`, `+sector("('private')")+`,
		COALESCE((SELECT MIN(lo.name) FROM partnership_members lm JOIN organisations lo ON lo.id = lm.organisation_id WHERE lm.partnership_id = p.id AND lm.role = 'lead'), ''),
		`+consortium+`
		FROM (SELECT p.* FROM partnerships p WHERE `+cond+` ORDER BY `+order+` LIMIT `+itoa(f.Limit)+` OFFSET `+itoa(f.Offset)+`) p
		ORDER BY `+order, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		var s, e sql.NullTime
		var third, pub, priv, qm int
		var until any // a date, or its text: SQLite loses the type through MAX()
		if err := rows.Scan(&r.ID, &r.Slug, &r.Name, &r.Model, &r.Status, &s, &e, &r.Visibility, &r.Members, &third, &pub, &priv, &r.Lead,
			&qm, &until, &r.FullMembers, &r.ReadyFull); err != nil {
			return nil, 0, err
		}
		r.QualityMark = qm > 0
		if u, ok := scannedDate(until); ok && r.QualityMark {
			r.QualityMarkUntil = &u
		}
		r.Start, r.End = db.DayPtr(s), db.DayPtr(e)
		var ms []Member
		if third > 0 {
			ms = append(ms, Member{Sector: "vcs"})
		}
		if pub > 0 {
			ms = append(ms, Member{Sector: "public"})
		}
		if priv > 0 {
			ms = append(ms, Member{Sector: "private"})
		}
		r.Mix = SectorMix(ms)
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// CanSee reports whether the identity may see the partnership: public ones
// everyone, members-only ones every member organisation and admins.
func CanSee(id *web.Identity, p *Partnership) bool {
	if p.Visibility == "public" {
		return true
	}
	if id == nil {
		return false
	}
	if id.Admin {
		return true
	}
	for org := range p.MemberOrgs() {
		if id.RoleIn(org) != web.RoleNone {
			return true
		}
	}
	return false
}

// CanManage reports whether the identity manages the partnership: editors
// and owners of a lead organisation, and admins (the rule of the routes'
// ObjectRole("partnership", web.RoleEditor) policy, for showing links).
func CanManage(id *web.Identity, p *Partnership) bool {
	return id != nil && (id.Admin || partnershipObject(p).RoleOn(id) >= web.RoleEditor)
}

// scannedDate reads a date scanned from an expression: a time, or on
// SQLite its text ("2027-03-01" or with a time after it).
func scannedDate(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case []byte:
		return scannedDate(string(t))
	case string:
		if len(t) >= 10 {
			if d, err := time.Parse(time.DateOnly, t[:10]); err == nil {
				return d, true
			}
		}
	}
	return time.Time{}, false
}

// QualityMarkHeld says whether a consortium holds the Consortia Quality
// Mark on day, and until when (nil: no end date).
func QualityMarkHeld(ctx context.Context, q db.Querier, id int64, day time.Time) (bool, *time.Time, error) {
	var n int
	var until any
	err := q.QueryRowContext(ctx, `SELECT `+qmHeldSQL("$2")+`, `+qmUntilSQL("$2")+` FROM partnerships p WHERE p.id = $1`, id, day).Scan(&n, &until)
	if err != nil {
		return false, nil, err
	}
	if u, ok := scannedDate(until); ok && n > 0 {
		return true, &u, nil
	}
	return n > 0, nil, nil
}
