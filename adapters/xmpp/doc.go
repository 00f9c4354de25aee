// Package xmpp is an XMPP client session (RFC 6120/6121; XEP-0030, 0066, 0084, 0085, 0115, 0153, 0184,
// 0191, 0199, 0203, 0280, 0308, 0313, 0333, 0334, 0359, 0363, 0368, 0380, 0393) that keeps one
// account connected for the bridge.
//
// All methods of Client are safe for concurrent use. Handler methods are called from the client's
// goroutines without any client lock held; they must return quickly and may call back into the Client.
package xmpp
