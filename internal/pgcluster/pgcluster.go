// Package pgcluster runs a private PostgreSQL cluster from the server
// binaries installed on the machine: bizenv's zero-setup default, and the
// database its tests run against.
package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Superuser is the name of the cluster's superuser, made by initdb.
const Superuser = "bizenv"

// Cluster is a PostgreSQL cluster in a data directory of its own.
type Cluster struct {
	dir     string
	bin     string
	port    int
	cred    *syscall.Credential // run server binaries as this user, when root
	owned   bool                // started by us, so stopped by us
	logger  *slog.Logger
	logFile string
}

// ErrNoServer is returned when no PostgreSQL server binaries can be found.
var ErrNoServer = errors.New("no PostgreSQL server binaries found (looked for initdb and pg_ctl in /usr/lib/postgresql/*/bin and PATH): " +
	"install them (Debian/Ubuntu: apt-get install postgresql) or point bizenv at a server with --database.url or BIZENV_DATABASE_URL")

// FindBinaries returns the directory holding initdb and pg_ctl: the newest
// /usr/lib/postgresql/*/bin, else the one on PATH.
func FindBinaries() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		d := filepath.Dir(p)
		if isExec(filepath.Join(d, "initdb")) {
			return d, nil
		}
	}
	return "", ErrNoServer
}

func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// Start makes sure a cluster runs in dir: it initialises dir when it holds
// no cluster and starts the server on a free loopback port. When a server
// already runs there (another bizenv process started it), Start connects to
// it and Stop leaves it running. As root, the server runs as the postgres
// user, which must exist, since PostgreSQL refuses to run as root.
func Start(ctx context.Context, dir string, logger *slog.Logger) (*Cluster, error) {
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: abs, bin: bin, logger: logger, logFile: abs + ".log"}
	if os.Geteuid() == 0 {
		if c.cred, err = postgresUser(); err != nil {
			return nil, err
		}
	}
	if err := c.prepareDir(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(abs, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		logger.Info("initialising private PostgreSQL cluster", "dir", abs, "bin", bin)
		if out, err := c.command(ctx, "initdb", "-D", abs, "-U", Superuser, "--auth=trust",
			"--encoding=UTF8", "--locale=C.UTF-8", "--no-sync").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("initdb %s: %v: %s", abs, err, bytes.TrimSpace(out))
		}
	}
	if port, ok := c.runningPort(); ok {
		c.port = port
		logger.Info("using running private PostgreSQL", "dir", abs, "port", port)
		return c, nil
	}
	if c.port, err = freePort(); err != nil {
		return nil, err
	}
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=on", c.port)
	cmd := c.command(ctx, "pg_ctl", "start", "-w", "-t", "60", "-D", abs, "-l", c.logFile, "-o", opts)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("start PostgreSQL in %s: %v: %s (log: %s)", abs, err, bytes.TrimSpace(out), c.logFile)
	}
	c.owned = true
	logger.Info("started private PostgreSQL", "dir", abs, "port", c.port)
	return c, nil
}

// prepareDir creates dir's parent and, as root, hands dir and the log file
// to the postgres user.
func (c *Cluster) prepareDir() error {
	if err := os.MkdirAll(filepath.Dir(c.dir), 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(c.dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	if c.cred == nil {
		return nil
	}
	f, err := os.OpenFile(c.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return err
	}
	f.Close()
	for _, p := range []string{c.dir, c.logFile} {
		if err := os.Chown(p, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return fmt.Errorf("hand %s to the postgres user: %w", p, err)
		}
	}
	// The server needs to pass through every parent directory.
	for d := filepath.Dir(c.dir); ; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o001 == 0 && !ownedBy(fi, c.cred.Uid) {
			return fmt.Errorf("the postgres user cannot reach %s: directory %s is not searchable by others (chmod o+x %s, or choose another --database.dir)", c.dir, d, d)
		}
		if d == "/" || d == "." {
			return nil
		}
	}
}

// runningPort reads the port of a live server from postmaster.pid.
func (c *Cluster) runningPort() (int, bool) {
	b, err := os.ReadFile(filepath.Join(c.dir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, false
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(lines[0]))
	port, _ := strconv.Atoi(strings.TrimSpace(lines[3]))
	if pid <= 0 || port <= 0 || syscall.Kill(pid, 0) != nil {
		return 0, false
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return 0, false
	}
	conn.Close()
	return port, true
}

func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = "/"
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd
}

func ownedBy(fi os.FileInfo, uid uint32) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Uid == uid
}

func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL must run as the postgres user, which does not exist: %w (create it: useradd --system postgres)", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Port is the loopback TCP port the server listens on.
func (c *Cluster) Port() int { return c.port }

// DSN returns a connection string for database on this cluster.
func (c *Cluster) DSN(database string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", Superuser, c.port, database)
}

// Stop stops the server if this Cluster started it.
func (c *Cluster) Stop(ctx context.Context) error {
	if !c.owned {
		return nil
	}
	c.owned = false
	if out, err := c.command(ctx, "pg_ctl", "stop", "-w", "-m", "fast", "-D", c.dir).CombinedOutput(); err != nil {
		return fmt.Errorf("stop PostgreSQL in %s: %v: %s", c.dir, err, bytes.TrimSpace(out))
	}
	c.logger.Info("stopped private PostgreSQL", "dir", c.dir)
	return nil
}

// Restart stops and starts the server on the same port: for fault tests.
func (c *Cluster) Restart(ctx context.Context) error {
	out, err := c.command(ctx, "pg_ctl", "restart", "-w", "-m", "fast", "-D", c.dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("restart PostgreSQL in %s: %v: %s", c.dir, err, bytes.TrimSpace(out))
	}
	return nil
}
