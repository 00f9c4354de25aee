package xmpp

// XEP-0424 message retraction: the sender asks that one of their earlier
// messages be removed. It carries a fallback body, marked with XEP-0428,
// and a XEP-0334 store hint so that archives keep the retraction.

// NSRetract is the XEP-0424 namespace.
const NSRetract = "urn:xmpp:message-retract:1"

// RetractFallbackBody is the body of a retraction for clients that do not know XEP-0424.
const RetractFallbackBody = "This person attempted to retract a previous message, but it's unsupported by your client."

// retractOut is <retract id='…' xmlns='urn:xmpp:message-retract:1'/>.
type retractOut struct {
	XMLName struct{} `xml:"urn:xmpp:message-retract:1 retract"`
	ID      string   `xml:"id,attr"`
}
