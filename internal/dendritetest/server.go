// Package dendritetest runs a real Dendrite homeserver on 127.0.0.1 for
// offrecord's tests and demo, and offers a small Matrix client toolkit (User)
// built on maunium.net/go/mautrix to drive it.
//
// The Dendrite binaries come from .cache/bin (built by `make deps` from the
// pinned tools/dendrite module). The server runs without federation, with
// SQLite files and an in-memory JetStream in its own folder, server name
// "localhost"; users are registered through the Synapse-style shared-secret
// admin endpoint.
//
// Concurrency: Server methods are safe for concurrent use, except that
// Restart and Close must not run concurrently with each other. User methods
// are safe for concurrent use; the embedded *mautrix.Client is as safe as
// mautrix makes it.
package dendritetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"
	"maunium.net/go/mautrix/synapseadmin"

	"github.com/offrecord/offrecord/internal/proc"
)

// ServerName is the Matrix server name of every test server.
const ServerName = "localhost"

// Timeouts for starting and stopping the homeserver process.
const (
	startTimeout = 60 * time.Second
	stopTimeout  = 10 * time.Second
)

// Options configure a Server.
type Options struct {
	// AppserviceRegistrations are paths of appservice registration YAML files.
	// Dendrite reads them when it starts (and on Restart).
	AppserviceRegistrations []string
	// Port is the HTTP port on 127.0.0.1; 0 picks a free one.
	Port int
	// BinDir holds dendrite, generate-config and generate-keys. Empty means
	// the .cache/bin folder of the enclosing Go module.
	BinDir string
	// Detached lets Dendrite outlive this process (for a demo running in the
	// background): it gets its own session and no parent-death signal, and
	// its PID goes to dir/dendrite.pid so that StopDir can stop it later.
	// Without it Dendrite is killed when this process dies.
	Detached bool
}

// Server is a running Dendrite homeserver.
type Server struct {
	dir      string // data folder holding config, key, databases and logs
	binDir   string
	port     int
	secret   string // registration shared secret
	detached bool

	mu sync.Mutex // guards p
	p  *proc.Proc // nil while stopped
}

// Start runs a Dendrite in a temporary folder for the duration of the test;
// it is stopped by t.Cleanup. Start fails the test if Dendrite cannot start.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := StartDir(t.TempDir(), opts)
	if err != nil {
		t.Fatalf("dendritetest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("dendritetest: stopping Dendrite: %v", err)
		}
		if t.Failed() {
			t.Logf("dendritetest: last lines of %s:\n%s", s.LogPath(), proc.Tail(s.LogPath(), 40))
		}
	})
	return s
}

// StartDir runs a Dendrite whose configuration, databases and logs live in
// dir (created if missing). Call Close to stop it; the folder is left in place.
func StartDir(dir string, opts Options) (*Server, error) {
	binDir, err := findBinDir(opts.BinDir)
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	regs := make([]string, len(opts.AppserviceRegistrations))
	for i, r := range opts.AppserviceRegistrations {
		if regs[i], err = filepath.Abs(r); err != nil {
			return nil, err
		}
		if _, err := os.Stat(regs[i]); err != nil {
			return nil, fmt.Errorf("appservice registration: %w", err)
		}
	}
	s := &Server{dir: dir, binDir: binDir, secret: randomHex(16), detached: opts.Detached}
	if err := s.writeConfig(regs); err != nil {
		return nil, err
	}

	// A free port can be taken by someone else before Dendrite binds it;
	// when we picked the port ourselves, try another. A port the caller
	// chose is not moved: its *proc.PortBusyError names the holder.
	for attempt := 0; ; attempt++ {
		s.port = opts.Port
		if s.port == 0 {
			if s.port, err = proc.FreePort(); err != nil {
				return nil, err
			}
		}
		err = s.start()
		if err == nil {
			return s, nil
		}
		if opts.Port != 0 || !errors.Is(err, proc.ErrPortBusy) || attempt == 2 {
			return nil, err
		}
	}
}

// URL is the client-server API base URL, e.g. http://127.0.0.1:34567.
func (s *Server) URL() string { return "http://127.0.0.1:" + strconv.Itoa(s.port) }

// ServerName is the Matrix server name ("localhost").
func (s *Server) ServerName() string { return ServerName }

// Port is the HTTP port Dendrite listens on.
func (s *Server) Port() int { return s.port }

// Dir is the data folder (dendrite.yaml, databases, dendrite.log).
func (s *Server) Dir() string { return s.dir }

// ConfigPath is the path of the generated dendrite.yaml.
func (s *Server) ConfigPath() string { return filepath.Join(s.dir, "dendrite.yaml") }

// LogPath is the file receiving Dendrite's output; read it when a test fails.
func (s *Server) LogPath() string { return filepath.Join(s.dir, "dendrite.log") }

// SharedSecret is the registration shared secret of /_synapse/admin/v1/register.
func (s *Server) SharedSecret() string { return s.secret }

// UserID is the full Matrix ID of localpart on this server.
func (s *Server) UserID(localpart string) id.UserID {
	return id.NewUserID(localpart, ServerName)
}

// CreateUser registers localpart with password through the shared-secret
// admin endpoint and returns a client logged in as that user (a fresh device).
// Dendrite rejects passwords shorter than 8 characters.
func (s *Server) CreateUser(ctx context.Context, localpart, password string, admin bool) (*mautrix.Client, error) {
	anon, err := mautrix.NewClient(s.URL(), "", "")
	if err != nil {
		return nil, err
	}
	adm := synapseadmin.Client{Client: anon}
	_, err = adm.SharedSecretRegister(ctx, s.secret, synapseadmin.ReqSharedSecretRegister{
		Username:     localpart,
		Password:     password,
		Admin:        admin,
		InhibitLogin: true,
	})
	if err != nil {
		return nil, fmt.Errorf("register %s: %w", localpart, err)
	}
	return s.Login(ctx, localpart, password)
}

// Login logs an existing user in with a password, as a new device.
func (s *Server) Login(ctx context.Context, localpart, password string) (*mautrix.Client, error) {
	cli, err := mautrix.NewClient(s.URL(), "", "")
	if err != nil {
		return nil, err
	}
	_, err = cli.Login(ctx, &mautrix.ReqLogin{
		Type:             mautrix.AuthTypePassword,
		Identifier:       mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: localpart},
		Password:         password,
		StoreCredentials: true,
	})
	if err != nil {
		return nil, fmt.Errorf("log in %s: %w", localpart, err)
	}
	return cli, nil
}

// Restart stops Dendrite and starts it again on the same port with the same
// data, re-reading the appservice registrations.
func (s *Server) Restart() error {
	if err := s.stop(); err != nil {
		return err
	}
	return s.start()
}

// Stop stops Dendrite (SIGTERM) until Start; its data stays.
func (s *Server) Stop() error { return s.stop() }

// Start starts a stopped Dendrite again on the same port with the same data.
func (s *Server) Start() error { return s.start() }

// Close stops Dendrite. Closing a stopped server does nothing.
func (s *Server) Close() error { return s.stop() }

// start launches the process and waits until it listens on its port
// itself and the client API answers.
func (s *Server) start() error {
	logf, err := os.OpenFile(s.LogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "--- dendritetest: starting on 127.0.0.1:%d at %s\n", s.port, time.Now().Format(time.RFC3339Nano))
	logf.Close()
	cmd := exec.Command(filepath.Join(s.binDir, "dendrite"),
		"-config", s.ConfigPath(),
		"-http-bind-address", "127.0.0.1:"+strconv.Itoa(s.port))
	cmd.Dir = s.dir
	p, err := proc.Start("dendrite", cmd, proc.Options{Log: s.LogPath(), Detached: s.detached})
	if err != nil {
		return err
	}
	if err := os.WriteFile(s.pidPath(), []byte(strconv.Itoa(p.PID())+"\n"), 0o600); err != nil {
		_ = p.Kill()
		return err
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	err = p.WaitReady(proc.Ready{
		Ports:   []int{s.port},
		Timeout: startTimeout,
		Check: func(ctx context.Context) error {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/_matrix/client/versions", nil)
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("versions: %s", resp.Status)
			}
			return nil
		},
	})
	if err != nil {
		_ = p.Stop(stopTimeout)
		_ = os.Remove(s.pidPath())
		return fmt.Errorf("dendritetest: %w", err)
	}
	s.mu.Lock()
	s.p = p
	s.mu.Unlock()
	return nil
}

// stop sends SIGTERM, and SIGKILL if the process lingers.
func (s *Server) stop() error {
	s.mu.Lock()
	p := s.p
	s.p = nil
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	defer os.Remove(s.pidPath())
	return p.Stop(stopTimeout)
}

// PID is Dendrite's process ID, 0 while stopped.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p == nil {
		return 0
	}
	return s.p.PID()
}

func (s *Server) pidPath() string { return filepath.Join(s.dir, "dendrite.pid") }

// StopDir stops a Dendrite started by another process with StartDir(dir,
// Options{Detached: true}), using dir/dendrite.pid. It returns nil when no
// such Dendrite runs.
func StopDir(dir string) error {
	pidFile := filepath.Join(dir, "dendrite.pid")
	b, err := os.ReadFile(pidFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return fmt.Errorf("dendritetest: bad pid file %s", pidFile)
	}
	// Only signal the process if it still is a Dendrite (PIDs get reused).
	if id := proc.Identify(pid); len(id.Cmdline) > 0 && filepath.Base(id.Cmdline[0]) == "dendrite" {
		proc.Terminate(id, stopTimeout)
	}
	_ = os.Remove(pidFile)
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
