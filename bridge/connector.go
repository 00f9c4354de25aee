// Package bridge is offrecord's mautrix bridgev2 network connector: it logs
// Matrix users into their own XMPP accounts and turns each one-to-one XMPP
// chat into a Matrix DM portal. The Connector is created once by main; each
// login gets a Client. Both are safe for concurrent use by bridgev2.
package bridge

import (
	"context"
	"sync/atomic"

	"go.mau.fi/util/configupgrade"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/commands"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/networkid"

	"github.com/offrecord/offrecord/config"
)

var (
	_ bridgev2.NetworkConnector            = (*Connector)(nil)
	_ bridgev2.ConfigValidatingNetwork     = (*Connector)(nil)
	_ bridgev2.IdentifierValidatingNetwork = (*Connector)(nil)
	_ bridgev2.MaxFileSizeingNetwork       = (*Connector)(nil)
	_ bridgev2.StoppableNetwork            = (*Connector)(nil)
)

// Connector is the bridgev2 network connector for XMPP.
type Connector struct {
	Bridge *bridgev2.Bridge
	Config config.Config

	// passwordKey is derived from Config.PasswordKey in ValidateConfig and
	// read-only afterwards.
	passwordKey []byte
	// maxMatrixFileSize is the homeserver's upload limit, set once at start.
	maxMatrixFileSize int64
	// otr runs OTR sessions; nil when network.otr.enabled is off. Set in
	// Start, before any login connects.
	otr *otrLayer
	// otrLayer is otr for Matrix event handlers that may run before Start ends.
	otrLayer atomic.Pointer[otrLayer]
}

// Init stores the bridge.
func (c *Connector) Init(br *bridgev2.Bridge) {
	c.Bridge = br
	if proc, ok := br.Commands.(*commands.Processor); ok {
		proc.AddHandler(otrCommand)
		proc.AddHandler(subscriptionCommand)
		proc.AddHandler(loginCommand)
	}
	c.watchMembers()
	c.watchEdits()
	c.watchMegolm()
}

// Start starts, when OTR is enabled, the process-wide OTR session manager. Every login connects on its own.
func (c *Connector) Start(ctx context.Context) error {
	if c.Config.OTR.Enabled {
		c.otr = newOTRLayer(c)
		c.otrLayer.Store(c.otr)
	}
	return nil
}

// Stop wipes every OTR key left (logins have ended their sessions by now).
func (c *Connector) Stop() {
	if c.otr != nil {
		c.otr.megolm.stop()
		c.otr.mgr.Close()
	}
}

// ValidateConfig checks the network section before the bridge starts.
func (c *Connector) ValidateConfig() error {
	if err := c.Config.Validate(); err != nil {
		return err
	}
	key, err := c.Config.PasswordKeyBytes()
	if err != nil {
		return err
	}
	c.passwordKey = key
	return nil
}

// SetMaxFileSize records the homeserver's media upload limit.
func (c *Connector) SetMaxFileSize(maxSize int64) {
	c.maxMatrixFileSize = maxSize
}

// GetName describes the network for bridge info events and the example config.
func (c *Connector) GetName() bridgev2.BridgeName {
	return bridgev2.BridgeName{
		DisplayName:          "XMPP",
		NetworkURL:           "https://xmpp.org",
		NetworkID:            "xmpp",
		BeeperBridgeType:     "github.com/offrecord/offrecord",
		DefaultPort:          29340,
		DefaultCommandPrefix: "!xmpp",
	}
}

// GetDBMetaTypes names the metadata stored with logins, ghosts, portals and messages.
func (c *Connector) GetDBMetaTypes() database.MetaTypes {
	return database.MetaTypes{
		UserLogin: func() any { return &UserLoginMetadata{} },
		Ghost:     func() any { return &GhostMetadata{} },
		Portal:    nil,
		Message:   nil,
		Reaction:  nil,
	}
}

// GetCapabilities returns the network-wide capabilities.
func (c *Connector) GetCapabilities() *bridgev2.NetworkGeneralCapabilities {
	return &bridgev2.NetworkGeneralCapabilities{}
}

// GetConfig returns the example network config, the struct it loads into and its upgrader.
func (c *Connector) GetConfig() (example string, data any, upgrader configupgrade.Upgrader) {
	return config.ExampleConfig, &c.Config, config.Upgrader
}

// GetBridgeInfoVersion bumps when bridge info or room capabilities change.
func (c *Connector) GetBridgeInfoVersion() (info, capabilities int) {
	return 1, 2
}

// ValidateUserID reports whether id is a bare JID (it does not check that the account exists).
func (c *Connector) ValidateUserID(id networkid.UserID) bool {
	_, err := parseUserID(id)
	return err == nil
}

// LoadUserLogin attaches a (not yet connected) Client to a login from the database.
func (c *Connector) LoadUserLogin(ctx context.Context, login *bridgev2.UserLogin) error {
	client, err := newClient(c, login)
	if err != nil {
		return err
	}
	login.Client = client
	if c.otr != nil {
		c.otr.restore(login.ID)
	}
	return nil
}
