package bridge

import (
	"context"
	"errors"

	"maunium.net/go/mautrix/crypto"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// Key requests (m.room_key_request) during and after OTR spans: refused,
// with a notice to the user (see otrmegolm.go).

// hookKeySharing refuses key requests for rooms with a running span and for
// sessions of ended spans, and tells the user.
func (g *megolmGuard) hookKeySharing() {
	next := g.mach.AllowKeyShare
	g.mach.AllowKeyShare = func(ctx context.Context, device *id.Device, info event.RequestedKeyInfo) *crypto.KeyShareRejection {
		if key, why := g.refuseKey(ctx, info); why != "" {
			g.log.Info().Stringer("room_id", info.RoomID).Stringer("session_id", info.SessionID).
				Stringer("device_id", device.DeviceID).Str("why", why).Msg("Refused a key request for an OTR span")
			go g.tellKeyRequest(key, device.DeviceID, why)
			return &crypto.KeyShareRejection{Code: event.RoomKeyWithheldUnavailable, Reason: "Keys of off-the-record conversations are not shared"}
		}
		return next(ctx, device, info)
	}
}

// refuseKey says why a key request must be refused ("" to let mautrix decide).
func (g *megolmGuard) refuseKey(ctx context.Context, info event.RequestedKeyInfo) (otrKey, string) {
	g.mu.Lock()
	for _, s := range g.spans {
		if s.Room != "" && s.Room == info.RoomID {
			g.mu.Unlock()
			return s.key(), "running"
		}
	}
	key, ended := g.ended[info.SessionID]
	g.mu.Unlock()
	if ended {
		return key, "ended"
	}
	_, err := g.mach.CryptoStore.GetGroupSession(ctx, info.RoomID, info.SessionID)
	var withheld *event.RoomKeyWithheldEventContent
	if errors.As(err, &withheld) && withheld.Reason == "Session redacted: "+megolmRedactReason {
		if portal, _ := g.l.conn.Bridge.GetPortalByMXID(ctx, info.RoomID); portal != nil {
			if contact, err := parsePortalID(portal.ID); err == nil {
				return otrKey{portal.Receiver, contact.String()}, "ended"
			}
		}
		return otrKey{}, "ended"
	}
	return otrKey{}, ""
}

// tellKeyRequest posts, once per device and reason, why a key was refused.
func (g *megolmGuard) tellKeyRequest(key otrKey, device id.DeviceID, why string) {
	if key.login == "" {
		return
	}
	g.mu.Lock()
	s := g.spans[spanName(key)]
	tag := "keyreq:" + why + ":" + string(device)
	if s != nil {
		if s.told[tag] {
			g.mu.Unlock()
			return
		}
		s.told[tag] = true
	}
	g.mu.Unlock()
	text := "🔐 Your Matrix device " + string(device) + " asked the bridge for the keys of off-the-record messages. The bridge does not hand them out"
	if why == "ended" {
		text += ", and it has deleted them: that device cannot read the ended OTR conversation."
	} else {
		text += " while OTR runs, nor after it."
	}
	ctx, cancel := quietCtx()
	defer cancel()
	g.l.notice(ctx, key, "megolm", text, map[string]any{"state": "encrypted"})
}
