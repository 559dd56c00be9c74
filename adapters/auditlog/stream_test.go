package auditlog

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// TestStreamSinks: a tee to a JSON stream gets the same lines as the log;
// the syslog sink sends each line as one message.
func TestStreamSinks(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Skip("no unix datagram sockets:", err)
	}
	defer conn.Close()
	sys, err := NewSyslogSink("unixgram", sock, "orgsync-audit")
	if err != nil {
		t.Fatal(err)
	}
	var file, siem bytes.Buffer
	l := New(Tee(NewStreamSink(&file), NewStreamSink(&siem), sys), Options{})
	if err := l.Lookup(context.Background(), Lookup{Time: t0, Actor: Actor{ID: "u1"}, Purpose: "export", Count: 0}); err != nil {
		t.Fatal(err)
	}
	if file.String() != siem.String() || !strings.Contains(siem.String(), `"type":"lookup"`) {
		t.Errorf("stream %q, file %q", siem.String(), file.String())
	}
	buf := make([]byte, 4096)
	n, _, err := conn.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	if msg := string(buf[:n]); !strings.Contains(msg, "orgsync-audit") || !strings.Contains(msg, strings.TrimSpace(file.String())) {
		t.Errorf("syslog message %q", msg)
	}
}
