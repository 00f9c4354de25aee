package xmpp

import (
	"errors"
	"strings"
	"testing"
)

func TestConnectErrorKinds(t *testing.T) {
	for _, tc := range []struct {
		kind        error
		hostUnknown bool
	}{
		{ErrDomainUnknown, true}, {ErrRefused, true}, {ErrHostUnknown, true},
		{ErrTimeout, false}, {ErrTLSMismatch, false}, {ErrTLSRequired, false},
	} {
		e := error(&ConnectError{Kind: tc.kind, Addr: "127.0.0.1:5222", Err: errors.New("cause")})
		wrapped := &ReconnectError{Attempt: 1, Err: e}
		if !errors.Is(wrapped, tc.kind) {
			t.Errorf("%v: errors.Is(kind) false", tc.kind)
		}
		if errors.Is(wrapped, ErrHostUnknown) != tc.hostUnknown {
			t.Errorf("%v: errors.Is(ErrHostUnknown) = %v, want %v", tc.kind, !tc.hostUnknown, tc.hostUnknown)
		}
		var ce *ConnectError
		if !errors.As(wrapped, &ce) || !strings.Contains(e.Error(), "127.0.0.1:5222") || !strings.HasSuffix(e.Error(), ": cause") {
			t.Errorf("%v: message %q", tc.kind, e.Error())
		}
	}
}
