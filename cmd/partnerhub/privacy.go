package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/config"
	"partnerhub/internal/privacy"
)

// userPrivacy runs `partnerhub user export` (a subject-access ZIP) and
// `partnerhub user erase` (erasure, asking for confirmation unless --yes).
func (m *Main) userPrivacy(ctx context.Context, sub string, args []string) error {
	var email, out string
	var yes bool
	cfg, _, err := m.parse("user "+sub, args, (*config.Config).BindData, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the person's email address (required)")
		if sub == "export" {
			fs.StringVar(&out, "out", "", "ZIP file to write (required, must not exist)")
		} else {
			fs.BoolVar(&yes, "yes", false, "do not ask for confirmation (for scripts)")
		}
	})
	if err != nil {
		return err
	}
	if email == "" {
		return usageError{errors.New("--email is required")}
	}
	if sub == "export" && out == "" {
		return usageError{errors.New("--out is required")}
	}
	d, err := m.openCurrent(ctx, cfg)
	if err != nil {
		return err
	}
	s, err := privacy.Lookup(ctx, d.Q(), email)
	if err != nil {
		return errors.New(apperr.Message(err))
	}
	ctx = audit.WithActor(ctx, audit.Actor{RequestID: "cli"})
	if sub == "export" {
		f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			if errors.Is(err, os.ErrExist) {
				return fmt.Errorf("%s already exists", out)
			}
			return err
		}
		if err := privacy.Export(ctx, d.Q(), s, f, cfg.BaseURL); err != nil {
			f.Close()
			os.Remove(out)
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		if err := privacy.RecordExport(ctx, d, s, "command line"); err != nil {
			return err
		}
		abs, _ := filepath.Abs(out)
		fmt.Fprintf(m.Stdout, "subject-access export for %s written to %s\n", s.Email, abs)
		return nil
	}
	who := s.Email
	if s.UserID != 0 {
		who = fmt.Sprintf("%s (%s, account %d)", s.Email, s.Name, s.UserID)
	}
	if !yes {
		fmt.Fprintf(m.Stderr, "Erase everything held about %s? This cannot be undone.\nType the email address to confirm: ", who)
		line, _ := bufio.NewReader(m.Stdin).ReadString('\n')
		if !strings.EqualFold(strings.TrimSpace(line), s.Email) {
			return exitError{code: 1, err: errors.New("not confirmed: nothing erased")}
		}
	}
	rep, err := privacy.Erase(ctx, d, s)
	if err != nil {
		if m := apperr.Message(err); m != "" && apperr.Code(err) != apperr.EINTERNAL {
			return errors.New(m)
		}
		return err
	}
	fmt.Fprintf(m.Stdout, "erased %s\n", s.Email)
	for _, l := range rep.Lines() {
		fmt.Fprintln(m.Stdout, "  "+l)
	}
	return nil
}
