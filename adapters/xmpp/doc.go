// Package xmpp is an XMPP client session (RFC 6120/6121; XEP-0030, 0066, 0084, 0085, 0115, 0153, 0184,
// 0191, 0198, 0199, 0203, 0280, 0308, 0313, 0333, 0334, 0359, 0363, 0368, 0380, 0393) that keeps one
// account connected for the bridge.
//
// All methods of Client are safe for concurrent use. Handler methods are called from the client's
// goroutines without any client lock held; they must return quickly and may call back into the Client.
//
// Delivery across dropped connections: when the server offers XEP-0198 stream management, a dropped
// connection is resumed and every stanza arrives exactly once, in order, both ways. If the server has
// forgotten the session (it expired or the server restarted), a new session is bound: messages the
// server had not acknowledged are sent again (those it received just before the drop then arrive
// twice; nothing is lost), and what the server had sent us without our acknowledgement is not
// replayed by the session: the server keeps it in offline storage (delivered again at login, so it
// may come twice) or its archive (FetchHistory); Resumed tells the two cases apart. Without stream
// management, a message whose write
// fails because the connection broke is sent again after reconnecting and may arrive twice. Messages
// that never reached the server when the Client is closed are reported as an *UndeliveredError.
package xmpp
