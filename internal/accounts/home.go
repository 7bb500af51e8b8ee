package accounts

import (
	"context"
	"net/http"

	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// homeRoutes serve the signed-in person's home: what needs doing now.
func homeRoutes(s *Service) []web.Route {
	return []web.Route{
		web.Get("/home", web.SignedIn, s.homePage),
	}
}

// homePage gathers every feature's todos (accounts' own first); only the
// non-empty ones are shown, and "Nothing needs doing" when none are.
func (s *Service) homePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	var todos []web.Todo
	for _, f := range append([]web.TodoFunc{s.twoFactorTodos, s.invitationTodos}, s.Todos...) {
		ts, err := f(ctx, id)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if t.Count > 0 {
				todos = append(todos, t)
			}
		}
	}
	return s.Web.Render(w, r, 200, "accounts/home.html", homeView{View: web.View{Title: "What needs doing"}, Todos: todos, Name: id.Name})
}

// invitationTodos: invitations to join an organisation sent to the
// person's address and still open, and (for owners) people who have been
// invited to their organisations but not yet accepted.
func (s *Service) invitationTodos(ctx context.Context, id *web.Identity) ([]web.Todo, error) {
	n, err := OpenInvitationsFor(ctx, s.DB.Q(), id.Email)
	if err != nil {
		return nil, err
	}
	var out []web.Todo
	if n > 0 {
		out = append(out, web.Todo{Title: "Invitations to join an organisation", Count: n,
			Hint: "Open the link in the invitation email we sent to " + id.Email + " to accept."})
	}
	return out, nil
}

// OpenInvitationsFor counts unaccepted, unexpired invitations sent to email.
func OpenInvitationsFor(ctx context.Context, q db.Querier, email string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM invitations WHERE email = $1 AND accepted_at IS NULL AND expires_at > $2`, NormaliseEmail(email), db.Now()).Scan(&n)
	return n, err
}

// twoFactorTodos: an admin or assessor who has not set up two-factor
// sign-in, which their admin area or review routes need.
func (s *Service) twoFactorTodos(ctx context.Context, id *web.Identity) ([]web.Todo, error) {
	if id.SecondFactor || !id.Privileged {
		return nil, nil
	}
	t, err := TOTPFor(ctx, s.DB.Q(), s.Key, id.UserID)
	if err != nil || t.Enrolled() {
		return nil, err
	}
	return []web.Todo{{Title: "Set up two-factor sign-in", Count: 1, Href: "/account/two-factor/setup",
		Hint: "Your account needs it for the admin area and for reviewing assessments."}}, nil
}
