package otrbuddy

import "errors"

var (
	// ErrNotRecording is returned by the waits of a buddy started without
	// Config.Record.
	ErrNotRecording = errors.New("otrbuddy: not recording")
	// ErrMessageError is wrapped by the Err of an Error event for a message
	// error stanza the buddy received (a bounce, not a fault of the buddy).
	ErrMessageError = errors.New("otrbuddy: message error")
)
