package bridge

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/config"
)

var _ xmppad.AvatarHandler = (*Client)(nil)

// Contacts' avatars on their ghosts. The adapter announces avatars from
// XEP-0084 notifications and XEP-0153 presence hashes. The avatar ID is the
// image's SHA-1, so an unchanged avatar is neither fetched nor uploaded again.
//
// PEP (XEP-0084) comes first: once a contact has a PEP avatar, a presence
// hash that differs from it only makes the bridge look again (PEP metadata,
// else the vCard), once per hash: another client of theirs may keep an old
// vCard, or the notification was missed. A ghost made with no avatar known
// gets the same lookup.
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
	ref       xmppad.AvatarRef // the latest announcement (or lookup result)
	known     bool             // ref is set
	seq       uint64           // counts changes of ref, so a lookup never overwrites a newer announcement
	lookup    bool             // a lookup is wanted
	looked    bool             // the lookup for a new ghost was asked for
	vcardHash string           // the last presence hash that asked for a lookup
	refused   string           // an avatar ID refused as bad input
	shown     string           // the avatar ID the ghost was last seen or made to show
	retry     bool             // the last fetch failed for a passing reason: the same ID may be tried again
	busy      bool             // a sync goroutine runs for the contact
	dirty     bool             // something changed while busy
}

// avatars holds a login's avatar states. The zero value is ready.
type avatars struct {
	mu    sync.Mutex // guards byJID, every avatarState in it, and sem's creation
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

// set takes ref as the contact's avatar; it reports whether that changes anything.
func (s *avatarState) set(ref xmppad.AvatarRef) bool {
	changed := !s.known || s.ref.ID != ref.ID || s.ref.URL != ref.URL || s.retry
	s.ref, s.known = ref, true
	s.seq++
	return changed
}

// HandleAvatar takes a contact's avatar announcement.
func (c *Client) HandleAvatar(contact jid.JID, ref xmppad.AvatarRef) {
	contact = contact.Bare()
	a := &c.avatars
	a.mu.Lock()
	s := a.state(contact)
	var kick bool
	switch {
	case ref.Source == xmppad.AvatarVCard && s.known && s.ref.Source == xmppad.AvatarPEP && s.ref.ID != "":
		// PEP comes first: a differing presence hash only asks for a new look, once per hash.
		if ref.ID != s.ref.ID && ref.ID != s.vcardHash {
			s.vcardHash, s.lookup, kick = ref.ID, true, true
		}
	default:
		kick = s.set(ref)
	}
	a.mu.Unlock()
	if kick {
		c.syncAvatar(contact)
	}
}

// wantAvatar is called when a ghost's info is asked for, as when the ghost
// is made: it gets the avatar announced before, or, with none known, one
// looked up.
func (c *Client) wantAvatar(contact jid.JID) {
	a := &c.avatars
	a.mu.Lock()
	s := a.state(contact)
	kick := s.known && s.ref.ID != s.shown && s.ref.ID != s.refused
	if !s.looked && (!s.known || s.ref.ID == "") {
		s.looked, s.lookup, kick = true, true, true
	}
	a.mu.Unlock()
	if kick {
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

// avatarStep does one thing towards the ghost showing the contact's
// avatar: a wanted lookup, or else putting the known avatar on the ghost.
// Without a ghost it does nothing (wantAvatar runs when one is made).
func (c *Client) avatarStep(ctx context.Context, contact jid.JID) {
	xc := c.xmpp()
	if xc == nil {
		return
	}
	saved, err := c.conn.Bridge.DB.Ghost.GetByID(ctx, makeUserID(contact))
	if err != nil || saved == nil {
		return
	}
	a := &c.avatars
	a.mu.Lock()
	s := a.state(contact)
	lookup, seq := s.lookup, s.seq
	s.lookup = false
	a.mu.Unlock()
	if lookup {
		c.lookupAvatar(ctx, xc, contact, seq)
		return
	}
	c.showAvatar(ctx, xc, contact, saved)
}

// lookupAvatar asks for the contact's current avatar and takes what it
// finds, unless an announcement came in meanwhile (seq moved on).
func (c *Client) lookupAvatar(ctx context.Context, xc *xmppad.Client, contact jid.JID, seq uint64) {
	log := zerolog.Ctx(ctx)
	var found xmppad.AvatarRef
	err := c.withFetchSlot(ctx, func(ctx context.Context) (err error) {
		found, err = xc.LookupAvatar(ctx, contact, c.avatarPolicy(contact))
		return err
	})
	switch {
	case errors.Is(err, xmppad.ErrAvatarRefused):
		log.Warn().Err(err).Msg("Contact's avatar not shown on their ghost; the ghost keeps the avatar it had")
		return
	case err != nil:
		log.Debug().Err(err).Msg("Could not look up the contact's avatar")
		return
	case found.ID == "":
		return // nothing found: only an announcement removes an avatar the ghost has
	}
	a := &c.avatars
	a.mu.Lock()
	s := a.state(contact)
	if s.seq == seq {
		s.set(found)
	}
	s.dirty = true // put it on the ghost in the next round
	a.mu.Unlock()
}

// showAvatar puts the known avatar on the ghost (saved is its stored row),
// fetching it unless the ghost shows it already or it was refused before.
func (c *Client) showAvatar(ctx context.Context, xc *xmppad.Client, contact jid.JID, saved *database.Ghost) {
	log := zerolog.Ctx(ctx)
	a := &c.avatars
	a.mu.Lock()
	s := a.state(contact)
	ref, known, refused := s.ref, s.known, s.refused
	a.mu.Unlock()
	setShown := func(id string, retry bool) {
		a.mu.Lock()
		s.shown, s.retry = id, retry
		a.mu.Unlock()
	}
	switch {
	case !known:
		return
	case string(saved.AvatarID) == ref.ID && (ref.ID == "" || saved.AvatarMXC != ""):
		setShown(ref.ID, false) // the ghost shows it already
		return
	case ref.ID != "" && ref.ID == refused:
		return
	}
	ghost, err := c.conn.Bridge.GetExistingGhostByID(ctx, saved.ID)
	if err != nil || ghost == nil {
		return
	}
	if ref.ID == "" {
		log.Debug().Msg("Removing the contact's avatar from their ghost")
		ghost.UpdateInfo(ctx, &bridgev2.UserInfo{Avatar: &bridgev2.Avatar{Remove: true}})
		setShown("", false)
		return
	}
	var data []byte
	err = c.withFetchSlot(ctx, func(ctx context.Context) (err error) {
		data, err = xc.FetchAvatar(ctx, contact, ref, c.avatarPolicy(contact))
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
	// bridgev2 logs a failed upload itself; the next announcement then tries again.
	saved, err = c.conn.Bridge.DB.Ghost.GetByID(ctx, saved.ID)
	if err == nil && saved != nil && string(saved.AvatarID) == ref.ID && saved.AvatarMXC != "" {
		setShown(ref.ID, false)
	} else {
		a.mu.Lock()
		s.retry = true
		a.mu.Unlock()
	}
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

// avatarPolicy bounds a contact's avatar: at most 1 MiB (or max_file_size
// when that is smaller); one announced by URL is fetched like an attachment,
// so with download_from: contacts only from contacts in the roster.
func (c *Client) avatarPolicy(contact jid.JID) xmppad.AvatarPolicy {
	limit := int64(xmppad.DefaultAvatarMaxSize)
	if m := c.maxFileSize(); m < limit {
		limit = m
	}
	x := c.conn.Config.XMPP
	return xmppad.AvatarPolicy{
		MaxSize:  limit,
		Download: xmppad.DownloadPolicy{Timeout: x.DownloadTimeout, TrustedHosts: x.DownloadTrustedHosts},
		NoLinks:  x.DownloadFrom != config.DownloadFromEveryone && !c.inRoster(contact),
	}
}
