package proc

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// FreePort returns a TCP port on 127.0.0.1 that is free right now, never
// the same twice in one process. It picks below the kernel's ephemeral
// range (ip_local_port_range), when there is room, so that no outgoing
// connection on the machine (whose local port comes from that range, and
// which also keeps a server from binding it) nor any bind to port 0 can
// take it before the server binds it. Another program can still take it;
// WaitReady then reports a *PortBusyError and callers that picked the port
// this way pick another.
func FreePort() (int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	lo, hi := pickRange()
	for range 200 {
		addr := "127.0.0.1:0"
		if hi > lo {
			addr = "127.0.0.1:" + strconv.Itoa(lo+rand.IntN(hi-lo))
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !portsGiven[port] {
			portsGiven[port] = true
			return port, nil
		}
	}
	return 0, errors.New("proc: no free port found")
}

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{} // ports FreePort returned; guarded by portsMu
)

// pickRange is where FreePort picks: from 20000 (above the demo's fixed
// ports) up to the start of the ephemeral range, if that leaves room.
func pickRange() (lo, hi int) {
	data, _ := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if f := strings.Fields(string(data)); len(f) == 2 {
		if ephemeral, err := strconv.Atoi(f[0]); err == nil && ephemeral-20000 >= 1000 {
			return 20000, ephemeral
		}
	}
	return 0, 0
}

// Holder is the process holding a listening socket.
type Holder struct {
	PID  int    // 0 when the socket's owner is not visible in /proc
	Name string // e.g. "prosody", "dendrite", "nc"
}

func (h Holder) String() string {
	if h.PID == 0 {
		return "another process (its owner is not visible in /proc)"
	}
	return fmt.Sprintf("%s (pid %d)", h.Name, h.PID)
}

// blocking are the local addresses (as in /proc/net/tcp{,6}) of sockets
// that keep a server from listening on 127.0.0.1.
var blocking = map[string]bool{
	"0100007F":                         true, // 127.0.0.1
	"00000000":                         true, // 0.0.0.0
	"00000000000000000000000000000000": true, // ::
	"0000000000000000FFFF00000100007F": true, // ::ffff:127.0.0.1
}

// TCP states in /proc/net/tcp.
const (
	tcpListen   = "0A"
	tcpTimeWait = "06" // has no owner and does not block a server
)

// socket is a TCP socket on a blocking address.
type socket struct {
	port         int
	state, inode string
}

func sockets() []socket {
	var out []socket
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, _ := os.ReadFile(file)
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 {
				continue
			}
			addr, hexPort, _ := strings.Cut(f[1], ":")
			if port, err := strconv.ParseInt(hexPort, 16, 32); err == nil && blocking[addr] {
				out = append(out, socket{port: int(port), state: f[3], inode: f[9]})
			}
		}
	}
	return out
}

// socketInodes returns the inodes of the sockets among pid's descriptors.
func socketInodes(pid int) map[string]bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	out := map[string]bool{}
	for _, e := range entries {
		link, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			out[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	return out
}

// ListeningPorts returns the TCP ports on which the process pid itself
// listens (on 127.0.0.1 or all addresses).
func ListeningPorts(pid int) map[int]bool {
	inodes := socketInodes(pid)
	out := map[int]bool{}
	for _, s := range sockets() {
		if s.state == tcpListen && inodes[s.inode] {
			out[s.port] = true
		}
	}
	return out
}

// PortHolder returns the process that keeps a server from listening on
// 127.0.0.1:port, and whether there is one: a process listening there (or
// on all addresses), else one with a connection whose local end is that port.
func PortHolder(port int) (Holder, bool) {
	var inode string
	for _, s := range sockets() {
		if s.port == port && s.state != tcpTimeWait && s.inode != "0" && (inode == "" || s.state == tcpListen) {
			inode = s.inode
		}
	}
	if inode == "" {
		return Holder{}, false
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && socketInodes(pid)[inode] {
			return Holder{PID: pid, Name: Name(pid)}, true
		}
	}
	return Holder{}, true
}

// Name names a process for people: its program's file name, or for an
// interpreter running a script (prosody runs as "lua5.4 /usr/bin/prosody")
// the script's.
func Name(pid int) string {
	args := Cmdline(pid)
	if len(args) == 0 {
		return "?"
	}
	name := filepath.Base(args[0])
	if strings.HasPrefix(name, "lua") || strings.HasPrefix(name, "python") {
		for _, a := range args[1:] {
			if !strings.HasPrefix(a, "-") {
				return filepath.Base(a)
			}
		}
	}
	return name
}
