package web

import "context"

// Todo is one "what needs doing now" line on a signed-in person's home
// (/home): a count of things waiting and where to deal with them. Each
// feature offers its own TodoFunc; accounts collects them.
type Todo struct {
	Title string // e.g. "Bookings coming up"
	Count int
	Href  string // where to act; "" when the action is in an email
	Hint  string // optional one-line explanation
}

// TodoFunc lists what is waiting for the signed-in person id. It returns
// only non-empty todos (Count > 0).
type TodoFunc func(ctx context.Context, id *Identity) ([]Todo, error)
