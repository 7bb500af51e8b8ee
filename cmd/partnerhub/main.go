// Command partnerhub serves and administers Partnerhub.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	// The zone database in the binary: without zone files on the host
	// Europe/London would not load (web.London refuses to fall back to UTC).
	_ "time/tzdata"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	code := m.Run(ctx, os.Args[1:])
	m.Close()
	if code != 0 {
		os.Exit(code)
	}
}
