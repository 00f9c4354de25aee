// Package loopback has the small helpers the test harnesses share for
// servers on 127.0.0.1. Its functions are safe for concurrent use.
package loopback

import "net"

// FreePort returns a TCP port on 127.0.0.1 that is free right now. Another
// process can take it before the caller binds it, so callers retry on a
// failed start when they picked the port this way.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
