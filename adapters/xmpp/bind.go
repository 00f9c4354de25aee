package xmpp

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

const nsBind = "urn:ietf:params:xml:ns:xmpp-bind"

// bindResp is the server's answer to a bind request.
type bindResp struct {
	XMLName xml.Name      `xml:"jabber:client iq"`
	ID      string        `xml:"id,attr"`
	Type    string        `xml:"type,attr"`
	JID     string        `xml:"urn:ietf:params:xml:ns:xmpp-bind bind>jid"`
	Err     *stanza.Error `xml:"jabber:client error"`
}

// bindFeature binds resource (RFC 6120 §7). mellium's own feature always asks for a server-chosen
// resource; we want a stable one. If the server refuses it, we ask again for a server-chosen one.
// When st.resume is set and the server offers stream management, it first tries to resume that
// session (XEP-0198 §5), which takes the place of binding.
func bindFeature(resource string, st *negState) xmpp.StreamFeature {
	return xmpp.StreamFeature{
		Name:       xml.Name{Space: nsBind, Local: "bind"},
		Necessary:  xmpp.Authn,
		Prohibited: xmpp.Ready,
		Parse: func(ctx context.Context, d *xml.Decoder, start *xml.StartElement) (bool, interface{}, error) {
			return true, nil, d.Skip()
		},
		Negotiate: func(ctx context.Context, s *xmpp.Session, data interface{}) (xmpp.SessionState, io.ReadWriter, error) {
			_, st.smOffered = s.Feature(nsSM)
			if st.smOffered && st.resume != nil {
				ok, err := resume(s, st.resume, st)
				if err != nil {
					return 0, nil, err
				}
				if ok {
					st.resumed = true
					s.UpdateAddr(st.resume.jid)
					return xmpp.Ready, nil, nil
				}
			}
			j, err := bindOnce(s, resource)
			if err != nil && resource != "" {
				if _, ok := err.(stanza.Error); ok {
					j, err = bindOnce(s, "")
				}
			}
			if err != nil {
				return 0, nil, err
			}
			s.UpdateAddr(j)
			return xmpp.Ready, nil, nil
		},
	}
}

func bindOnce(s *xmpp.Session, resource string) (jid.JID, error) {
	w := s.TokenWriter()
	defer w.Close()
	r := s.TokenReader()
	defer r.Close()

	id := randomID()
	var inner xml.TokenReader
	if resource != "" {
		inner = xmlstream.Wrap(xmlstream.Token(xml.CharData(resource)), xml.StartElement{Name: xml.Name{Local: "resource"}})
	}
	req := xmlstream.Wrap(
		xmlstream.Wrap(inner, xml.StartElement{Name: xml.Name{Space: nsBind, Local: "bind"}}),
		xml.StartElement{Name: xml.Name{Space: stanza.NSClient, Local: "iq"}, Attr: []xml.Attr{
			{Name: xml.Name{Local: "type"}, Value: "set"},
			{Name: xml.Name{Local: "id"}, Value: id},
		}},
	)
	if _, err := xmlstream.Copy(w, req); err != nil {
		return jid.JID{}, err
	}
	if err := w.Flush(); err != nil {
		return jid.JID{}, err
	}
	d := xml.NewTokenDecoder(r)
	for {
		tok, err := d.Token()
		if err != nil {
			return jid.JID{}, err
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue // whitespace
		}
		var resp bindResp
		if err := d.DecodeElement(&resp, &start); err != nil {
			return jid.JID{}, err
		}
		switch {
		case resp.ID != id:
			return jid.JID{}, fmt.Errorf("xmpp: bind answer has id %q, want %q", resp.ID, id)
		case resp.Type == "error" && resp.Err != nil:
			return jid.JID{}, *resp.Err
		case resp.Type != "result":
			return jid.JID{}, fmt.Errorf("xmpp: bind answer of type %q", resp.Type)
		}
		return jid.Parse(resp.JID)
	}
}
