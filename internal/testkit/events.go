package testkit

import "context"

// eventsDemo adds the events feature's part of the demo town.
func eventsDemo(ctx context.Context, t *Town) error { return nil }
