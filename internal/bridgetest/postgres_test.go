package bridgetest_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/internal/bridgetest"
	"github.com/offrecord/offrecord/internal/dendritetest"
	"github.com/offrecord/offrecord/internal/prosodytest"
)

// inbox is an XMPP handler that hands on received messages.
type inbox struct{ ch chan *xmppad.Message }

func (b inbox) HandleMessage(m *xmppad.Message)                          { b.ch <- m }
func (b inbox) HandleChatState(jid.JID, xmppad.ChatState, xmppad.Carbon) {}
func (b inbox) HandleReceipt(jid.JID, string)                            {}
func (b inbox) HandleDisplayed(jid.JID, string, xmppad.Carbon)           {}
func (b inbox) HandlePresence(*xmppad.Presence)                          {}
func (b inbox) HandleRoster([]xmppad.RosterItem, bool)                   {}
func (b inbox) HandleConnState(xmppad.ConnState, error)                  {}
func (b inbox) HandleError(error)                                        {}

// TestPostgresDatabase runs the bridge on PostgreSQL instead of the default
// SQLite: a login and a message each way work, and the bridge's rows are in
// Postgres. `make test` provides the database (scripts/start-postgres.sh).
func TestPostgresDatabase(t *testing.T) {
	uri := os.Getenv("OFFRECORD_POSTGRES_URI")
	if uri == "" {
		t.Skip("OFFRECORD_POSTGRES_URI is not set (make test sets it with scripts/start-postgres.sh)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pr := prosodytest.Start(t, prosodytest.Options{})
	bin, err := bridgetest.Build()
	if err != nil {
		t.Fatal(err)
	}
	port, err := bridgetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	br, err := bridgetest.Prepare(bin, t.TempDir(), bridgetest.Options{
		HomeserverURL: fmt.Sprintf("http://127.0.0.1:%d", port),
		Domain:        dendritetest.ServerName,
		XMPP:          map[string]any{"ca_file": pr.CAFile(), "server": pr.Addr()},
		Extra:         map[string]any{"database.type": "postgres", "database.uri": uri},
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := dendritetest.Start(t, dendritetest.Options{Port: port, AppserviceRegistrations: []string{br.RegistrationPath()}})
	if err := br.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = br.Stop() })
	for user, pass := range map[string]string{"pgalice": "pgalice-pw", "pgbob": "pgbob-pw"} {
		if err := pr.Register(user, pass); err != nil {
			t.Fatal(err)
		}
	}
	bot := br.BotMXID(dendritetest.ServerName)
	u := hs.NewUser(t, "pgmatrix", dendritetest.UserOptions{AutoJoin: true})
	mgmt, err := u.CreateDM(ctx, bot, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.WaitJoined(ctx, mgmt, bot); err != nil {
		t.Fatal(err)
	}
	if _, err := u.SendText(ctx, mgmt, "login password pgalice@localhost pgalice-pw"); err != nil {
		t.Fatal(err)
	}
	if _, err := u.WaitEvent(ctx, mgmt, func(e *event.Event) bool {
		return e.Sender == bot && strings.Contains(e.Content.AsMessage().Body, "Logged in as pgalice@localhost")
	}); err != nil {
		t.Fatalf("login on Postgres: %v", err)
	}

	in := inbox{ch: make(chan *xmppad.Message, 16)}
	bob, err := xmppad.New(xmppad.Config{JID: "pgbob@localhost", Password: "pgbob-pw", Server: pr.Addr(), CAFile: pr.CAFile()}, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := bob.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	go bob.Run(ctx)
	t.Cleanup(func() { _ = bob.Close() })
	if _, err := bob.Send(ctx, xmppad.Outgoing{To: jid.MustParse("pgalice@localhost"), Body: "hello over postgres"}); err != nil {
		t.Fatal(err)
	}
	ghost := id.NewUserID("xmpp_"+id.EncodeUserLocalpart("pgbob@localhost"), dendritetest.ServerName)
	first, err := u.WaitEvent(ctx, "", func(e *event.Event) bool {
		return e.Sender == ghost && e.Type == event.EventMessage && e.Content.AsMessage().Body == "hello over postgres"
	})
	if err != nil {
		t.Fatalf("XMPP -> Matrix on Postgres: %v", err)
	}
	if _, err := u.SendText(ctx, first.RoomID, "reply over postgres"); err != nil {
		t.Fatal(err)
	}
	for got := false; !got; {
		select {
		case m := <-in.ch:
			got = m.Body == "reply over postgres"
		case <-ctx.Done():
			t.Fatal("Matrix -> XMPP on Postgres: nothing arrived")
		}
	}

	if _, err := os.Stat(br.DBPath()); !os.IsNotExist(err) {
		t.Errorf("a SQLite database appeared although Postgres is configured (stat: %v)", err)
	}
	db, err := sql.Open("postgres", uri)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var logins, messages int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM user_login WHERE id = 'pgalice@localhost'`).Scan(&logins); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM message WHERE room_id = 'pgbob@localhost'`).Scan(&messages); err != nil {
		t.Fatal(err)
	}
	if logins != 1 || messages != 2 {
		t.Errorf("Postgres has %d logins and %d messages, want 1 and 2", logins, messages)
	}
}
