package xmpp

import (
	"encoding/xml"
	"fmt"

	"mellium.im/xmlstream"
)

const nsDiscoInfo = "http://jabber.org/protocol/disco#info"

// features we advertise in disco#info (XEP-0030).
var features = []string{
	nsDiscoInfo,
	"urn:xmpp:ping",
	nsChatStates,
	nsReceipts,
	nsMarkers,
	nsCorrect,
	nsOOB,
	nsCarbons,
	nsEME,
	nsSID,
	nsAvatarNotify,
	nsStyling,
}

type discoFeature struct {
	Var string `xml:"var,attr"`
}

type discoIdentity struct {
	Category string `xml:"category,attr"`
	Type     string `xml:"type,attr"`
	Name     string `xml:"name,attr"`
}

type discoInfo struct {
	XMLName    xml.Name        `xml:"http://jabber.org/protocol/disco#info query"`
	Node       string          `xml:"node,attr,omitempty"`
	Identities []discoIdentity `xml:"identity"`
	Features   []discoFeature  `xml:"feature"`
}

// iqStanza is an IQ (a request, or the result of one) with an optional payload.
type iqStanza struct {
	XMLName xml.Name    `xml:"jabber:client iq"`
	ID      string      `xml:"id,attr"`
	To      string      `xml:"to,attr,omitempty"`
	Type    string      `xml:"type,attr"`
	Payload interface{} `xml:",omitempty"`
}

// handleIQ answers pings and disco#info, applies roster and blocklist pushes; anything else gets mellium's
// service-unavailable error.
func (c *Client) handleIQ(t xmlstream.TokenReadEncoder, start *xml.StartElement) {
	typ := attr(start, "type")
	if typ != "get" && typ != "set" {
		return // an unexpected result or error: nothing waits for it
	}
	d := xml.NewTokenDecoder(t)
	var child xml.StartElement
	for {
		tok, err := d.Token()
		if err != nil {
			return // empty IQ: Serve answers with an error
		}
		if se, ok := tok.(xml.StartElement); ok {
			child = se
			break
		}
	}
	reply := iqStanza{ID: attr(start, "id"), To: attr(start, "from"), Type: "result"}
	switch {
	case typ == "get" && child.Name == nsPing:
	case typ == "get" && child.Name == xml.Name{Space: nsDiscoInfo, Local: "query"}:
		var q discoInfo
		if err := d.DecodeElement(&q, &child); err != nil {
			c.malformed(start, err)
			return
		}
		reply.Payload = &discoInfo{
			Node:       q.Node,
			Identities: []discoIdentity{ourIdentity},
			Features:   featureList(),
		}
	case typ == "set" && child.Name == xml.Name{Space: nsRoster, Local: "query"}:
		if !c.fromSelf(attr(start, "from")) {
			c.malformed(start, fmt.Errorf("roster push from %q, not our account", attr(start, "from")))
			return
		}
		var q rosterQuery
		if err := d.DecodeElement(&q, &child); err != nil {
			c.malformed(start, err)
			return
		}
		c.rosterPush(q.Items)
	case typ == "set" && isBlocklistPush(child.Name):
		if !c.blocklistPush(start, d, &child) {
			return
		}
	default:
		return
	}
	if err := t.Encode(reply); err != nil {
		c.log.Warn().Err(err).Msg("Answering an IQ failed")
	}
}

func featureList() []discoFeature {
	out := make([]discoFeature, len(features))
	for i, f := range features {
		out[i] = discoFeature{Var: f}
	}
	return out
}
