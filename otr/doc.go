// Package otr runs Off-the-Record Messaging (OTR protocol versions 3 and 2,
// https://otr.cypherpunks.ca/Protocol-v3-4.1.1.html) sessions on top of
// github.com/coyim/otr3, with identity keys that live only in RAM.
//
// A Manager is safe for concurrent use; it serialises all work on one session
// (one local account talking to one peer address) and never holds a lock while
// it calls Config.Send or Config.OnEvent.
//
// The package knows nothing of the transport: the caller hands it wire text
// received from a peer (Manager.Receive) and plaintext the local user wants to
// send (Manager.Send); the package hands back plaintext for display and calls
// Config.Send with wire text the transport must deliver. Events describe state
// changes in plain words and never carry message plaintext or key material.
package otr
