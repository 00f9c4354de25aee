package xmpp

import (
	"encoding/xml"
	"errors"
	"fmt"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// Namespaces of the message extensions we read and write.
const (
	nsReceipts   = "urn:xmpp:receipts"
	nsMarkers    = "urn:xmpp:chat-markers:0"
	nsChatStates = "http://jabber.org/protocol/chatstates"
	nsCorrect    = "urn:xmpp:message-correct:0"
	nsOOB        = "jabber:x:oob"
	nsHints      = "urn:xmpp:hints"
	nsCarbons    = "urn:xmpp:carbons:2"
	nsForward    = "urn:xmpp:forward:0"
	nsDelay      = "urn:xmpp:delay"
	nsSID        = "urn:xmpp:sid:0"
	nsEME        = "urn:xmpp:eme:0"
)

type empty struct{}

type idElem struct {
	ID string `xml:"id,attr"`
}

type langText struct {
	Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Text string `xml:",chardata"`
}

type oobElem struct {
	URL  string `xml:"url"`
	Desc string `xml:"desc,omitempty"`
}

type delayElem struct {
	Stamp string `xml:"stamp,attr"`
}

type emeElem struct {
	Namespace string `xml:"namespace,attr"`
	Name      string `xml:"name,attr,omitempty"`
}

// wireIn is an incoming message as it is on the wire; JIDs and times are parsed afterwards so that a
// bad value skips only this stanza.
type wireIn struct {
	XMLName   xml.Name
	ID        string         `xml:"id,attr"`
	From      string         `xml:"from,attr"`
	To        string         `xml:"to,attr"`
	Type      string         `xml:"type,attr"`
	Bodies    []langText     `xml:"body"`
	Subjects  []langText     `xml:"subject"`
	Replace   *idElem        `xml:"urn:xmpp:message-correct:0 replace"`
	OOB       []oobElem      `xml:"jabber:x:oob x"`
	Request   *empty         `xml:"urn:xmpp:receipts request"`
	Received  *idElem        `xml:"urn:xmpp:receipts received"`
	Markable  *empty         `xml:"urn:xmpp:chat-markers:0 markable"`
	Displayed *idElem        `xml:"urn:xmpp:chat-markers:0 displayed"`
	Active    *empty         `xml:"http://jabber.org/protocol/chatstates active"`
	Composing *empty         `xml:"http://jabber.org/protocol/chatstates composing"`
	Paused    *empty         `xml:"http://jabber.org/protocol/chatstates paused"`
	Inactive  *empty         `xml:"http://jabber.org/protocol/chatstates inactive"`
	Gone      *empty         `xml:"http://jabber.org/protocol/chatstates gone"`
	Delay     *delayElem     `xml:"urn:xmpp:delay delay"`
	OriginID  *idElem        `xml:"urn:xmpp:sid:0 origin-id"`
	EME       *emeElem       `xml:"urn:xmpp:eme:0 encryption"`
	Error     *stanza.Error  `xml:"error"`
	CarbonRcv *carbonWrap    `xml:"urn:xmpp:carbons:2 received"`
	CarbonSnt *carbonWrap    `xml:"urn:xmpp:carbons:2 sent"`
	Reactions *reactionsElem `xml:"urn:xmpp:reactions:0 reactions"`
	Reply     *replyElem     `xml:"urn:xmpp:reply:0 reply"`
	Retract   *idElem        `xml:"urn:xmpp:message-retract:1 retract"`
	Fallbacks []fallbackElem `xml:"urn:xmpp:fallback:0 fallback"`
	Event     *pubsubEvent   `xml:"http://jabber.org/protocol/pubsub#event event"`
	Unstyled  *unstyledElem  `xml:"urn:xmpp:styling:0 unstyled"`
	StanzaIDs []stanzaIDElem `xml:"urn:xmpp:sid:0 stanza-id"`
	MAM       *mamResult     `xml:"urn:xmpp:mam:2 result"`
}

type carbonWrap struct {
	Forwarded *struct {
		Delay   *delayElem `xml:"urn:xmpp:delay delay"`
		Message *wireIn    `xml:"jabber:client message"`
	} `xml:"urn:xmpp:forward:0 forwarded"`
}

func pickText(ts []langText) string {
	for _, t := range ts {
		if t.Lang == "" {
			return t.Text
		}
	}
	if len(ts) > 0 {
		return ts[0].Text
	}
	return ""
}

func (w *wireIn) chatState() ChatState {
	switch {
	case w.Composing != nil:
		return ChatComposing
	case w.Paused != nil:
		return ChatPaused
	case w.Active != nil:
		return ChatActive
	case w.Inactive != nil:
		return ChatInactive
	case w.Gone != nil:
		return ChatGone
	}
	return ""
}

// parseJID parses an attribute; empty means "" (the caller decides what it stands for).
func parseJID(s string) (jid.JID, error) {
	if s == "" {
		return jid.JID{}, nil
	}
	return jid.Parse(s)
}

// toMessage converts a decoded stanza (carbons already unwrapped) into a Message.
func (w *wireIn) toMessage(carbon Carbon) (*Message, error) {
	from, err := parseJID(w.From)
	if err != nil {
		return nil, fmt.Errorf("bad from: %w", err)
	}
	to, err := parseJID(w.To)
	if err != nil {
		return nil, fmt.Errorf("bad to: %w", err)
	}
	m := &Message{
		ID:               w.ID,
		From:             from,
		To:               to,
		Type:             stanza.MessageType(w.Type),
		Body:             pickText(w.Bodies),
		Subject:          pickText(w.Subjects),
		ReceiptRequested: w.Request != nil,
		Markable:         w.Markable != nil,
		ChatState:        w.chatState(),
		Carbon:           carbon,
		Error:            w.Error,
	}
	if m.Type == "" {
		m.Type = stanza.NormalMessage
	}
	if w.OriginID != nil && w.OriginID.ID != "" {
		m.ID = w.OriginID.ID
	}
	if w.Replace != nil {
		m.Replace = w.Replace.ID
	}
	for _, o := range w.OOB {
		if o.URL != "" {
			m.OOB = append(m.OOB, OOB(o))
		}
	}
	if w.Delay != nil {
		t, err := time.Parse(time.RFC3339Nano, w.Delay.Stamp)
		if err != nil {
			return nil, fmt.Errorf("bad delay stamp: %w", err)
		}
		m.Delay = t
	}
	if w.EME != nil {
		m.EME = w.EME.Namespace
	}
	m.Reactions = w.Reactions.toReactions()
	m.Reply = w.Reply.toReply()
	if w.Retract != nil {
		m.Retract = w.Retract.ID
	}
	m.Fallbacks = toFallbacks(w.Fallbacks)
	m.Unstyled = w.Unstyled != nil
	if m.Type == stanza.ErrorMessage && m.Error == nil {
		return nil, errors.New("error message without error element")
	}
	return m, nil
}

// wireOut is an outgoing message stanza.
type wireOut struct {
	XMLName          xml.Name      `xml:"jabber:client message"`
	ID               string        `xml:"id,attr"`
	To               string        `xml:"to,attr"`
	Type             string        `xml:"type,attr"`
	Body             string        `xml:"body,omitempty"`
	Replace          *idElem       `xml:"urn:xmpp:message-correct:0 replace"`
	OOB              *oobElem      `xml:"jabber:x:oob x"`
	Request          *empty        `xml:"urn:xmpp:receipts request"`
	Received         *idElem       `xml:"urn:xmpp:receipts received"`
	Markable         *empty        `xml:"urn:xmpp:chat-markers:0 markable"`
	Displayed        *idElem       `xml:"urn:xmpp:chat-markers:0 displayed"`
	ChatState        *stateElem    `xml:",omitempty"`
	NoStore          *empty        `xml:"urn:xmpp:hints no-store"`
	NoPermanentStore *empty        `xml:"urn:xmpp:hints no-permanent-store"`
	NoCopy           *empty        `xml:"urn:xmpp:hints no-copy"`
	Private          *empty        `xml:"urn:xmpp:carbons:2 private"`
	EME              *emeElem      `xml:"urn:xmpp:eme:0 encryption"`
	OriginID         *idElem       `xml:"urn:xmpp:sid:0 origin-id"`
	Reactions        *reactionsOut `xml:",omitempty"`
	Reply            *replyOut     `xml:",omitempty"`
	Retract          *retractOut   `xml:",omitempty"`
	Fallbacks        []fallbackOut `xml:",omitempty"`
	Store            *empty        `xml:"urn:xmpp:hints store"`
}

// stateElem is a XEP-0085 chat state element (its name is the state).
type stateElem struct {
	XMLName xml.Name
}

func chatStateElem(s ChatState) (*stateElem, error) {
	switch s {
	case "":
		return nil, nil
	case ChatActive, ChatComposing, ChatPaused, ChatInactive, ChatGone:
		return &stateElem{XMLName: xml.Name{Space: nsChatStates, Local: string(s)}}, nil
	}
	return nil, fmt.Errorf("xmpp: unknown chat state %q", s)
}

// emeNames are the XEP-0380 names of well-known encryption namespaces.
var emeNames = map[string]string{
	"urn:xmpp:otr:0":                 "OTR",
	"jabber:x:encrypted":             "Legacy OpenPGP",
	"urn:xmpp:openpgp:0":             "OpenPGP for XMPP",
	"eu.siacs.conversations.axolotl": "OMEMO",
	"urn:xmpp:omemo:1":               "OMEMO",
	"urn:xmpp:omemo:2":               "OMEMO",
}

// buildRelations adds reactions, reply (with its quote) and retraction.
func (m *Outgoing) buildRelations(w *wireOut) error {
	n := 0
	for _, set := range []bool{m.Reactions != nil, m.Reply != nil, m.Retract != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errors.New("xmpp: a message is a reaction, a reply or a retraction, not several")
	}
	switch {
	case m.Reactions != nil:
		if m.Reactions.ID == "" {
			return errors.New("xmpp: reactions need the id of a message")
		}
		w.Reactions = &reactionsOut{ID: m.Reactions.ID, Reaction: m.Reactions.Emoji}
		w.Store = &empty{}
	case m.Reply != nil:
		if m.Reply.ID == "" {
			return errors.New("xmpp: a reply needs the id of a message")
		}
		w.Reply = &replyOut{ID: m.Reply.ID}
		if m.Reply.To.Domainpart() != "" {
			w.Reply.To = m.Reply.To.String()
		}
		if w.Body != "" {
			if q, fb := replyFallback(m.ReplyQuote); fb != nil {
				w.Body = q + w.Body
				w.Fallbacks = append(w.Fallbacks, *fb)
			}
		}
	case m.Retract != "":
		w.Retract = &retractOut{ID: m.Retract}
		if w.Body == "" {
			w.Body = RetractFallbackBody
		}
		w.Fallbacks = append(w.Fallbacks, fallbackOut{For: NSRetract})
		w.Store = &empty{}
	}
	return nil
}

// build turns an Outgoing into its stanza.
func (m *Outgoing) build() (*wireOut, error) {
	if m.To.Domainpart() == "" {
		return nil, errors.New("xmpp: a message needs a recipient")
	}
	w := &wireOut{ID: m.ID, To: m.To.String(), Type: string(stanza.ChatMessage), Body: m.Body}
	if m.Replace != "" {
		w.Replace = &idElem{ID: m.Replace}
	}
	if m.OOB != nil {
		w.OOB = &oobElem{URL: m.OOB.URL, Desc: m.OOB.Desc}
		if w.Body == "" {
			w.Body = m.OOB.URL
		}
	}
	if err := m.buildRelations(w); err != nil {
		return nil, err
	}
	if w.Body == "" && m.OOB == nil && m.Reactions == nil {
		return nil, errors.New("xmpp: a message needs a body or an attachment")
	}
	if m.RequestReceipt {
		w.Request = &empty{}
	}
	if m.Markable {
		w.Markable = &empty{}
	}
	var err error
	if w.ChatState, err = chatStateElem(m.ChatState); err != nil {
		return nil, err
	}
	if m.NoStore {
		w.NoStore = &empty{}
	}
	if m.NoPermanentStore {
		w.NoPermanentStore = &empty{}
	}
	if m.NoCopy {
		w.NoCopy = &empty{}
	}
	if m.Private {
		w.Private = &empty{}
	}
	if m.EME != "" {
		w.EME = &emeElem{Namespace: m.EME, Name: emeNames[m.EME]}
	}
	w.OriginID = &idElem{ID: m.ID}
	return w, nil
}
