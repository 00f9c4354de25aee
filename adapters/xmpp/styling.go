package xmpp

import "mellium.im/xmpp/styling"

// XEP-0393 message styling lives in the body text itself (*strong*,
// _emphasis_, `code`, ```pre```, > quotes), so the adapter only carries the
// XEP's one element: <unstyled/>, a sender's request that its body be shown
// as it is. Converting styled text to and from Matrix HTML is the bridge's
// job. We advertise the feature because the bridge renders styling.

// nsStyling is the XEP-0393 namespace (disco feature and <unstyled/>).
const nsStyling = styling.NS

// unstyledElem is <unstyled xmlns='urn:xmpp:styling:0'/> (XEP-0393 §6).
type unstyledElem = empty
