package config

import (
	"fmt"
	"os"
	"strings"
	"text/template"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/matrix/mxmain"
)

// Lines of mautrix's example config that we replace, so that SQLite is the
// default database (Postgres stays one setting away), end-to-bridge
// encryption is allowed (OTR needs encrypted portals by default) and
// backfill from the XMPP archive is on.
const (
	nullAvatarLine    = "        avatar: \n"
	emptyAvatarLine   = "        avatar: \"\"\n"
	postgresTypeLine  = "    type: postgres\n"
	postgresURILine   = "    uri: postgres://user:password@host/database?sslmode=disable\n"
	sqliteTypeLine    = "    type: sqlite3-fk-wal\n"
	sqliteURILine     = "    uri: file:offrecord.db?_txlock=immediate\n"
	encryptionOffLine = "    # Whether to enable encryption at all. If false, the bridge will not function in encrypted rooms.\n    allow: false\n"
	encryptionOnLine  = "    # Whether to enable encryption at all. If false, the bridge will not function in encrypted rooms.\n" +
		"    # On in offrecord's example: OTR runs only in encrypted portals by default (network.otr).\n    allow: true\n"
	backfillOffLine = "backfill:\n    # Whether to do backfilling at all.\n    enabled: false\n"
	backfillOnLine  = "backfill:\n    # Whether to do backfilling at all.\n" +
		"    # On in offrecord's example: history comes from your XMPP server's message archive (XEP-0313),\n" +
		"    # a new portal shows the recent conversation and what was said while the bridge was away\n" +
		"    # appears after it starts. OTR messages are never backfilled.\n    enabled: true\n"
)

// FullExample renders the whole example config: the network section under
// `network:` followed by mautrix's bridge sections, as mxmain does, but with
// SQLite as the default database.
func FullExample(name bridgev2.BridgeName) (string, error) {
	var buf strings.Builder
	buf.WriteString("# Network-specific config options\nnetwork:\n")
	for _, line := range strings.Split(ExampleConfig, "\n") {
		buf.WriteString("    " + line + "\n")
	}
	buf.WriteString("\n")
	tpl, err := template.New("example-config.yaml").Delims("$<<", ">>").Parse(mxmain.MatrixExampleConfigBase)
	if err != nil {
		return "", err
	}
	if err := tpl.Execute(&buf, name); err != nil {
		return "", err
	}
	out := buf.String()
	if strings.Count(out, postgresTypeLine) != 1 || strings.Count(out, postgresURILine) != 1 ||
		strings.Count(out, encryptionOffLine) != 1 || strings.Count(out, backfillOffLine) != 1 {
		return "", fmt.Errorf("mautrix's example database, encryption or backfill section changed; update config/fullexample.go")
	}
	out = strings.Replace(out, encryptionOffLine, encryptionOnLine, 1)
	out = strings.Replace(out, backfillOffLine, backfillOnLine, 1)
	out = strings.Replace(out, postgresTypeLine, sqliteTypeLine, 1)
	out = strings.Replace(out, postgresURILine, sqliteURILine, 1)
	// The bot avatar comes from GetName's NetworkIcon, which we leave empty:
	// an empty YAML value is null, which mautrix reports as a wrong type on
	// every start. Write it as an empty string.
	if strings.Count(out, nullAvatarLine) != 1 {
		return "", fmt.Errorf("mautrix's example bot avatar line changed; update config/fullexample.go")
	}
	out = strings.Replace(out, nullAvatarLine, emptyAvatarLine, 1)
	return out, nil
}

// ExampleRequest reports whether args ask for the example config (-e or
// --generate-example-config) and where to write it (-c/--config, default
// config.yaml; "-" is standard output).
func ExampleRequest(args []string) (path string, ok bool) {
	path = "config.yaml"
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "-e" || arg == "--generate-example-config":
			ok = true
		case arg == "-c" || arg == "--config":
			if i+1 < len(args) {
				path = args[i+1]
				i++
			}
		case strings.HasPrefix(arg, "-c="), strings.HasPrefix(arg, "--config="):
			path = arg[strings.IndexByte(arg, '=')+1:]
		}
	}
	return path, ok
}

// WriteExample writes FullExample to path ("-" for standard output),
// refusing to overwrite an existing file.
func WriteExample(path string, name bridgev2.BridgeName) error {
	example, err := FullExample(name)
	if err != nil {
		return err
	}
	if path == "-" {
		_, err = os.Stdout.WriteString(example)
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if os.IsExist(err) {
			return fmt.Errorf("%s already exists, please remove it if you want to generate a new example", path)
		}
		return err
	}
	if _, err := f.WriteString(example); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Println("Wrote example config to", path)
	return nil
}
