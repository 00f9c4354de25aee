// Package libotrpeer drives a libotr 4.1 OTR client (a small C program,
// csrc/peer.c, built by Build) over pipes: it stands in for "an XMPP user's
// OTR client" in offrecord's interop and end-to-end tests. A Peer is safe for
// concurrent use; each process is one local account with one instance tag
// (start two processes with the same account for two instances).
//
// The line protocol, one line each way, binary data in base64 ("-" = empty):
//
//	stdin                              stdout
//	policy manual|opportunistic|always|never|v2only|v3only
//	fragsize N                         (0 = never fragment)
//	query PEER                         inject PEER B64WIRE
//	send PEER B64TEXT                  inject PEER B64WIRE  (one per fragment)
//	recv PEER B64WIRE                  msg PEER enc|plain B64TEXT
//	end PEER                           secure PEER vN FPHEX / stillsecure PEER
//	smp PEER B64SECRET                 insecure PEER / finished PEER
//	smpq PEER B64QUESTION B64SECRET    smp PEER askforsecret|askforanswer B64Q|
//	smpanswer PEER B64SECRET               inprogress|success|failure|abort|cheated|error
//	smpabort PEER                      event PEER NAME  (libotr message events)
//	status PEER                        status PEER plaintext|encrypted|finished vN FPHEX|- THEIRINSTAG
//	quit
//
// At start the program prints "ready INSTAG FPHEX KEYGEN_MICROSECONDS"; after
// each command it prints "ok CMD" or "err CMD TEXT", after that command's
// other output.
package libotrpeer

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/offrecord/offrecord/internal/proc"
	"github.com/offrecord/offrecord/internal/record"
)

// Event is one line of the peer's output other than command replies.
type Event struct {
	Kind        string // the first word: inject, msg, secure, stillsecure, insecure, finished, smp, event, status
	Peer        string // the remote account the line is about
	Data        string // the decoded payload: wire text (inject), plaintext (msg), the question (smp askforanswer)
	Encrypted   bool   // msg: it came out of an OTR data message
	Version     int    // secure, status: the OTR version
	Fingerprint string // secure, status: the peer's fingerprint, 40 hex digits
	Detail      string // the SMP event, the libotr message event's name, or the status state
}

// Peer is one running libotr client process.
type Peer struct {
	Account     string        // this peer's own account name
	InstanceTag uint32        // its OTR instance tag
	Fingerprint string        // its own fingerprint, 40 hex digits
	KeyGen      time.Duration // how long libotr took to generate its DSA key

	proc  *proc.Proc
	stdin *os.File

	cmdMu   sync.Mutex // serialises commands and their replies
	replies chan string

	out    *record.Log[Event] // the output lines, closed at EOF
	done   chan struct{}      // closed when stdout has been read to the end
	events <-chan Event       // out.Follow: reading stdout never waits for the consumer
}

// Start builds (if needed) and starts a peer for account. Cancelling ctx
// kills the process.
func Start(ctx context.Context, account string) (*Peer, error) {
	bin, err := Build()
	if err != nil {
		return nil, err
	}
	// Our own pipes (not cmd.StdinPipe/StdoutPipe): reaping the process in
	// the background never closes them under the reader.
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	cmd := exec.Command(bin, account, "xmpp")
	cmd.Stdin, cmd.Stdout = inR, outW
	pr, err := proc.Start("libotrpeer", cmd, proc.Options{})
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, err
	}
	context.AfterFunc(ctx, func() { _ = pr.Kill() })
	p := &Peer{Account: account, proc: pr, stdin: inW, replies: make(chan string, 1),
		out: record.New[Event](), done: make(chan struct{})}
	p.events = p.out.Follow(context.Background())
	r := bufio.NewReaderSize(outR, 1<<20)
	fail := func(err error) (*Peer, error) {
		_ = pr.Kill()
		inW.Close()
		outR.Close()
		return nil, err
	}
	ready, err := r.ReadString('\n')
	if err != nil {
		return fail(fmt.Errorf("libotrpeer: no ready line: %v", err))
	}
	f := strings.Fields(ready)
	if len(f) != 4 || f[0] != "ready" {
		return fail(fmt.Errorf("libotrpeer: bad ready line %q", ready))
	}
	tag, _ := strconv.ParseUint(f[1], 16, 32)
	us, _ := strconv.Atoi(f[3])
	p.InstanceTag, p.Fingerprint, p.KeyGen = uint32(tag), f[2], time.Duration(us)*time.Microsecond
	go p.read(r, outR)
	return p, nil
}

func (p *Peer) read(r *bufio.Reader, out io.Closer) {
	defer close(p.done)
	defer p.out.Close(io.EOF)
	defer out.Close()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(line, "ok ") || strings.HasPrefix(line, "err ") {
			p.replies <- line
			continue
		}
		p.out.Add(parseEvent(line))
	}
}

func decode(s string) string {
	if s == "-" {
		return ""
	}
	b, _ := base64.StdEncoding.DecodeString(s)
	return string(b)
}

func encode(s string) string {
	if s == "" {
		return "-"
	}
	return base64.StdEncoding.EncodeToString([]byte(s))
}

func parseEvent(line string) Event {
	f := strings.Fields(line)
	at := func(i int) string {
		if i < len(f) {
			return f[i]
		}
		return ""
	}
	version := func(s string) int {
		v, _ := strconv.Atoi(strings.TrimPrefix(s, "v"))
		return v
	}
	ev := Event{Kind: at(0), Peer: at(1)}
	switch ev.Kind {
	case "inject":
		ev.Data = decode(at(2))
	case "msg":
		ev.Encrypted, ev.Data = at(2) == "enc", decode(at(3))
	case "secure":
		ev.Version, ev.Fingerprint = version(at(2)), at(3)
	case "smp":
		ev.Detail, ev.Data = at(2), decode(at(3))
	case "event":
		ev.Detail = at(2)
	case "status":
		ev.Detail, ev.Version, ev.Fingerprint = at(2), version(at(3)), strings.Trim(at(4), "-")
	}
	return ev
}

// Events delivers the peer's output lines in order. It is closed when the
// process exits.
func (p *Peer) Events() <-chan Event { return p.events }

func (p *Peer) do(args ...string) error {
	p.cmdMu.Lock()
	defer p.cmdMu.Unlock()
	if _, err := io.WriteString(p.stdin, strings.Join(args, " ")+"\n"); err != nil {
		return err
	}
	select {
	case reply := <-p.replies:
		if strings.HasPrefix(reply, "err ") {
			return fmt.Errorf("libotrpeer: %s", reply)
		}
		return nil
	case <-p.done:
		return fmt.Errorf("libotrpeer: process exited")
	}
}

// Policy sets the libotr policy: manual, opportunistic, always, never, v2only, v3only.
func (p *Peer) Policy(name string) error { return p.do("policy", name) }

// FragmentSize sets libotr's maximum message size (0: no fragmentation).
func (p *Peer) FragmentSize(n int) error { return p.do("fragsize", strconv.Itoa(n)) }

// Query sends an OTR query message to peer.
func (p *Peer) Query(peer string) error { return p.do("query", peer) }

// Send sends text from this client's user to peer.
func (p *Peer) Send(peer, text string) error { return p.do("send", peer, encode(text)) }

// Receive hands wire text that peer sent to this client.
func (p *Peer) Receive(peer, wire string) error { return p.do("recv", peer, encode(wire)) }

// End ends the private conversation with peer (all instances).
func (p *Peer) End(peer string) error { return p.do("end", peer) }

// Forget drops every session with peer to plaintext without sending
// anything (libotr's otrl_context_force_plaintext).
func (p *Peer) Forget(peer string) error { return p.do("forget", peer) }

// SMP starts SMP with a shared secret.
func (p *Peer) SMP(peer, secret string) error { return p.do("smp", peer, encode(secret)) }

// SMPQuestion starts SMP with a question and its secret answer.
func (p *Peer) SMPQuestion(peer, question, secret string) error {
	return p.do("smpq", peer, encode(question), encode(secret))
}

// SMPAnswer answers the peer's SMP request.
func (p *Peer) SMPAnswer(peer, secret string) error { return p.do("smpanswer", peer, encode(secret)) }

// SMPAbort aborts SMP.
func (p *Peer) SMPAbort(peer string) error { return p.do("smpabort", peer) }

// Status asks for the conversation state; a "status" Event follows on Events
// before Status returns.
func (p *Peer) Status(peer string) error { return p.do("status", peer) }

// PID is the peer process's ID (for CPU accounting in benchmarks).
func (p *Peer) PID() int { return p.proc.PID() }

// Close asks the peer to quit (killing it after 5 s) and waits for it; it
// returns the process's exit error.
func (p *Peer) Close() error {
	_, _ = io.WriteString(p.stdin, "quit\n")
	_ = p.stdin.Close()
	select {
	case <-p.proc.Done():
	case <-time.After(5 * time.Second):
		_ = p.proc.Kill()
	}
	<-p.done
	return p.proc.ExitErr()
}
