package bridge

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

var _ xmppad.AvatarHandler = (*Client)(nil)

// Contacts' avatars on their ghosts. The adapter announces avatars from
// XEP-0084 notifications and XEP-0153 presence hashes; a ghost made before
// any announcement gets a lookup (XEP-0084 metadata, else the vCard). The
// avatar ID is the image's SHA-1, so an unchanged avatar is neither fetched
// nor uploaded again. PEP wins over vCard: once a contact announced a PEP
// avatar, their presence hashes are ignored until PEP says they have none.
//
// Bad input (too large, not an image, hash mismatch, an error answer) is
// logged with the contact, the avatar ID and the announced size, and that ID
// is not fetched again; the ghost keeps the avatar it had. The user gets no
// notice: there is nothing they could do about it.

// avatarIQTimeout bounds one lookup or fetch over XMPP.
const avatarIQTimeout = 30 * time.Second

// maxAvatarFetches bounds the fetches one login runs at a time (a login
// brings every online contact's presence at once).
const maxAvatarFetches = 2

// avatarState is what the bridge knows of one contact's avatar in this process.
type avatarState struct {
	ref     xmppad.AvatarRef // the latest announcement
	known   bool             // ref is set
	looked  bool             // a lookup was made (or is running)
	refused string           // an avatar ID refused as bad input
	shown   string           // the avatar ID the ghost was last seen or made to show
	retry   bool             // the last fetch failed for a passing reason: the same ID may be tried again
	busy    bool             // a sync goroutine runs for the contact
	dirty   bool             // something changed while busy
}

// avatars holds a login's avatar states. The zero value is ready.
type avatars struct {
	mu    sync.Mutex // guards byJID and sem's creation
	byJID map[string]*avatarState
	sem   chan struct{} // maxAvatarFetches tokens
}

// state returns the contact's state, creating it; a.mu must be held.
func (a *avatars) state(contact jid.JID) *avatarState {
	if a.byJID == nil {
		a.byJID = map[string]*avatarState{}
		a.sem = make(chan struct{}, maxAvatarFetches)
	}
	s := a.byJID[contact.String()]
	if s == nil {
		s = &avatarState{}
		a.byJID[contact.String()] = s
	}
	return s
}

// HandleAvatar takes a contact's avatar announcement.
func (c *Client) HandleAvatar(contact jid.JID, ref xmppad.AvatarRef) {
	contact = contact.Bare()
	a := &c.avatars
	a.mu.Lock()
	s := a.state(contact)
	pepAvatar := s.known && s.ref.Source == xmppad.AvatarPEP && s.ref.ID != ""
	if ref.Source == xmppad.AvatarVCard && pepAvatar {
		a.mu.Unlock()
		return
	}
	changed := !s.known || s.ref.ID != ref.ID || s.ref.URL != ref.URL || s.retry
	s.ref, s.known = ref, true
	a.mu.Unlock()
	if changed {
		c.syncAvatar(contact)
	}
}

// wantAvatar is called when a ghost's info is asked for, as when the ghost
// is made: it gets the avatar announced before, or one looked up.
func (c *Client) wantAvatar(contact jid.JID) {
	a := &c.avatars
	a.mu.Lock()
	s := a.state(contact)
	need := !s.known && !s.looked || s.known && s.ref.ID != s.shown && s.ref.ID != s.refused
	a.mu.Unlock()
	if need {
		c.syncAvatar(contact)
	}
}

// syncAvatar brings the contact's ghost to the latest known avatar in the
// background, one goroutine per contact.
func (c *Client) syncAvatar(contact jid.JID) {
	a := &c.avatars
	a.mu.Lock()
	s := a.state(contact)
	if s.busy {
		s.dirty = true
		a.mu.Unlock()
		return
	}
	s.busy = true
	a.mu.Unlock()
	go c.avatarLoop(contact)
}

// avatarLoop runs avatarStep until nothing changed meanwhile.
func (c *Client) avatarLoop(contact jid.JID) {
	log := c.log.With().Str("component", "avatar").Str("contact", contact.String()).Logger()
	ctx := log.WithContext(context.Background())
	a := &c.avatars
	for {
		a.mu.Lock()
		s := a.state(contact)
		s.dirty = false
		a.mu.Unlock()
		c.avatarStep(ctx, contact)
		a.mu.Lock()
		if !s.dirty {
			s.busy = false
			a.mu.Unlock()
			return
		}
		a.mu.Unlock()
	}
}

// avatarStep looks the avatar up if nothing is known, and otherwise puts
// the known one on the ghost, if there is a ghost and it shows another.
func (c *Client) avatarStep(ctx context.Context, contact jid.JID) {
	log := zerolog.Ctx(ctx)
	xc := c.xmpp()
	if xc == nil {
		return
	}
	a := &c.avatars
	userID := makeUserID(contact)
	saved, err := c.conn.Bridge.DB.Ghost.GetByID(ctx, userID)
	if err != nil || saved == nil {
		return // no ghost yet: wantAvatar runs again when one is made
	}
	a.mu.Lock()
	s := a.state(contact)
	ref, known, refused := s.ref, s.known, s.refused
	if !known {
		if s.looked {
			a.mu.Unlock()
			return
		}
		s.looked = true
	}
	a.mu.Unlock()

	policy := c.avatarPolicy()
	if !known {
		var found xmppad.AvatarRef
		err := c.withFetchSlot(ctx, func(ctx context.Context) (err error) {
			found, err = xc.LookupAvatar(ctx, contact, policy)
			return err
		})
		switch {
		case errors.Is(err, xmppad.ErrAvatarRefused):
			log.Warn().Err(err).Msg("Contact's avatar not shown on their ghost")
			return
		case err != nil:
			log.Debug().Err(err).Msg("Could not look up the contact's avatar")
			return
		}
		if found.ID == "" {
			return // none found: only an announcement removes an avatar the ghost has
		}
		a.mu.Lock()
		if !s.known {
			s.ref, s.known = found, true
		}
		s.dirty = true // put it on the ghost in the next round
		a.mu.Unlock()
		return
	}
	if string(saved.AvatarID) == ref.ID && (ref.ID == "" || saved.AvatarMXC != "") {
		a.mu.Lock()
		s.shown = ref.ID
		a.mu.Unlock()
		return // the ghost shows it already
	}
	if ref.ID != "" && ref.ID == refused {
		return
	}
	ghost, err := c.conn.Bridge.GetExistingGhostByID(ctx, userID)
	if err != nil || ghost == nil {
		return
	}
	if ref.ID == "" {
		if saved.AvatarMXC != "" || saved.AvatarID != "" {
			log.Debug().Msg("Removing the contact's avatar from their ghost")
			ghost.UpdateInfo(ctx, &bridgev2.UserInfo{Avatar: &bridgev2.Avatar{Remove: true}})
		}
		a.mu.Lock()
		s.shown = ""
		a.mu.Unlock()
		return
	}
	var data []byte
	err = c.withFetchSlot(ctx, func(ctx context.Context) (err error) {
		data, err = xc.FetchAvatar(ctx, contact, ref, policy)
		return err
	})
	a.mu.Lock()
	if s.ref.ID == ref.ID {
		s.ref = xmppad.AvatarRef{AvatarInfo: ref.AvatarInfo, Source: ref.Source} // without the image a lookup kept
	}
	refusedNow := errors.Is(err, xmppad.ErrAvatarRefused)
	if refusedNow {
		s.refused = ref.ID
	}
	s.retry = err != nil && !refusedNow
	a.mu.Unlock()
	switch {
	case refusedNow:
		log.Warn().Err(err).Str("avatar_id", ref.ID).Stringer("source", ref.Source).Int64("announced_bytes", ref.Bytes).
			Msg("Contact's avatar not shown on their ghost; the ghost keeps the avatar it had")
		return
	case err != nil:
		log.Info().Err(err).Str("avatar_id", ref.ID).Stringer("source", ref.Source).
			Msg("Could not fetch the contact's avatar; trying again when it is next announced")
		return
	}
	log.Debug().Str("avatar_id", ref.ID).Int("bytes", len(data)).Stringer("source", ref.Source).Msg("Setting the contact's avatar on their ghost")
	ghost.UpdateInfo(ctx, &bridgev2.UserInfo{Avatar: &bridgev2.Avatar{
		ID:  networkid.AvatarID(ref.ID),
		Get: func(context.Context) ([]byte, error) { return data, nil },
	}})
	// bridgev2 logs a failed upload itself; then the next announcement tries again.
	saved, err = c.conn.Bridge.DB.Ghost.GetByID(ctx, userID)
	ok := err == nil && saved != nil && string(saved.AvatarID) == ref.ID && saved.AvatarMXC != ""
	a.mu.Lock()
	if ok {
		s.shown = ref.ID
	}
	s.retry = !ok
	a.mu.Unlock()
}

// withFetchSlot runs f holding one of the login's fetch slots, bounded by
// the IQ timeout plus the download timeout (for avatars announced by URL).
func (c *Client) withFetchSlot(ctx context.Context, f func(context.Context) error) error {
	a := &c.avatars
	a.mu.Lock()
	sem := a.sem
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, avatarIQTimeout+c.conn.Config.XMPP.DownloadTimeout)
	defer cancel()
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-sem }()
	return f(ctx)
}

// avatarPolicy bounds avatars: at most 1 MiB (or max_file_size when that is
// smaller), fetched by URL like attachments.
func (c *Client) avatarPolicy() xmppad.AvatarPolicy {
	limit := int64(xmppad.DefaultAvatarMaxSize)
	if m := c.maxFileSize(); m < limit {
		limit = m
	}
	x := c.conn.Config.XMPP
	return xmppad.AvatarPolicy{MaxSize: limit, Download: xmppad.DownloadPolicy{
		Timeout: x.DownloadTimeout, TrustedHosts: x.DownloadTrustedHosts,
	}}
}
