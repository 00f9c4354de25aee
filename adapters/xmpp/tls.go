package xmpp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"fmt"
	"io"
	"os"

	"mellium.im/xmpp"
)

// tlsConfig builds the TLS settings for domain from cfg: system roots plus CAFile.
func tlsConfig(cfg *Config, domain string) (*tls.Config, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("xmpp: cannot read the CA file: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("xmpp: the CA file %s holds no PEM certificate", cfg.CAFile)
		}
	}
	return &tls.Config{
		ServerName:         domain,
		RootCAs:            pool,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: cfg.InsecureSkipVerify, // #nosec G402 -- only when explicitly configured
	}, nil
}

// negState records what happened during one stream negotiation, for error classification and for
// stream management (XEP-0198).
type negState struct {
	tlsOffered  bool // the server listed STARTTLS
	tlsRequired bool // … marked <required/>

	resume       *smState // set by the caller: the lost session to resume instead of binding
	smOffered    bool     // the server offers stream management (after authentication)
	resumed      bool     // resume was resumed
	resent       int      // stanzas written again after resuming
	resumeFailed string   // the server's condition when resumption failed
	resumeNote   string   // a count mismatch seen in the server's <failed/>
}

// startTLSSeen, used with tls: disabled, only notes that the server offers STARTTLS (and whether it
// requires it); it is never negotiated, so that a server demanding TLS can be reported as such
// instead of as mellium's "features advertised out of order".
func startTLSSeen(st *negState) xmpp.StreamFeature {
	return xmpp.StreamFeature{
		Name:       xml.Name{Space: nsStartTLS, Local: "starttls"},
		Prohibited: xmpp.Secure, // the stream is marked secure with tls: disabled, so never selected
		Parse: func(ctx context.Context, d *xml.Decoder, start *xml.StartElement) (bool, interface{}, error) {
			var parsed struct {
				Required *struct{} `xml:"required"`
			}
			err := d.DecodeElement(&parsed, start)
			st.tlsOffered, st.tlsRequired = true, parsed.Required != nil
			return st.tlsRequired, nil, err
		},
	}
}

const nsStartTLS = "urn:ietf:params:xml:ns:xmpp-tls"

// startTLS wraps mellium's STARTTLS feature: it refuses to go on when the server did not offer TLS
// (ErrTLSRequired) and runs the handshake at once so that certificate errors surface as ErrTLS.
func startTLS(cfg *tls.Config, st *negState) xmpp.StreamFeature {
	f := xmpp.StartTLS(cfg)
	parse, negotiate := f.Parse, f.Negotiate
	f.Parse = func(ctx context.Context, d *xml.Decoder, start *xml.StartElement) (bool, interface{}, error) {
		st.tlsOffered = true
		return parse(ctx, d, start)
	}
	f.Negotiate = func(ctx context.Context, s *xmpp.Session, data interface{}) (xmpp.SessionState, io.ReadWriter, error) {
		if !st.tlsOffered {
			return 0, nil, ErrTLSRequired
		}
		mask, rw, err := negotiate(ctx, s, data)
		if err != nil {
			return mask, rw, classify(ErrTLS, err)
		}
		if tc, ok := rw.(*tls.Conn); ok {
			if err := tc.HandshakeContext(ctx); err != nil {
				return 0, nil, classify(ErrTLS, err)
			}
		}
		return mask, rw, nil
	}
	return f
}
