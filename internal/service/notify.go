package service

import (
	"fmt"
	"net"
	"os"
	"strings"
)

// notify sends state to systemd's notify socket ($NOTIFY_SOCKET, a path
// or an abstract name starting with '@'), as sd_notify does; without the
// variable it does nothing. A unit with Type=notify waits for READY=1.
func notify(state string) error {
	addr := os.Getenv("NOTIFY_SOCKET")
	if addr == "" {
		return nil
	}
	if strings.HasPrefix(addr, "@") {
		addr = "\x00" + addr[1:]
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("service: notify: %w", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return fmt.Errorf("service: notify: %w", err)
	}
	return nil
}
