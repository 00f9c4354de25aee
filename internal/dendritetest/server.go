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
// Stop and Start must not run concurrently with each other. User
// methods are safe for concurrent use; the embedded *mautrix.Client is as
// safe as mautrix makes it.
package dendritetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"
	"maunium.net/go/mautrix/synapseadmin"

	"github.com/offrecord/offrecord/internal/proc"
)

// ServerName is the Matrix server name of every test server.
const ServerName = "localhost"

// Options configure a Server.
type Options struct {
	// AppserviceRegistrations are absolute paths of appservice registration
	// YAML files. Dendrite reads them when it starts.
	AppserviceRegistrations []string
	// Port is the HTTP port on 127.0.0.1; 0 picks a free one.
	Port int
}

// Server is a running Dendrite homeserver.
type Server struct {
	dir    string // data folder holding config, key, databases and logs
	binDir string
	port   int
	secret string                    // registration shared secret
	p      atomic.Pointer[proc.Proc] // nil while stopped
}

// StartDir runs a Dendrite whose configuration, databases and logs live in
// dir (created if missing). Call Stop to stop it; the folder is left in place.
func StartDir(dir string, opts Options) (*Server, error) {
	binDir, err := findBinDir()
	if err != nil {
		return nil, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s := &Server{dir: dir, binDir: binDir, secret: rand.Text()}
	if err := s.writeConfig(opts.AppserviceRegistrations); err != nil {
		return nil, err
	}
	// A free port can be taken by someone else before Dendrite binds it;
	// when we picked the port ourselves, try another. A port the caller
	// chose is not moved: its *proc.PortBusyError names the holder.
	for attempt := 0; ; attempt++ {
		if s.port = opts.Port; s.port == 0 {
			if s.port, err = proc.FreePort(); err != nil {
				return nil, err
			}
		}
		var busy *proc.PortBusyError
		if err = s.Start(); err == nil {
			return s, nil
		} else if opts.Port != 0 || !errors.As(err, &busy) || attempt == 2 {
			return nil, err
		}
	}
}

// URL is the client-server API base URL, e.g. http://127.0.0.1:34567.
func (s *Server) URL() string { return "http://127.0.0.1:" + strconv.Itoa(s.port) }

// ServerName is the Matrix server name ("localhost").
func (s *Server) ServerName() string { return ServerName }

// Dir is the data folder (dendrite.yaml, databases, dendrite.log).
func (s *Server) Dir() string { return s.dir }

func (s *Server) configPath() string { return filepath.Join(s.dir, "dendrite.yaml") }

// LogPath is the file receiving Dendrite's output; read it when a test fails.
func (s *Server) LogPath() string { return filepath.Join(s.dir, "dendrite.log") }

// UserID is the full Matrix ID of localpart on this server.
func (s *Server) UserID(localpart string) id.UserID { return id.NewUserID(localpart, ServerName) }

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
		Username: localpart, Password: password, Admin: admin, InhibitLogin: true,
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

// Start starts a stopped Dendrite again on the same port with the same data
// and waits until it listens on its port itself and the client API answers.
func (s *Server) Start() error {
	cmd := exec.Command(filepath.Join(s.binDir, "dendrite"), "-config", s.configPath(),
		"-http-bind-address", "127.0.0.1:"+strconv.Itoa(s.port))
	cmd.Dir = s.dir
	p, err := proc.Start("dendrite", cmd, proc.Options{Log: s.LogPath()})
	if err != nil {
		return err
	}
	if err := p.WaitReady(proc.Ready{Ports: []int{s.port}, URL: s.URL() + "/_matrix/client/versions"}); err != nil {
		_ = p.Stop()
		return fmt.Errorf("dendritetest: %w", err)
	}
	s.p.Store(p)
	return nil
}

// Stop stops Dendrite (SIGTERM, then SIGKILL if it lingers) until Start;
// its data stays. Stopping a stopped server does nothing.
func (s *Server) Stop() error { return s.p.Swap(nil).Stop() }
