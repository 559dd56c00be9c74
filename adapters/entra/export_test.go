package entra

import (
	"context"
	"time"
)

// SetBackoff shortens the wait after 5xx and transport failures in tests.
func (c *Client) SetBackoff(d time.Duration) { c.setBackoff(d) }

// SetSleep replaces the wait between attempts, e.g. to record the waits.
func (c *Client) SetSleep(f func(ctx context.Context, d time.Duration) error) { c.sleep = f }
