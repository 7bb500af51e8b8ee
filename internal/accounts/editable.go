package accounts

import (
	"net/http"

	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// EditableOrgs are the signed-in caller's organisations where they may act
// as editor or above, in name order, leaving out except (an organisation
// the choice must not offer, such as an opportunity's own buyer). It is the
// "on behalf of which organisation" choice of partnerships' lead and
// opportunities' question/consultation forms. Nobody signed in, or a
// failed look-up, offers no choice.
func EditableOrgs(r *http.Request, q db.Querier, except ...int64) []OrgWithRole {
	id := web.IdentityFrom(r.Context())
	if id == nil {
		return nil
	}
	orgs, err := OrgsForUser(r.Context(), q, id.UserID)
	if err != nil {
		return nil
	}
	var out []OrgWithRole
next:
	for _, o := range orgs {
		for _, x := range except {
			if o.ID == x {
				continue next
			}
		}
		if id.Can(o.ID, web.RoleEditor) {
			out = append(out, o)
		}
	}
	return out
}
