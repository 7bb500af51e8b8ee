package main

import (
	"context"
	"fmt"

	"partnerhub/internal/audit"
	"partnerhub/internal/config"
)

// auditCmd is `partnerhub audit verify`: it walks the audit log's hash
// chain and exits 0 when every entry verifies, 1 naming the first entry
// that does not.
func (m *Main) auditCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError{fmt.Errorf("usage: partnerhub audit verify [--data-dir DIR] [--database-url URL]")}
	}
	cfg, _, err := m.parse("audit verify", args[1:], (*config.Config).BindData, nil)
	if err != nil {
		return err
	}
	d, err := m.openCurrent(ctx, cfg)
	if err != nil {
		return err
	}
	v, err := audit.Verify(ctx, d)
	if err != nil {
		return err
	}
	if !v.OK() {
		return exitError{code: 1, err: fmt.Errorf("%s", v)}
	}
	fmt.Fprintln(m.Stdout, v)
	if v.Head != "" {
		fmt.Fprintf(m.Stdout, "head %s (keep it elsewhere: rows removed from the end show only against it)\n", v.Head)
	}
	return nil
}
