package bridge

import (
	"context"
	"encoding/json"
	"time"

	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/networkid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// The archive position: where a login's catch-up (backfill_catchup.go)
// starts. Live messages move it in RAM (their server stanza-id is their
// archive id); it is written to the key-value table positionSaveDelay
// after it moved, when the login disconnects, and after each catch-up. It
// holds no content: an archive id and a time.

// archivePos is where the bridge last was in a login's archive.
type archivePos struct {
	// ID is the archive id (server stanza-id) of the last message seen live; "" for an empty archive.
	ID string `json:"id,omitempty"`
	// Time is when the bridge saw it (the bridge's clock).
	Time time.Time `json:"time"`
}

// historyPosKey is the key-value key of a login's archive position.
func historyPosKey(login networkid.UserLoginID) database.Key {
	return database.Key("offrecord_history_pos:" + string(login))
}

// loadPosition reads the saved position; false when there is none.
func (c *Client) loadPosition(ctx context.Context) (archivePos, bool) {
	raw := c.conn.Bridge.DB.KV.Get(ctx, historyPosKey(c.login.ID))
	var pos archivePos
	if raw == "" || json.Unmarshal([]byte(raw), &pos) != nil {
		return archivePos{}, false
	}
	return pos, true
}

// storePosition writes a position to the database.
func (c *Client) storePosition(ctx context.Context, pos archivePos) {
	raw, _ := json.Marshal(pos)
	c.conn.Bridge.DB.KV.Set(ctx, historyPosKey(c.login.ID), string(raw))
}

// notePosition records the archive id of a live message: one delivered
// as it was sent (not an offline copy with a delay, which is older).
func (c *Client) notePosition(m *xmppad.Message) {
	if m.ServerID == "" || !m.Delay.IsZero() {
		return
	}
	h := &c.hist
	h.mu.Lock()
	defer h.mu.Unlock()
	pos := archivePos{ID: m.ServerID, Time: time.Now()}
	if !h.caughtUp {
		h.during = pos
		return
	}
	h.pos, h.dirty = pos, true
	if h.timer == nil {
		h.timer = time.AfterFunc(positionSaveDelay, func() { c.flushPosition() })
	}
}

// flushPosition saves a moved position now.
func (c *Client) flushPosition() {
	h := &c.hist
	h.mu.Lock()
	pos, dirty := h.pos, h.dirty
	h.dirty = false
	if h.timer != nil {
		h.timer.Stop()
		h.timer = nil
	}
	h.mu.Unlock()
	if dirty {
		ctx, cancel := quietCtx()
		defer cancel()
		c.storePosition(ctx, pos)
	}
}

// forgetPosition drops the position (logout): a new login starts afresh.
func (c *Client) forgetPosition() {
	h := &c.hist
	h.mu.Lock()
	h.dirty, h.caughtUp = false, false
	if h.timer != nil {
		h.timer.Stop()
		h.timer = nil
	}
	h.mu.Unlock()
	ctx, cancel := quietCtx()
	defer cancel()
	c.conn.Bridge.DB.KV.Delete(ctx, historyPosKey(c.login.ID))
}
