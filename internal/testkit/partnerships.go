package testkit

import "context"

// partnershipsDemo adds the partnerships feature's part of the demo town.
func partnershipsDemo(ctx context.Context, t *Town) error { return nil }
