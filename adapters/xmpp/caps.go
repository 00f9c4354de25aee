package xmpp

import (
	"crypto/sha1" // #nosec G505 -- XEP-0115 verification strings are SHA-1 by definition
	"encoding/xml"
	"sync"

	"mellium.im/xmpp/disco"
	"mellium.im/xmpp/disco/info"
)

// XEP-0115 entity capabilities: our presence carries a hash of our disco#info, so that the contacts'
// servers learn which PEP notifications we want (XEP-0163 §4: "+notify" features) — here
// urn:xmpp:avatar:metadata+notify, for contacts' avatars. A server that does not know the hash asks
// for disco#info at node#ver, which handleIQ answers.

// capsNode names the software in caps (XEP-0115 §4).
const capsNode = "https://github.com/offrecord/offrecord"

// ourIdentity is the one identity we advertise in disco#info.
var ourIdentity = discoIdentity{Category: "client", Type: "bot", Name: "offrecord"}

// capsElem is the caps element of our presence.
type capsElem struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/caps c"`
	Hash    string   `xml:"hash,attr"`
	Node    string   `xml:"node,attr"`
	Ver     string   `xml:"ver,attr"`
}

var (
	capsOnce sync.Once
	capsVer  string
)

// ourCaps returns the caps element for our presence; the verification string is computed once with
// mellium's XEP-0115 §5 algorithm from the identity and features handleIQ answers with.
func ourCaps() *capsElem {
	capsOnce.Do(func() {
		in := disco.Info{Identity: []info.Identity{{Category: ourIdentity.Category, Type: ourIdentity.Type, Name: ourIdentity.Name}}}
		for _, f := range features {
			in.Features = append(in.Features, info.Feature{Var: f})
		}
		capsVer = in.Hash(sha1.New())
	})
	return &capsElem{Hash: "sha-1", Node: capsNode, Ver: capsVer}
}
