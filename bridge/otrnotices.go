package bridge

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/offrecord/offrecord/otr"
)

// The words of the OTR notices: one notice per event, whole capitalised
// sentences, the contact by name, commands in `code` (notices are rendered
// as HTML), fingerprints on lines of their own.

// name is how notices call the contact of a conversation: the roster name,
// else the bare JID (escaped for Markdown).
func (l *otrLayer) name(key otrKey) string {
	if c := l.client(key.login); c != nil {
		if contact, err := parseBareJID(key.contact); err == nil {
			return c.contactName(contact)
		}
	}
	return md(key.contact)
}

// eventText is the notice for a session event, or skip when the event needs
// none (another notice covers it). prev is the state before the event.
func (l *otrLayer) eventText(key otrKey, ev otr.Event, prev otr.State, removed int) (kind, text string, skip bool) {
	who := l.name(key)
	kind = ev.Kind.String()
	switch ev.Kind {
	case otr.EventSMPInProgress, otr.EventRefused:
		// In progress: no news. Refused: the message status (and, where it
		// helps, a notice from sendFromMatrix) says it.
		return kind, "", true
	case otr.EventPendingAcceptance:
		return kind, "🔑 " + who + " wants to go off the record (OTR). Accept with " + l.cmd("accept") +
			" or react ✅; decline with " + l.cmd("deny") + " or react ❌.", false
	case otr.EventStarted:
		return kind, "🔑 Asked " + who + " to go off the record. Waiting for their answer…", false
	case otr.EventAccepted:
		if prev != otr.StatePending {
			return kind, "🔑 " + who + " asked to go off the record; accepted as the bridge's policy says. Exchanging keys…", false
		}
		return kind, "🔑 Accepted. Exchanging keys with " + who + "…", false
	case otr.EventDeclined:
		return kind, "Declined " + who + "'s request to go off the record; they were told. Messages stay unencrypted.", false
	case otr.EventSecure:
		text := "🔑 **Off the record** with " + who + " (OTR v" + strconv.Itoa(ev.Version) + "). Messages are encrypted between the bridge and " +
			who + "'s client and are not stored.\n\nYour fingerprint:\n`" + ev.OwnFingerprint + "`\n" + who + "'s fingerprint:\n`" + ev.PeerFingerprint + "`\n\n" +
			"To make sure it is really " + who + ", verify with " + l.cmd("verify <secret>") + " (a secret only you two know), or compare fingerprints another way and use " + l.cmd("trust") + "."
		if l.cfg.KeyMode != otr.KeyPerAccount {
			text += " Your fingerprint is new for every off-the-record conversation."
		}
		return kind, text, false
	case otr.EventRefreshing:
		return kind, "🔑 Making new keys with " + who + "… Messages you send meanwhile wait and go out encrypted with the new keys.", false
	case otr.EventRefreshed:
		return kind, "🔑 New keys are in use.", false
	case otr.EventEnded:
		text := "🔓 Off the record ended. Your messages to " + who + " are no longer encrypted."
		if removed > 0 {
			text += " " + plainCount(removed, "off-the-record message") + " removed from this room."
		}
		return kind, text, false
	case otr.EventFinished:
		return kind, "🔓 " + who + " ended the off-the-record conversation. Your messages here are not sent until you choose: " +
			l.cmd("end") + " to continue without encryption, or " + l.cmd("start") + " to go off the record again. The off-the-record messages stay readable until then.", false
	case otr.EventTimeout:
		switch {
		case prev == otr.StateRefreshing:
			return kind, who + " did not answer the key refresh in time; the old keys stay in use.", false
		case prev == otr.StateAwaiting && ev.State == otr.StatePlaintext:
			return kind, l.lostText(key, lostTimeout), false
		}
		return kind, "", true // idle (EventEnded follows) or an unanswered request (EventDeclined follows)
	case otr.EventDiscarded:
		n := 0
		_, _ = fmt.Sscanf(ev.Text, "%d", &n)
		if n <= 0 {
			n = 1
		}
		return kind, "⚠️ " + plainCount(n, "message") + " not sent: off the record did not start, or ended, before they could go out encrypted. They were never sent unencrypted.", false
	case otr.EventUnencrypted:
		return kind, "⚠️ " + who + " sent a message without encryption while this conversation should be off the record.", false
	case otr.EventError:
		switch {
		case errors.Is(ev.Err, otr.ErrNotInPrivate):
			if l.lostReason(key) != "" {
				return kind, "", true // the user was told when the conversation was lost
			}
			return "lost", "⚠️ " + who + " sent an off-the-record message for a conversation the bridge no longer has (it restarted, and keys live only in its memory). The message cannot be read; " +
				who + "'s client was told. Use " + l.cmd("start") + " to go off the record again.", false
		case errors.Is(ev.Err, otr.ErrPeerError):
			return kind, "", true // undeliverable handles it
		case errors.Is(ev.Err, otr.ErrUnreadable):
			return kind, "⚠️ A message from " + who + " could not be decrypted and was dropped.", false
		}
		return kind, "⚠️ " + who + "'s OTR client sent something the bridge could not read; it was dropped.", false
	case otr.EventLimitExceeded:
		switch {
		case errors.Is(ev.Err, otr.ErrMessageTooLarge):
			return kind, "⚠️ A message from " + who + " was too large for off the record (over 64 KiB) and was dropped.", false
		case errors.Is(ev.Err, otr.ErrTooManyHeld):
			return kind, "⚠️ Too many messages are waiting for the key exchange; this one was not sent.", false
		case errors.Is(ev.Err, otr.ErrRateLimited):
			return kind, "⚠️ " + who + " starts key exchanges too often; the last request was ignored.", false
		case errors.Is(ev.Err, otr.ErrTooManySessions):
			return kind, "⚠️ The bridge has too many off-the-record conversations open; try again later.", false
		}
		return kind, "⚠️ A message from " + who + " was dropped: it broke a limit.", false
	case otr.EventSMPAsked:
		q := l.mgr.Status(string(key.login), key.contact).SMPQuestion
		if q != "" {
			return kind, "🔐 " + who + " wants to verify you and asks: “" + md(q) + "” Answer with " + l.cmd("answer <secret>") + ".", false
		}
		return kind, "🔐 " + who + " wants to verify you with a secret you both know. Answer with " + l.cmd("answer <secret>") + ".", false
	case otr.EventSMPSucceeded:
		return kind, "✅ " + who + " is verified: you share the secret.", false
	case otr.EventSMPFailed:
		return kind, "❌ Verification failed: the secrets differ. " + who + " is not verified.", false
	case otr.EventSMPAborted:
		return kind, "Verification stopped. " + who + " is not verified.", false
	case otr.EventTrusted:
		return kind, "✅ You marked " + who + "'s fingerprint as trusted for this conversation.", false
	}
	return kind, "OTR: " + kind + ".", false
}
