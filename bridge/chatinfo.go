package bridge

import (
	"context"
	"fmt"

	"go.mau.fi/util/ptr"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/matrix"
	"maunium.net/go/mautrix/event"
	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/config"
)

var (
	_ bridgev2.IdentifierResolvingNetworkAPI = (*Client)(nil)
	_ bridgev2.ContactListingNetworkAPI      = (*Client)(nil)
)

// GetChatInfo describes a DM portal: the user and one contact.
func (c *Client) GetChatInfo(ctx context.Context, portal *bridgev2.Portal) (*bridgev2.ChatInfo, error) {
	contact, err := parsePortalID(portal.ID)
	if err != nil {
		return nil, err
	}
	return c.dmInfo(contact), nil
}

func (c *Client) dmInfo(contact jid.JID) *bridgev2.ChatInfo {
	other := makeUserID(contact)
	return &bridgev2.ChatInfo{
		Type:        ptr.Ptr(database.RoomTypeDM),
		CanBackfill: true, // the server's archive (backfill.go)
		Members: &bridgev2.ChatMemberList{
			IsFull:      true,
			OtherUserID: other,
			MemberMap: bridgev2.ChatMemberMap{
				// The user, without a Sender: the account's own ghost only joins for carbons without double puppeting.
				"":    {EventSender: bridgev2.EventSender{IsFromMe: true, SenderLogin: c.login.ID}, Membership: event.MembershipJoin},
				other: {EventSender: makeEventSender(contact), Membership: event.MembershipJoin},
			},
		},
	}
}

// encryptPortalsByDefault has new portals created end-to-end encrypted when
// OTR is on and network.otr.encrypt_portals asks for it: every portal is a
// DM that can carry OTR, and in an encrypted one the homeserver holds only
// Megolm ciphertext of the OTR messages' Matrix copies. bridgev2 has no
// per-portal hook for the initial state, so this is mautrix's own
// encryption.default, turned on before the Matrix connector starts.
func (c *Connector) encryptPortalsByDefault(mc *matrix.Connector) {
	otrCfg := c.Config.OTR
	if !otrCfg.Enabled || !otrCfg.EncryptPortals || mc.Config == nil || mc.Config.Encryption.Default {
		return
	}
	if !mc.Config.Encryption.Allow {
		c.Bridge.Log.Warn().Msg("network.otr.encrypt_portals is on but encryption.allow is off: " +
			"portals stay unencrypted, and OTR is refused there while network.otr.require_encrypted_portal is on")
		return
	}
	mc.Config.Encryption.Default = true
}

// GetUserInfo names a contact from the roster.
func (c *Client) GetUserInfo(ctx context.Context, ghost *bridgev2.Ghost) (*bridgev2.UserInfo, error) {
	contact, err := parseUserID(ghost.ID)
	if err != nil {
		return nil, err
	}
	c.wantAvatar(contact) // in the background; the name does not wait for it
	return c.userInfo(contact, c.rosterName(contact)), nil
}

func (c *Client) userInfo(contact jid.JID, rosterName string) *bridgev2.UserInfo {
	name := c.conn.Config.FormatDisplayname(config.DisplaynameParams{
		Name:  rosterName,
		JID:   contact.String(),
		Local: contact.Localpart(),
	})
	return &bridgev2.UserInfo{
		Identifiers: []string{"xmpp:" + contact.String()},
		Name:        &name,
		IsBot:       ptr.Ptr(false),
		ExtraUpdates: func(ctx context.Context, g *bridgev2.Ghost) bool {
			meta := g.Metadata.(*GhostMetadata)
			if meta.RosterName == rosterName {
				return false
			}
			meta.RosterName = rosterName
			return true
		},
	}
}

// rosterName is the contact's name in the user's roster, if any.
func (c *Client) rosterName(contact jid.JID) string {
	item, _ := c.rosterItem(contact)
	return item.Name
}

// rosterItem returns the contact's roster entry, if any.
func (c *Client) rosterItem(contact jid.JID) (xmppad.RosterItem, bool) {
	xc := c.xmpp()
	if xc == nil {
		return xmppad.RosterItem{}, false
	}
	for _, item := range xc.Roster() {
		if item.JID.Bare().Equal(contact) {
			return item, true
		}
	}
	return xmppad.RosterItem{}, false
}

// contactName is how notices call a contact: the roster name, else the
// bare JID; escaped for Markdown.
func (c *Client) contactName(contact jid.JID) string {
	if name := c.rosterName(contact); name != "" {
		return md(name)
	}
	return md(contact.String())
}

// GetCapabilities lists what the bridge can carry in a DM portal.
func (c *Client) GetCapabilities(ctx context.Context, portal *bridgev2.Portal) *event.RoomFeatures {
	fileFeatures := &event.FileFeatures{
		MimeTypes: map[string]event.CapabilitySupportLevel{"*/*": event.CapLevelFullySupported},
		Caption:   event.CapLevelPartialSupport,
		MaxSize:   c.maxFileSize(),
	}
	return &event.RoomFeatures{
		ID: "org.offrecord.xmpp.capabilities.2026_12_01",
		File: event.FileFeatureMap{
			event.MsgImage: fileFeatures,
			event.MsgFile:  fileFeatures,
			event.MsgVideo: fileFeatures,
			event.MsgAudio: fileFeatures,
		},
		LocationMessage: event.CapLevelPartialSupport,
		Edit:            event.CapLevelFullySupported,
		// Replies (XEP-0461), reactions (XEP-0444) and deletions (XEP-0424, of
		// the user's own messages) are bridged, except around OTR.
		Reply:               event.CapLevelFullySupported,
		Reaction:            event.CapLevelFullySupported,
		Delete:              event.CapLevelPartialSupport,
		ReadReceipts:        true,
		TypingNotifications: true,
	}
}

// ResolveIdentifier validates a JID and, for start-chat, adds the contact to
// the roster (asking for presence subscription) and returns the DM portal.
func (c *Client) ResolveIdentifier(ctx context.Context, identifier string, createChat bool) (*bridgev2.ResolveIdentifierResponse, error) {
	contact, err := parseBareJID(identifier)
	if err != nil {
		return nil, bridgev2.WrapRespErrManual(errNotBareJID, "M_INVALID_PARAM", 400)
	}
	if contact.Equal(c.self) {
		return nil, bridgev2.WrapRespErrManual(fmt.Errorf("you cannot start a chat with your own address"), "M_INVALID_PARAM", 400)
	}
	// After the wait the roster is known: the contact's name, and whether
	// they are in it already.
	xc, up := c.awaitXMPP(ctx)
	ghost, err := c.conn.Bridge.GetGhostByID(ctx, makeUserID(contact))
	if err != nil {
		return nil, fmt.Errorf("getting the ghost: %w", err)
	}
	resp := &bridgev2.ResolveIdentifierResponse{
		Ghost:    ghost,
		UserID:   makeUserID(contact),
		UserInfo: c.userInfo(contact, c.rosterName(contact)),
	}
	if createChat {
		if xc != nil && !c.askedFor(contact) {
			if up != nil {
				return nil, fmt.Errorf("adding %s to your contacts: %s", contact, userMessage(up))
			}
			c.subs.mu.Lock()
			c.subs.asked[contact.String()] = true
			c.subs.mu.Unlock()
			if err := xc.AddContact(ctx, contact, c.rosterName(contact)); err != nil {
				return nil, fmt.Errorf("adding %s to your contacts: %s", contact, userMessage(err))
			}
		}
		resp.Chat = &bridgev2.CreateChatResponse{
			PortalKey:  makePortalKey(c.login.ID, contact),
			PortalInfo: c.dmInfo(contact),
		}
	}
	return resp, nil
}

// inRoster reports whether the contact is in the roster at all.
func (c *Client) inRoster(contact jid.JID) bool {
	xc := c.xmpp()
	if xc == nil {
		return false
	}
	for _, item := range xc.Roster() {
		if item.JID.Bare().Equal(contact) {
			return true
		}
	}
	return false
}

// GetContactList lists the roster.
func (c *Client) GetContactList(ctx context.Context) ([]*bridgev2.ResolveIdentifierResponse, error) {
	xc, up := c.awaitXMPP(ctx) // while down, the roster of the last session
	if xc == nil {
		return nil, up
	}
	var out []*bridgev2.ResolveIdentifierResponse
	for _, item := range xc.Roster() {
		contact := item.JID.Bare()
		if contact.Localpart() == "" {
			continue
		}
		ghost, err := c.conn.Bridge.GetGhostByID(ctx, makeUserID(contact))
		if err != nil {
			return nil, err
		}
		out = append(out, &bridgev2.ResolveIdentifierResponse{
			Ghost:    ghost,
			UserID:   makeUserID(contact),
			UserInfo: c.userInfo(contact, item.Name),
			Chat:     &bridgev2.CreateChatResponse{PortalKey: makePortalKey(c.login.ID, contact)},
		})
	}
	return out, nil
}

// ensurePortal returns the contact's DM portal, creating its Matrix room
// first when there is none yet.
func (c *Client) ensurePortal(ctx context.Context, contact jid.JID) (*bridgev2.Portal, error) {
	portal, err := c.conn.Bridge.GetPortalByKey(ctx, makePortalKey(c.login.ID, contact))
	if err != nil {
		return nil, err
	}
	if portal.MXID == "" {
		if err := portal.CreateMatrixRoom(ctx, c.login, c.dmInfo(contact)); err != nil {
			return nil, err
		}
	}
	return portal, nil
}
