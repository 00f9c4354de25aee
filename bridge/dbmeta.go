package bridge

// UserLoginMetadata is stored with each login. The password is sealed with
// the bridge's password_key and never stored in plaintext.
type UserLoginMetadata struct {
	// SealedPassword is the AES-256-GCM sealed XMPP password (see secret.go).
	SealedPassword string `json:"sealed_password"`
}

// GhostMetadata is stored with each contact ghost.
type GhostMetadata struct {
	// RosterName is the name the user gave the contact in their roster.
	RosterName string `json:"roster_name,omitempty"`
}
