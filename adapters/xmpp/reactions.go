package xmpp

// XEP-0444 message reactions: each reactions element carries the sender's
// whole set of reactions to one message; an empty set removes them all.

// NSReactions is the XEP-0444 namespace.
const NSReactions = "urn:xmpp:reactions:0"

// Reactions is a sender's full set of reactions to one message.
type Reactions struct {
	ID    string   // id of the message reacted to (its origin-id, else its stanza id)
	Emoji []string // the whole set; empty removes every reaction of the sender
}

// reactionsElem is <reactions id='…' xmlns='urn:xmpp:reactions:0'><reaction>👍</reaction>…</reactions>.
type reactionsElem struct {
	ID       string   `xml:"id,attr"`
	Reaction []string `xml:"reaction"`
}

// reactionsOut is the outgoing form, with its namespace.
type reactionsOut struct {
	XMLName  struct{} `xml:"urn:xmpp:reactions:0 reactions"`
	ID       string   `xml:"id,attr"`
	Reaction []string `xml:"reaction"`
}

// maxReactions bounds the reactions read from one stanza.
const maxReactions = 64

// toReactions converts the incoming element; nil when it names no message.
func (r *reactionsElem) toReactions() *Reactions {
	if r == nil || r.ID == "" {
		return nil
	}
	out := &Reactions{ID: r.ID}
	seen := map[string]bool{}
	for _, e := range r.Reaction {
		if e == "" || seen[e] || len(out.Emoji) >= maxReactions {
			continue
		}
		seen[e] = true
		out.Emoji = append(out.Emoji, e)
	}
	return out
}
