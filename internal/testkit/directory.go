package testkit

import "context"

// directoryDemo adds the directory feature's part of the demo town.
func directoryDemo(ctx context.Context, t *Town) error { return nil }
