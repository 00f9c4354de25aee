package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	"mellium.im/xmpp/jid"

	"github.com/offrecord/offrecord/bridge"
	"github.com/offrecord/offrecord/internal/otrbuddy"
	"github.com/offrecord/offrecord/internal/stacktest"
)

// The OTR acts (issue #4) play with a second XMPP contact, otrbuddy@localhost,
// whose client runs libotr 4.1.1 (internal/otrbuddy), in its own portal; the
// plain buddy of the first acts keeps its chat.
func init() {
	for _, a := range []act{
		{"otrbuddy (a libotr client) adds the Matrix user's XMPP account and writes first; the user approves with ✅", actOTRBuddy},
		{"otrbuddy asks to go off the record; the Matrix user accepts", actOTRStart},
		{"off-the-record messages both ways", actOTRMessages},
		{"the Matrix user verifies otrbuddy with a shared secret (SMP)", actOTRVerify},
		{"the Matrix user ends OTR: the off-the-record messages are redacted", actOTREnd},
	} {
		a.play = withOTRLog(a.play)
		acts = append(acts, a)
	}
}

// otrField is the raw content field of the bridge's OTR notices and messages.
const otrField = bridge.NoticeKey

// otrSecret is the secret both sides type for SMP.
const otrSecret = "the cake is a lie"

// otrScene is what the OTR acts share.
type otrScene struct {
	buddy  *otrbuddy.Buddy
	jid    jid.JID // otrbuddy@localhost
	ghost  id.UserID
	portal id.RoomID
	// copies are the Matrix events holding OTR plaintext, which the bridge
	// must redact when OTR ends.
	copies []id.EventID
}

func (o *otrScene) side() string { return "xmpp " + o.jid.String() }

// actOTRBuddy starts otrbuddy as a real contact who writes first: nothing
// is arranged beforehand. otrbuddy adds the user's XMPP account (a presence
// subscription request); the bridge shows the request in a new portal, the
// Matrix user approves it with a ✅ reaction, and otrbuddy sees the user
// online (and approves the bridge's request for its own presence in turn).
// Then otrbuddy says a plain hello.
func actOTRBuddy(ctx context.Context, sc *scene) error {
	st := sc.st
	o := &otrScene{jid: jid.MustParse(xmppOTRBuddy + "@" + st.XMPPDomain)}
	o.ghost = id.NewUserID("xmpp_"+id.EncodeUserLocalpart(o.jid.String()), sc.bot.Homeserver())
	t := time.Now()
	b, err := otrbuddy.Start(ctx, otrbuddy.Config{
		JID: o.jid.String(), Password: xmppOTRPass, Resource: "libotr", Server: st.XMPPServer, CAFile: st.CAFile,
		ApproveSubscriptions: true,
	})
	if err != nil {
		return fmt.Errorf("otrbuddy: %w", err)
	}
	o.buddy, sc.otr = b, o
	sc.tr.say(o.side(), "online as %s (%.2fs; libotr made its DSA key in %.2fs)", b.JID(), time.Since(t).Seconds(), b.KeyGen().Seconds())
	sc.tr.say(o.side(), "its OTR fingerprint %s, instance tag %08X, policy manual (answers OTR queries)", fp(b.Fingerprint()), b.InstanceTag())

	cursor := sc.mx.Cursor()
	t = time.Now()
	if err := b.Client().AddContact(ctx, sc.userJID, "Matrix user"); err != nil {
		return fmt.Errorf("otrbuddy could not add %s: %w", sc.userJID, err)
	}
	sc.tr.say(o.side(), "added %s to its contacts and asked to see its presence", sc.userJID)
	req, err := sc.mx.WaitEventFrom(ctx, cursor, "", func(e *event.Event) bool { return otrKind(sc.bot, e) == "subscription_request" })
	if err != nil {
		return fmt.Errorf("the bridge showed no subscription request: %w", err)
	}
	o.portal = req.RoomID
	sc.tr.say(sc.matrixSide(), "bot, in a new portal %s: %q (%s)", o.portal, req.Content.AsMessage().Body, since(t))
	if _, err := sc.mx.SendReaction(ctx, o.portal, req.ID, "✅"); err != nil {
		return err
	}
	sc.tr.say(sc.matrixSide(), "reacted ✅ to the request")
	if _, err := waitNotice(ctx, sc, cursor, "subscription_approved"); err != nil {
		return err
	}
	online, err := waitOTR(ctx, b, func(e otrbuddy.Event) bool { return e.Kind == otrbuddy.Online && e.Peer.Bare().Equal(sc.userJID) })
	if err != nil {
		return fmt.Errorf("otrbuddy never saw the user online: %w", err)
	}
	sc.tr.say(o.side(), "sees %s online (%s)", online.Peer, since(t))
	sub, err := waitOTR(ctx, b, func(e otrbuddy.Event) bool { return e.Kind == otrbuddy.Subscribed })
	if err != nil {
		return fmt.Errorf("the bridge account never asked for otrbuddy's presence in return: %w", err)
	}
	sc.tr.say(o.side(), "approved %s's presence subscription in return: the bridge sees it online too", sub.Peer)

	const hello = "Hi! My client runs libotr. Shall we go off the record?"
	cursor = sc.mx.Cursor()
	t = time.Now()
	if err := b.Say(ctx, sc.userJID, hello); err != nil {
		return err
	}
	sent, err := waitOTR(ctx, b, func(e otrbuddy.Event) bool { return e.Kind == otrbuddy.Sent })
	if err != nil {
		return err
	}
	sc.tr.say(o.side(), "sent %q (no OTR session: libotr sent it as is)", sent.Text)
	if _, err := stacktest.WaitText(ctx, sc.mx, cursor, o.portal, o.ghost, hello); err != nil {
		return err
	}
	sc.tr.say(sc.matrixSide(), "saw in the portal: <%s> %q (%s)", o.ghost, hello, since(t))
	return nil
}

// actOTRStart: otrbuddy sends libotr's OTR query; the bridge asks the Matrix
// user, who accepts with `!xmpp otr accept`; both sides report the session
// secure.
func actOTRStart(ctx context.Context, sc *scene) error {
	o := sc.otr
	cursor := sc.mx.Cursor()
	t := time.Now()
	if err := o.buddy.Query(ctx, sc.userJID); err != nil {
		return err
	}
	sc.tr.say(o.side(), "sent libotr's OTR query")
	pending, err := waitNotice(ctx, sc, cursor, "pending_acceptance")
	if err != nil {
		return err
	}
	sc.tr.say(sc.matrixSide(), "bot: %q (%s)", pending.Content.AsMessage().Body, since(t))
	if _, err := sc.mx.SendText(ctx, o.portal, "!xmpp otr accept"); err != nil {
		return err
	}
	sc.tr.say(sc.matrixSide(), "sent in the portal: !xmpp otr accept")
	secure, err := waitNotice(ctx, sc, cursor, "secure")
	if err != nil {
		return err
	}
	info := otrInfo(secure)
	sc.tr.say(sc.matrixSide(), "bot: 🔑 off the record, OTR v%v (%s)", info["version"], since(t))
	sc.tr.say(sc.matrixSide(), "    bridge's fingerprint   %s", info["own_fingerprint"])
	sc.tr.say(sc.matrixSide(), "    otrbuddy's fingerprint %s", info["peer_fingerprint"])
	ev, err := waitOTR(ctx, o.buddy, func(e otrbuddy.Event) bool { return e.Kind == otrbuddy.Secure })
	if err != nil {
		return fmt.Errorf("libotr never reported the session secure: %w", err)
	}
	sc.tr.say(o.side(), "libotr: secure, OTR v%d", ev.Version)
	sc.tr.say(o.side(), "    bridge's fingerprint   %s", fp(ev.Fingerprint))
	sc.tr.say(o.side(), "    own fingerprint        %s", fp(o.buddy.Fingerprint()))
	var problems []string
	if same(info["peer_fingerprint"], o.buddy.Fingerprint()) {
		sc.tr.say("check", "otrbuddy's fingerprint matches on both sides")
	} else {
		problems = append(problems, fmt.Sprintf("the bridge shows otrbuddy's fingerprint as %v, libotr's is %s", info["peer_fingerprint"], fp(o.buddy.Fingerprint())))
	}
	if same(info["own_fingerprint"], ev.Fingerprint) {
		sc.tr.say("check", "the bridge's fingerprint matches on both sides")
	} else {
		problems = append(problems, fmt.Sprintf("the bridge shows its own fingerprint as %v, libotr saw %s", info["own_fingerprint"], fp(ev.Fingerprint)))
	}
	if v, _ := info["version"].(float64); int(v) != ev.Version {
		problems = append(problems, fmt.Sprintf("the bridge says OTR v%v, libotr v%d", info["version"], ev.Version))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// actOTRMessages: an encrypted message each way, with the ciphertext.
func actOTRMessages(ctx context.Context, sc *scene) error {
	o := sc.otr
	const fromXMPP = "This one is off the record. Only your bridge can read it."
	cursor := sc.mx.Cursor()
	t := time.Now()
	if err := o.buddy.Say(ctx, sc.userJID, fromXMPP); err != nil {
		return err
	}
	sc.tr.say(o.side(), "typed %q", fromXMPP)
	sent, err := waitOTR(ctx, o.buddy, func(e otrbuddy.Event) bool { return e.Kind == otrbuddy.Sent })
	if err != nil {
		return err
	}
	sc.tr.say(o.side(), "libotr sent to %s: %s", sent.Peer, wire(sent.Text))
	if !strings.HasPrefix(sent.Text, "?OTR:AAM") {
		return fmt.Errorf("libotr did not encrypt the message: it sent %s", wire(sent.Text))
	}
	evt, err := sc.mx.WaitEventFrom(ctx, cursor, o.portal, func(e *event.Event) bool {
		return e.Sender == o.ghost && e.Type == event.EventMessage && strings.Contains(e.Content.AsMessage().Body, fromXMPP)
	})
	if err != nil {
		return fmt.Errorf("the OTR message did not reach Matrix: %w", err)
	}
	body := evt.Content.AsMessage().Body
	info := otrInfo(evt)
	sc.tr.say(sc.matrixSide(), "saw <%s> %q (%s)", o.ghost, body, since(t))
	sc.tr.say(sc.matrixSide(), "    %s: %s", otrField, compact(info))
	if body != "🔑 "+fromXMPP || info["encrypted"] != true {
		return fmt.Errorf("the OTR message is not marked: body %q, %s %v", body, otrField, info)
	}
	o.copies = append(o.copies, evt.ID)

	const fromMatrix = "Got it. My answer is off the record too."
	t = time.Now()
	evID, err := sc.mx.SendText(ctx, o.portal, fromMatrix)
	if err != nil {
		return err
	}
	o.copies = append(o.copies, evID)
	sc.tr.say(sc.matrixSide(), "sent in the portal: %q", fromMatrix)
	raw, err := waitWire(ctx, o.buddy, func(string) bool { return true })
	if err != nil {
		return fmt.Errorf("nothing reached otrbuddy: %w", err)
	}
	sc.tr.say(o.side(), "received on the wire: %s", wire(raw))
	if strings.Contains(raw, fromMatrix) || !strings.HasPrefix(raw, "?OTR:AAM") {
		return fmt.Errorf("the reply did not go out as an OTR data message: %s", wire(raw))
	}
	msg, err := waitOTR(ctx, o.buddy, func(e otrbuddy.Event) bool { return e.Kind == otrbuddy.Message })
	if err != nil {
		return err
	}
	sc.tr.say(o.side(), "libotr decrypted: %q (encrypted %v, %s)", msg.Text, msg.Encrypted, since(t))
	if msg.Text != fromMatrix || !msg.Encrypted {
		return fmt.Errorf("libotr got %q (encrypted %v), want %q encrypted", msg.Text, msg.Encrypted, fromMatrix)
	}
	return nil
}

// actOTRVerify: SMP with a shared secret, then `otr status`.
func actOTRVerify(ctx context.Context, sc *scene) error {
	o := sc.otr
	cursor := sc.mx.Cursor()
	t := time.Now()
	cmdID, err := sc.mx.SendText(ctx, o.portal, "!xmpp otr verify "+otrSecret)
	if err != nil {
		return err
	}
	sc.tr.say(sc.matrixSide(), "sent in the portal: !xmpp otr verify %s", otrSecret)
	smpStarted, err := waitNotice(ctx, sc, cursor, "smp_started")
	if err != nil {
		return err
	}
	sc.tr.say(sc.matrixSide(), "bot: %q", smpStarted.Content.AsMessage().Body)
	ask, err := waitOTR(ctx, o.buddy, func(e otrbuddy.Event) bool {
		return e.Kind == otrbuddy.SMP && (e.Detail == "askforsecret" || e.Detail == "askforanswer")
	})
	if err != nil {
		return fmt.Errorf("libotr got no SMP request: %w", err)
	}
	sc.tr.say(o.side(), "libotr: %s wants to verify us (SMP %s); answering with the same secret", ask.Peer, ask.Detail)
	if err := o.buddy.SMPAnswer(ctx, sc.userJID, otrSecret); err != nil {
		return err
	}
	ok, err := waitNotice(ctx, sc, cursor, "smp_succeeded")
	if err != nil {
		return err
	}
	sc.tr.say(sc.matrixSide(), "bot: %q (%s)", ok.Content.AsMessage().Body, since(t))
	res, err := waitOTR(ctx, o.buddy, func(e otrbuddy.Event) bool {
		return e.Kind == otrbuddy.SMP && e.Detail != "inprogress"
	})
	if err != nil {
		return err
	}
	sc.tr.say(o.side(), "libotr: SMP %s", res.Detail)
	if res.Detail != "success" {
		return fmt.Errorf("libotr's SMP ended with %q", res.Detail)
	}
	if _, err := sc.mx.WaitEventFrom(ctx, cursor, o.portal, func(e *event.Event) bool {
		return e.Type == event.EventRedaction && redacts(e) == cmdID
	}); err != nil {
		return fmt.Errorf("the bridge did not redact the command holding the secret: %w", err)
	}
	sc.tr.say(sc.matrixSide(), "saw the bot redact the command holding the secret")

	cursor = sc.mx.Cursor()
	if _, err := sc.mx.SendText(ctx, o.portal, "!xmpp otr status"); err != nil {
		return err
	}
	sc.tr.say(sc.matrixSide(), "sent in the portal: !xmpp otr status")
	status, err := waitNotice(ctx, sc, cursor, "status")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(status.Content.AsMessage().Body, "\n") {
		sc.tr.say(sc.matrixSide(), "bot: %s", line)
	}
	if info := otrInfo(status); info["verified"] != true {
		return fmt.Errorf("otr status does not say verified: %s", compact(info))
	}
	return nil
}

// actOTREnd: `!xmpp otr end`; libotr sees the session finished and the
// bridge redacts the Matrix copies of the OTR messages.
func actOTREnd(ctx context.Context, sc *scene) error {
	o := sc.otr
	cursor := sc.mx.Cursor()
	t := time.Now()
	if _, err := sc.mx.SendText(ctx, o.portal, "!xmpp otr end"); err != nil {
		return err
	}
	sc.tr.say(sc.matrixSide(), "sent in the portal: !xmpp otr end")
	ended, err := waitNotice(ctx, sc, cursor, "ended")
	if err != nil {
		return err
	}
	sc.tr.say(sc.matrixSide(), "bot: %q (%s)", ended.Content.AsMessage().Body, since(t))
	if _, err := waitOTR(ctx, o.buddy, func(e otrbuddy.Event) bool { return e.Kind == otrbuddy.Finished }); err != nil {
		return fmt.Errorf("libotr never saw the session end: %w", err)
	}
	sc.tr.say(o.side(), "libotr: %s finished the private conversation", sc.userJID)

	want := map[id.EventID]bool{}
	for _, e := range o.copies {
		want[e] = true
	}
	seen := map[id.EventID]bool{}
	_, err = sc.mx.WaitEventFrom(ctx, cursor, o.portal, func(e *event.Event) bool {
		if e.Type == event.EventRedaction && want[redacts(e)] {
			seen[redacts(e)] = true
		}
		return len(seen) == len(want)
	})
	if err != nil {
		var missing []string
		for e := range want {
			if !seen[e] {
				missing = append(missing, e.String())
			}
		}
		slices.Sort(missing)
		return fmt.Errorf("redacted %d of %d OTR messages; not redacted: %s (%w)", len(seen), len(want), strings.Join(missing, ", "), err)
	}
	sc.tr.say(sc.matrixSide(), "redacted %d messages: both OTR messages are gone from the portal (%s)", len(seen), since(t))

	// libotr holds back what its user types after the other side ended
	// (state finished) until its user ends too, as profanity's /otr end.
	if err := o.buddy.End(ctx, sc.userJID); err != nil {
		return err
	}
	const after = "Back to plaintext."
	cursor = sc.mx.Cursor()
	if err := o.buddy.Say(ctx, sc.userJID, after); err != nil {
		return err
	}
	if _, err := stacktest.WaitText(ctx, sc.mx, cursor, o.portal, o.ghost, after); err != nil {
		return err
	}
	sc.tr.say(o.side(), "ended OTR on its side too and said %q in plaintext; Matrix shows it without the key", after)
	return nil
}

// waitNotice waits for the bot's OTR notice of kind in the OTR portal after
// cursor. An OTR error notice (error, not_allowed, refused, lost) ends the
// wait at once; a timeout lists the OTR notices that did come.
func waitNotice(ctx context.Context, sc *scene, cursor int, kind string) (*event.Event, error) {
	o := sc.otr
	evt, err := sc.mx.WaitEventFrom(ctx, cursor, o.portal, func(e *event.Event) bool {
		k := otrKind(sc.bot, e)
		return k == kind || k == "error" || k == "not_allowed" || k == "refused" || k == "lost"
	})
	if err != nil {
		var got []string
		for _, e := range sc.mx.Events(o.portal) {
			if k := otrKind(sc.bot, e); k != "" {
				got = append(got, fmt.Sprintf("%s %q", k, e.Content.AsMessage().Body))
			}
		}
		return nil, fmt.Errorf("no %q OTR notice from the bot (%w); OTR notices in the portal: [%s]", kind, err, strings.Join(got, "; "))
	}
	if k := otrKind(sc.bot, evt); k != kind {
		return nil, fmt.Errorf("waiting for the %q OTR notice, the bot said %s: %q", kind, k, evt.Content.AsMessage().Body)
	}
	return evt, nil
}

// otrInfo returns the raw org.offrecord.otr field of a message event.
func otrInfo(e *event.Event) map[string]any {
	m, _ := e.Content.Raw[otrField].(map[string]any)
	return m
}

// otrKind is the kind of a bot OTR notice, "" for other events.
func otrKind(bot id.UserID, e *event.Event) string {
	if e.Sender != bot || e.Type != event.EventMessage || e.Content.AsMessage().MsgType != event.MsgNotice {
		return ""
	}
	k, _ := otrInfo(e)["event"].(string)
	return k
}

// redacts is the event an m.room.redaction targets (top level or content).
func redacts(e *event.Event) id.EventID {
	if e.Redacts != "" {
		return e.Redacts
	}
	if r, ok := e.Content.Raw["redacts"].(string); ok {
		return id.EventID(r)
	}
	return ""
}

// waitOTR returns otrbuddy's next event matching pred, dropping others
// (errors are printed as notes).
func waitOTR(ctx context.Context, b *otrbuddy.Buddy, pred func(otrbuddy.Event) bool) (otrbuddy.Event, error) {
	for {
		select {
		case e, ok := <-b.Events():
			if !ok {
				return otrbuddy.Event{}, errors.New("otrbuddy stopped")
			}
			if pred(e) {
				return e, nil
			}
			switch e.Kind {
			case otrbuddy.Error:
				fmt.Printf("%9s note: %v\n", "", e.Err)
			case otrbuddy.LibotrEvent:
				if strings.HasPrefix(e.Detail, "heartbeat") || strings.HasPrefix(e.Detail, "log_heartbeat") {
					break // routine keep-alives
				}
				fmt.Printf("%9s note: otrbuddy: libotr event %s\n", "", e.Detail)
			}
		case <-ctx.Done():
			return otrbuddy.Event{}, errors.New("otrbuddy: " + ctx.Err().Error())
		}
	}
}

// waitWire returns the next body otrbuddy received matching pred.
func waitWire(ctx context.Context, b *otrbuddy.Buddy, pred func(string) bool) (string, error) {
	for {
		select {
		case w, ok := <-b.Wire():
			if !ok {
				return "", errors.New("otrbuddy stopped")
			}
			if pred(w) {
				return w, nil
			}
		case <-ctx.Done():
			return "", errors.New("otrbuddy: " + ctx.Err().Error())
		}
	}
}

// wire shortens OTR wire text for the transcript.
func wire(s string) string {
	const max = 40
	if len(s) <= max {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:max], len(s))
}

// fp writes 40 hex digits as five groups of eight, like the bridge does.
func fp(hex string) string {
	hex = strings.ToUpper(strings.ReplaceAll(hex, " ", ""))
	var parts []string
	for i := 0; i+8 <= len(hex); i += 8 {
		parts = append(parts, hex[i:i+8])
	}
	return strings.Join(parts, " ")
}

// same compares a fingerprint from a notice with one from libotr.
func same(notice any, libotr string) bool {
	s, _ := notice.(string)
	return s != "" && fp(s) == fp(libotr)
}

// compact prints an OTR field map on one line, sorted.
func compact(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString("{")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %v", k, m[k])
	}
	b.WriteString("}")
	return b.String()
}

// withOTRLog adds the bridge's recent OTR and warning log lines to an OTR
// act's error, so that a bridge problem shows with its evidence.
func withOTRLog(play func(context.Context, *scene) error) func(context.Context, *scene) error {
	return func(ctx context.Context, sc *scene) error {
		err := play(ctx, sc)
		if err == nil || sc.st == nil || sc.st.Logs.Bridge == "" {
			return err
		}
		lines := otrLogLines(sc.st.Logs.Bridge, 12)
		if len(lines) == 0 {
			return err
		}
		return fmt.Errorf("%w\n      bridge log (OTR, warnings, errors; last %d lines):\n        %s", err, len(lines), strings.Join(lines, "\n        "))
	}
}

// otrLogLines returns the last n lines of the bridge's JSON log that concern
// OTR or are warnings or errors.
func otrLogLines(path string, n int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		line := s.Text()
		if strings.Contains(line, `"component":"otr"`) || strings.Contains(line, `"otr_event"`) ||
			strings.Contains(line, `"level":"warn"`) || strings.Contains(line, `"level":"error"`) {
			out = append(out, line)
			if len(out) > n {
				out = out[1:]
			}
		}
	}
	return out
}
