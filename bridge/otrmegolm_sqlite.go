package bridge

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/rs/zerolog"
	"go.mau.fi/util/dbutil"
	_ "go.mau.fi/util/dbutil/litestream" // registers the drivers hooked below before this package's init
)

// SQLite keeps deleted bytes: in the freed space of its pages until it is
// reused, and in old frames of its write-ahead log until the log is
// overwritten. Megolm keys of an ended OTR span must be gone from every file,
// so every connection of the SQLite drivers the bridge can be configured
// with runs with secure_delete (SQLite zeroes what it frees), and the WAL is
// checkpointed and truncated after each deletion (checkpointDB).

// secureDeleteDrivers are the database/sql SQLite drivers whose connections
// get secure_delete: mautrix's (database.type) and mattn's plain one.
var secureDeleteDrivers = []string{"sqlite3-fk-wal", "sqlite3-fk-wal-fullsync", "litestream", "sqlite3"}

func init() {
	for _, name := range secureDeleteDrivers {
		db, err := sql.Open(name, "") // opens no connection
		if err != nil {
			continue
		}
		if d, ok := db.Driver().(*sqlite3.SQLiteDriver); ok {
			next := d.ConnectHook
			d.ConnectHook = func(conn *sqlite3.SQLiteConn) error {
				if next != nil {
					if err := next(conn); err != nil {
						return err
					}
				}
				_, err := conn.Exec("PRAGMA secure_delete = ON", []driver.Value{})
				return err
			}
		}
		_ = db.Close()
	}
}

// checkpointDB copies SQLite's WAL into the database file and truncates it,
// so that no frame holding deleted key bytes remains. Readers in the middle
// of a transaction can make it busy; it then tries again for a while.
func (c *Connector) checkpointDB(ctx context.Context, log zerolog.Logger) {
	db := c.Bridge.DB.Database
	if db == nil || db.Dialect != dbutil.SQLite {
		return
	}
	for attempt := 0; attempt < 40; attempt++ {
		var busy, frames, done int
		err := db.RawDB.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &done)
		if err != nil {
			log.Warn().Err(err).Msg("Could not checkpoint the SQLite WAL after deleting Megolm keys")
			return
		}
		if busy == 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
	log.Warn().Msg("Could not truncate the SQLite WAL after deleting Megolm keys: the database stayed busy")
}
