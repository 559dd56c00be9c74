package entra

import "time"

// SetBackoff shortens the wait after 5xx and transport failures in tests.
func (c *Client) SetBackoff(d time.Duration) { c.setBackoff(d) }
