// Package mail sends the broker's alarms and reports by e-mail over SMTP
// with STARTTLS and authentication: a head-count deviation per
// institution, a client that has not succeeded for a while, a refused
// plan, a locked institution, and a daily summary.
//
// Wire Alarms.Event to broker.Options.Notify, Alarms.HeadCounts to
// broker.Sources.OnAccepted, and call Alarms.Check periodically (the
// stale-client alarm and the daily summary).
package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/orgmodel"
)

// ErrSend wraps every failure to deliver a message.
var ErrSend = errors.New("mail: send")

// Sender delivers messages through one SMTP server.
type Sender struct {
	// Addr is host:port.
	Addr string
	// Username and Password authenticate (AUTH PLAIN, only after
	// STARTTLS); empty Username sends without authentication.
	Username, Password string
	From               string
	To                 []string
	// TLS configures STARTTLS (nil: the system's roots, ServerName from
	// Addr). Insecure sends without STARTTLS: for a relay on loopback only.
	TLS      *tls.Config
	Insecure bool
	// Clock dates the messages (default time.Now).
	Clock func() time.Time
}

// Send sends one message with subject and a plain-text body to every
// recipient.
func (s *Sender) Send(ctx context.Context, subject, body string) error {
	clock := s.Clock
	if clock == nil {
		clock = time.Now
	}
	var msg bytes.Buffer
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
		s.From, strings.Join(s.To, ", "), mime.QEncoding.Encode("utf-8", subject), clock().Format(time.RFC1123Z))
	msg.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	var (
		c   *smtp.Client
		err error
	)
	d := net.Dialer{Timeout: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSend, err)
	}
	if s.Insecure {
		c = smtp.NewClient(conn)
	} else {
		cfg := s.TLS
		if cfg == nil {
			host, _, _ := net.SplitHostPort(s.Addr)
			cfg = &tls.Config{ServerName: host}
		}
		if c, err = smtp.NewClientStartTLS(conn, cfg); err != nil {
			conn.Close()
			return fmt.Errorf("%w: starttls: %w", ErrSend, err)
		}
	}
	defer c.Close()
	if s.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.Username, s.Password)); err != nil {
			return fmt.Errorf("%w: auth: %w", ErrSend, err)
		}
	}
	if err := c.SendMail(s.From, s.To, &msg); err != nil {
		return fmt.Errorf("%w: %w", ErrSend, err)
	}
	return c.Quit()
}

// Alarms decides what to tell and when, and sends it.
type Alarms struct {
	Sender *Sender
	Broker *broker.Broker
	// StaleAfter alarms when a client has not succeeded for this long
	// (default 24h). Paused clients are not alarmed.
	StaleAfter time.Duration
	// SummaryHour is the hour of the daily summary (clock's location);
	// -1: none.
	SummaryHour int
	// HeadCountShare alarms when an institution's head count moves by more
	// than this share between two accepted snapshots (default 0.1).
	HeadCountShare float64
	Clock          func() time.Time
	Log            *slog.Logger

	mu          sync.Mutex
	stale       map[string]bool // clients alarmed until they succeed
	lastSummary time.Time
}

func (a *Alarms) now() time.Time {
	if a.Clock != nil {
		return a.Clock()
	}
	return time.Now()
}

func (a *Alarms) send(ctx context.Context, subject, body string) {
	if err := a.Sender.Send(ctx, subject, body); err != nil {
		log := a.Log
		if log == nil {
			log = slog.Default()
		}
		log.Error("mail not sent", "subject", subject, "err", err)
	}
}

// Event mails the broker's events worth it: a refused plan and a locked
// institution (broker.Options.Notify).
func (a *Alarms) Event(e broker.Event) {
	ctx := context.Background()
	switch e.Kind {
	case "refused":
		a.send(ctx, fmt.Sprintf("orgsync: plan for %s refused, approval needed", e.Client),
			fmt.Sprintf("%s\n\nAt %s the plan for client %s was refused by a safety threshold; nothing was applied.\n\n%s\n\nReview it in the approvals list: approving applies exactly that plan, once.\n",
				e.Text, e.At.Format(time.RFC3339), e.Client, e.Text))
	case "locked":
		a.send(ctx, fmt.Sprintf("orgsync: institution %s held at the year roll", e.Institution),
			fmt.Sprintf("%s\n\nRead the year-roll explanation (locks in the API) and release the institution when it is right. The other institutions keep syncing.\n", e.Text))
	}
}

// HeadCounts mails the institutions whose head count moved by more than
// HeadCountShare from prev to next (broker.Sources.OnAccepted).
func (a *Alarms) HeadCounts(prev, next *orgmodel.Snapshot) {
	if prev == nil || next == nil {
		return
	}
	share := a.HeadCountShare
	if share == 0 {
		share = 0.1
	}
	at := a.now()
	before, after := headCounts(prev, at), headCounts(next, at)
	var lines []string
	for inst, n := range before {
		m := after[inst]
		if n > 0 && abs(m-n) > int(float64(n)*share) {
			lines = append(lines, fmt.Sprintf("institution %s: %d -> %d persons (%+.0f %%)", inst, n, m, 100*float64(m-n)/float64(n)))
		}
	}
	if len(lines) == 0 {
		return
	}
	sort.Strings(lines)
	a.send(context.Background(), "orgsync: head count deviation",
		"The head count of these institutions moved by more than "+fmt.Sprintf("%.0f %%", share*100)+" between two source snapshots:\n\n"+strings.Join(lines, "\n")+"\n")
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func headCounts(s *orgmodel.Snapshot, at time.Time) map[string]int {
	seen := map[string]map[string]bool{}
	for _, af := range s.Affiliations {
		if !af.Valid.Contains(at) {
			continue
		}
		inst := s.AffiliationInstitution(af)
		if seen[inst] == nil {
			seen[inst] = map[string]bool{}
		}
		seen[inst][af.PersonID] = true
	}
	out := map[string]int{}
	for inst, ps := range seen {
		out[inst] = len(ps)
	}
	return out
}

// Check sends the stale-client alarms (once per client until it succeeds
// again) and the daily summary (once a day, at SummaryHour).
func (a *Alarms) Check(ctx context.Context) {
	now := a.now()
	stale := a.StaleAfter
	if stale == 0 {
		stale = 24 * time.Hour
	}
	a.mu.Lock()
	if a.stale == nil {
		a.stale = map[string]bool{}
	}
	var late []string
	for _, n := range a.Broker.Clients() {
		st, err := a.Broker.Status(n)
		if err != nil || st.Paused {
			continue
		}
		since := st.LastSuccess
		if since.IsZero() {
			continue // never run yet: not stale
		}
		if now.Sub(since) < stale {
			a.stale[n] = false
			continue
		}
		if !a.stale[n] {
			a.stale[n] = true
			late = append(late, fmt.Sprintf("client %s: last success %s (%s ago); last error: %s",
				n, since.Format(time.RFC3339), now.Sub(since).Round(time.Minute), orNone(st.Error)))
		}
	}
	summary := false
	if a.SummaryHour >= 0 {
		y, m, d := now.Date()
		slot := time.Date(y, m, d, a.SummaryHour, 0, 0, 0, now.Location())
		if !now.Before(slot) && a.lastSummary.Before(slot) {
			a.lastSummary, summary = now, true
		}
	}
	a.mu.Unlock()
	if len(late) > 0 {
		a.send(ctx, "orgsync: client not succeeded for "+stale.String(), strings.Join(late, "\n")+"\n")
	}
	if summary {
		a.send(ctx, "orgsync: daily summary "+now.Format(time.DateOnly), a.summary())
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func (a *Alarms) summary() string {
	var b strings.Builder
	b.WriteString("Clients:\n")
	for _, n := range a.Broker.Clients() {
		st, _ := a.Broker.Status(n)
		state := "ok"
		switch {
		case st.Paused:
			state = "PAUSED"
		case st.Error != "":
			state = "ERROR: " + st.Error
		}
		fmt.Fprintf(&b, "  %s: %s; last success %s", n, state, st.LastSuccess.Format(time.RFC3339))
		if st.Last != nil {
			fmt.Fprintf(&b, "; last run %d planned, %d applied, %d failed", st.Last.Planned, st.Last.Applied, st.Last.Failed)
		}
		b.WriteString("\n")
	}
	pending := 0
	for _, ap := range a.Broker.Approvals() {
		if ap.Status == "pending" {
			pending++
		}
	}
	fmt.Fprintf(&b, "Approvals waiting: %d\n", pending)
	locks := a.Broker.Locks()
	fmt.Fprintf(&b, "Institutions held at the year roll: %d\n", len(locks))
	for _, l := range locks {
		fmt.Fprintf(&b, "  %s (%s -> %s since %s)\n", l.Institution, l.From, l.To, l.At.Format(time.DateOnly))
	}
	return b.String()
}
