package bridge

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/mattn/go-sqlite3"
)

// plainSQLiteDriver is mattn's driver without our hook: the control.
const plainSQLiteDriver = "sqlite3-offrecord-test-plain"

func init() {
	sql.Register(plainSQLiteDriver, &sqlite3.SQLiteDriver{})
}

// TestSecureDeleteLeavesNoBytes: with the bridge's driver (secure_delete
// hook), a key-sized secret that was updated away and deleted is in neither
// the database file nor the WAL after the checkpoint checkpointDB runs. The
// same steps on an unhooked driver leave it in the files, so the check can
// see it.
func TestSecureDeleteLeavesNoBytes(t *testing.T) {
	secret := make([]byte, 64)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	marker := "KEY" + hex.EncodeToString(secret)
	for _, c := range []struct {
		driver    string
		wantFound bool
	}{
		{"sqlite3-fk-wal", false},
		{plainSQLiteDriver, true},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "test.db")
		db, err := sql.Open(c.driver, "file:"+path+"?_txlock=immediate&_journal_mode=WAL")
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		var on int
		if err := db.QueryRowContext(ctx, "PRAGMA secure_delete").Scan(&on); err != nil {
			t.Fatal(err)
		}
		if (on == 1) == c.wantFound {
			t.Fatalf("%s: secure_delete = %d", c.driver, on)
		}
		mustExec(t, db, "CREATE TABLE s (id INTEGER PRIMARY KEY, session TEXT, other TEXT)")
		for i := 0; i < 50; i++ {
			mustExec(t, db, "INSERT INTO s (session, other) VALUES (?, ?)", "filler", hex.EncodeToString(secret[:i%8+1]))
		}
		// The secret is written, rewritten with more data (the row moves),
		// then cleared as RedactGroupSession does, and a neighbour deleted.
		mustExec(t, db, "UPDATE s SET session = ? WHERE id = 10", marker)
		mustExec(t, db, "UPDATE s SET other = ? WHERE id = 10", string(bytes.Repeat([]byte("x"), 900)))
		mustExec(t, db, "UPDATE s SET session = NULL WHERE id = 10")
		mustExec(t, db, "INSERT INTO s (session) VALUES (?)", marker)
		mustExec(t, db, "DELETE FROM s WHERE session = ?", marker)
		var busy, frames, done int
		if err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &done); err != nil || busy != 0 {
			t.Fatalf("%s: checkpoint: busy %d, %v", c.driver, busy, err)
		}
		found := false
		for _, name := range []string{"test.db", "test.db-wal"} {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			found = found || bytes.Contains(data, []byte(marker))
		}
		if wal, err := os.Stat(path + "-wal"); err == nil && wal.Size() != 0 {
			t.Errorf("%s: WAL is %d bytes after the TRUNCATE checkpoint", c.driver, wal.Size())
		}
		if found != c.wantFound {
			t.Errorf("%s: secret found in the files = %v, want %v", c.driver, found, c.wantFound)
		}
		_ = db.Close()
	}
}

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// BenchmarkSessionRewrite measures what secure_delete costs on the crypto
// store's commonest write: rewriting a ~350-byte session row (mautrix does
// it on most decryptions), in a WAL database.
func BenchmarkSessionRewrite(b *testing.B) {
	for _, driverName := range []string{"sqlite3-fk-wal", plainSQLiteDriver} {
		b.Run(driverName, func(b *testing.B) {
			db, err := sql.Open(driverName, "file:"+filepath.Join(b.TempDir(), "b.db")+"?_txlock=immediate&_journal_mode=WAL&_synchronous=NORMAL")
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec("CREATE TABLE s (id INTEGER PRIMARY KEY, session TEXT, ratchet TEXT)"); err != nil {
				b.Fatal(err)
			}
			blob := hex.EncodeToString(make([]byte, 175))
			for i := 0; i < 100; i++ {
				if _, err := db.Exec("INSERT INTO s (session, ratchet) VALUES (?, '{}')", blob); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := db.Exec("UPDATE s SET session = ?, ratchet = ? WHERE id = ?", blob, `{"next_index":`+hex.EncodeToString([]byte{byte(i)})+`}`, i%100+1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
