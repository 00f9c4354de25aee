// Command offrecord is a Matrix-XMPP puppeting bridge that runs
// Off-the-Record (OTR) messaging at the bridge edge.
package main

import (
	"fmt"
	"os"

	"maunium.net/go/mautrix/bridgev2/matrix/mxmain"

	"github.com/offrecord/offrecord/bridge"
	"github.com/offrecord/offrecord/config"
)

// Information to find out exactly which commit the bridge was built from.
// These are filled at build time with the -X linker flag.
var (
	Tag       = "unknown"
	Commit    = "unknown"
	BuildTime = "unknown"
)

func main() {
	connector := &bridge.Connector{}
	m := mxmain.BridgeMain{
		Name:        "offrecord",
		Description: "A Matrix-XMPP puppeting bridge with Off-the-Record messaging at the bridge edge.",
		URL:         "https://github.com/offrecord/offrecord",
		Version:     "0.1.0",
		Connector:   connector,
		PostInit:    connector.PostInit,
	}
	// -e is answered here so that the example defaults to SQLite.
	if path, ok := config.ExampleRequest(os.Args[1:]); ok {
		if err := config.WriteExample(path, m.Connector.GetName()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	m.InitVersion(Tag, Commit, BuildTime)
	m.Run()
}
