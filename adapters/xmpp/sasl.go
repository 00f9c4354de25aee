package xmpp

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"

	"mellium.im/sasl"
	"mellium.im/xmpp"
)

// saslConditions are the RFC 6120 §6.5 failure conditions that mean the credentials were refused.
var saslConditions = map[string]bool{
	"not-authorized": true, "account-disabled": true, "credentials-expired": true,
	"invalid-authzid": true, "invalid-mechanism": true, "encryption-required": true,
	"malformed-request": true, "mechanism-too-weak": true, "aborted": true,
}

// mechanisms lists the SASL mechanisms we try, strongest first. PLAIN is used over TLS, and without TLS
// only when the config explicitly allows it.
func mechanisms(cfg *Config) []sasl.Mechanism {
	m := []sasl.Mechanism{sasl.ScramSha256, sasl.ScramSha1}
	if cfg.TLS != TLSDisabled || cfg.AllowPlainAuth {
		m = append(m, sasl.Plain)
	}
	return m
}

// saslFeature wraps mellium's SASL feature so that refused credentials become ErrAuth.
func saslFeature(cfg *Config) xmpp.StreamFeature {
	f := xmpp.SASL("", cfg.Password, mechanisms(cfg)...)
	negotiate := f.Negotiate
	f.Negotiate = func(ctx context.Context, s *xmpp.Session, data interface{}) (xmpp.SessionState, io.ReadWriter, error) {
		mask, rw, err := negotiate(ctx, s, data)
		if err == nil {
			return mask, rw, nil
		}
		var ne net.Error
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &ne), ctx.Err() != nil:
			return mask, rw, err
		case strings.Contains(err.Error(), "no matching SASL mechanisms"):
			return mask, rw, errors.New("xmpp: the server offers no login method we accept (without TLS, PLAIN needs AllowPlainAuth)")
		case saslConditions[err.Error()]:
			return mask, rw, classify(ErrAuth, errors.New(err.Error()))
		}
		// Errors from the SCRAM steps (e.g. a bad server signature) also mean the login failed.
		return mask, rw, classify(ErrAuth, err)
	}
	return f
}
