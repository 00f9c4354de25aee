package otr

import "testing"

func TestInteropSMP(t *testing.T) {
	cases := []struct {
		name     string
		weStart  bool
		question string
		right    bool
	}{
		{"we start, secret, right", true, "", true},
		{"we start, secret, wrong", true, "", false},
		{"we start, question, right", true, "Where did we meet?", true},
		{"we start, question, wrong", true, "Where did we meet?", false},
		{"peer starts, secret, right", false, "", true},
		{"peer starts, secret, wrong", false, "", false},
		{"peer starts, question, right", false, "Favourite colour?", true},
		{"peer starts, question, wrong", false, "Favourite colour?", false},
	}
	h := newInterop(t, Config{})
	p := h.peer(bob)
	h.secure(p)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.t = t
			answer := "correct horse"
			if !c.right {
				answer = "wrong horse"
			}
			if c.weStart {
				var err error
				if c.question == "" {
					err = h.m.VerifySMP(alice, bob, []byte("correct horse"))
				} else {
					err = h.m.AskSMP(alice, bob, c.question, []byte("correct horse"))
				}
				if err != nil {
					t.Fatal(err)
				}
				want := "askforsecret"
				if c.question != "" {
					want = "askforanswer"
				}
				ask := h.peerEvent("smp", want)
				if ask.Data != c.question {
					t.Fatalf("libotr saw question %q", ask.Data)
				}
				if err := p.SMPAnswer(alice, answer); err != nil {
					t.Fatal(err)
				}
			} else {
				var err error
				if c.question == "" {
					err = p.SMP(alice, "correct horse")
				} else {
					err = p.SMPQuestion(alice, c.question, "correct horse")
				}
				if err != nil {
					t.Fatal(err)
				}
				h.event(EventSMPAsked)
				st := h.m.Status(alice, bob)
				if !st.SMPPending || st.SMPQuestion != c.question {
					t.Fatalf("status %+v", st)
				}
				if err := h.m.AnswerSMP(alice, bob, []byte(answer)); err != nil {
					t.Fatal(err)
				}
			}
			if c.right {
				ev := h.event(EventSMPSucceeded)
				if !ev.Verified {
					t.Fatal("event not verified")
				}
				h.peerEvent("smp", "success")
				if !h.m.Status(alice, bob).Verified {
					t.Fatal("status not verified")
				}
			} else {
				h.event(EventSMPFailed)
				if c.weStart {
					h.peerEvent("smp", "failure")
				} else {
					// otr3, on the answering side, learns the failure from
					// message 3 and sends an SMP abort instead of message 4:
					// libotr reports an abort, not a failure.
					h.peerEvent("smp", "abort")
				}
			}
		})
	}
	h.t = t
	// Abort from our side mid-way.
	if err := h.m.VerifySMP(alice, bob, []byte("x")); err != nil {
		t.Fatal(err)
	}
	h.peerEvent("smp", "askforsecret")
	if err := h.m.AbortSMP(alice, bob); err != nil {
		t.Fatal(err)
	}
	h.event(EventSMPAborted)
	h.peerEvent("smp", "abort")
	h.roundTrip(p, "after smp", "after smp too")
}
