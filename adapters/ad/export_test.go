package ad

import "github.com/orgsync/orgsync/diff"

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

// GroupSAM returns the sAMAccountName a client with template tmpl (""
// for the default) gives a group with name and key, or the template's
// problem.
func GroupSAM(tmpl, name, key string) (string, error) {
	if tmpl == "" {
		tmpl = "{name}-{hash}"
	} else if err := checkGroupSAM(tmpl); err != nil {
		return "", err
	}
	c := &Client{cfg: Config{GroupSAM: tmpl}}
	return c.groupSAM(&diff.Object{Kind: diff.Group, Name: name, Key: key}), nil
}

// DomainOf exposes domainOf.
func DomainOf(dn string) string { return domainOf(dn) }

// LastReadWasDelta reports whether the Client's last read was served by
// ReadDelta from the changes alone.
func LastReadWasDelta(c *Client) bool {
	c.delta.mu.Lock()
	defer c.delta.mu.Unlock()
	return c.delta.last
}

// DeltaLookups reports how many update sequence numbers the Client's last
// delta read looked up by equality; -1 when it searched the open range.
func DeltaLookups(c *Client) int64 {
	c.delta.mu.Lock()
	defer c.delta.mu.Unlock()
	return c.delta.lookups
}
