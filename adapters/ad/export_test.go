package ad

// DropConnections closes every pooled connection behind the Client's
// back, as a server restart or a network failure would.
func DropConnections(c *Client) {
	for _, s := range c.slots {
		s.mu.Lock()
		if s.conn != nil {
			s.conn.Close()
		}
		s.mu.Unlock()
	}
}
