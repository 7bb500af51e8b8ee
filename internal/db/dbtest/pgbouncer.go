//go:build unix

package dbtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"partnerhub/internal/db"
)

// PgBouncer opens a migrated database, in a new schema of the test
// PostgreSQL, through Debian's pgbouncer in transaction pooling mode,
// started on a random loopback port for this test only, with
// db.Options.Pooler "transaction". Without PostgreSQL or a pgbouncer
// binary the test is skipped, and under CI=true it fails instead
// (scripts/test-deps.sh installs pgbouncer).
func PgBouncer(t testing.TB) *db.DB {
	t.Helper()
	base := RequirePostgres(t)
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if _, e := os.Stat("/usr/sbin/pgbouncer"); e == nil {
			bin, err = "/usr/sbin/pgbouncer", nil
		}
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but pgbouncer is not installed: the PgBouncer test would be skipped (scripts/test-deps.sh installs it: apt-get install pgbouncer)")
		}
		t.Skip("pgbouncer is not installed (apt-get install pgbouncer)")
	}
	_, schema := NewSchema(t, base)
	pu, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	port := pu.Port()
	if port == "" {
		port = "5432"
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := l.Addr().(*net.TCPAddr).Port
	l.Close()
	// pgbouncer refuses to run as root, and then runs as nobody, which
	// must read its configuration: not under t.TempDir (mode 0700).
	dir, err := os.MkdirTemp("", "partnerhub-pgbouncer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Pooler mode sets nothing per connection; the README has deployers
	// set synchronize_seqscans on the database, which connect_query
	// stands in for here (the test database is shared), with the
	// fixtures' synchronous_commit (see PostgresURL).
	ini := fmt.Sprintf(`[databases]
partnerhub = host=%s port=%s dbname=%s user=%s connect_query='SET search_path TO %s; SET synchronize_seqscans = off; SET synchronous_commit = off'
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = any
pool_mode = transaction
max_client_conn = 500
default_pool_size = 5
`, pu.Hostname(), port, strings.TrimPrefix(pu.Path, "/"), pu.User.Username(), schema, listen)
	conf := filepath.Join(dir, "pgbouncer.ini")
	if err := os.WriteFile(conf, []byte(ini), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin, conf)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if os.Geteuid() == 0 {
		nobody, err := user.Lookup("nobody")
		if err != nil {
			t.Fatalf("pgbouncer will not run as root, and there is no user nobody: %v", err)
		}
		uid, _ := strconv.Atoi(nobody.Uid)
		gid, _ := strconv.Atoi(nobody.Gid)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start pgbouncer: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			t.Logf("pgbouncer log:\n%s", logs.String())
		}
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(listen))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pgbouncer did not listen on %s: %v\n%s", addr, err, logs.String())
		}
	}
	u := url.URL{Scheme: "postgres", User: url.User(pu.User.Username()), Host: addr, Path: "/partnerhub", RawQuery: "sslmode=disable"}
	d, err := db.Open(context.Background(), db.Options{URL: u.String(), Pooler: "transaction"})
	if err != nil {
		t.Fatalf("open through pgbouncer: %v\n%s", err, logs.String())
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate through pgbouncer: %v", err)
	}
	return d
}
