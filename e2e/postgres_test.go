package e2e

import (
	"context"
	"database/sql"
	"os"
	"strconv"
	"testing"
	"time"

	_ "github.com/lib/pq"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/internal/bridgetest"
	"github.com/offrecord/offrecord/internal/dendritetest"
	"github.com/offrecord/offrecord/internal/stacktest"
	"github.com/offrecord/offrecord/internal/xmppbuddy"
)

// TestPostgresDatabase runs the bridge on PostgreSQL instead of the default
// SQLite: a login and a message each way work, and the bridge's rows are in
// Postgres. `make test` provides the database (scripts/start-postgres.sh).
// It runs its own stack: the shared one's bridges are on SQLite.
func TestPostgresDatabase(t *testing.T) {
	uri := os.Getenv("OFFRECORD_POSTGRES_URI")
	if uri == "" {
		t.Skip("OFFRECORD_POSTGRES_URI is not set (make test sets it with scripts/start-postgres.sh)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := stacktest.Start(t.TempDir(), stacktest.Options{Bridges: []stacktest.BridgeSpec{{
		Name:    "bridge",
		Options: bridgetest.Options{Extra: map[string]any{"database.type": "postgres", "database.uri": uri}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	br := s.Bridge("bridge")
	// Names of this run only: the counts below hold on a reused database too.
	run := strconv.FormatInt(time.Now().UnixNano()%1e12, 36)
	alice, alicePass, err := s.XMPPAccount("pgalice" + run)
	if err != nil {
		t.Fatal(err)
	}
	bobJID, bobPass, err := s.XMPPAccount("pgbob" + run)
	if err != nil {
		t.Fatal(err)
	}
	bot := br.BotMXID(dendritetest.ServerName)
	u := s.HS.NewUser(t, "pgmatrix", dendritetest.UserOptions{AutoJoin: true})
	if _, _, err := stacktest.Login(ctx, u, bot, alice, alicePass); err != nil {
		t.Fatalf("login on Postgres: %v", err)
	}

	bob, err := xmppbuddy.Start(ctx, s.BuddyConfig(bobJID, bobPass, "pg"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bob.Close() })
	if _, err := bob.Send(ctx, xmppad.Outgoing{To: alice, Body: "hello over postgres"}); err != nil {
		t.Fatal(err)
	}
	first, err := stacktest.WaitText(ctx, u, 0, "", stacktest.Ghost("xmpp_", bobJID), "hello over postgres")
	if err != nil {
		t.Fatalf("XMPP -> Matrix on Postgres: %v", err)
	}
	mark := bob.Mark()
	if _, err := u.SendText(ctx, first.RoomID, "reply over postgres"); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.WaitBody(ctx, mark, "reply over postgres"); err != nil {
		t.Fatalf("Matrix -> XMPP on Postgres: %v", err)
	}

	if _, err := os.Stat(br.DBPath()); !os.IsNotExist(err) {
		t.Errorf("a SQLite database appeared although Postgres is configured (stat: %v)", err)
	}
	db, err := sql.Open("postgres", uri)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The bridge writes a message's row after it has sent it on, so the
	// reply's row may come after bob got the reply: wait for the rows.
	var logins, messages int
	for {
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM user_login WHERE id = $1`, alice.String()).Scan(&logins); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM message WHERE room_id = $1`, bobJID.String()).Scan(&messages); err != nil {
			t.Fatal(err)
		}
		if logins == 1 && messages == 2 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("Postgres has %d logins and %d messages, want 1 and 2 (waited until the deadline)", logins, messages)
		case <-time.After(100 * time.Millisecond): // polling a database, bounded by ctx
		}
	}
}
