package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/mail"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

// message is one message the test server received.
type message struct {
	from string
	to   []string
	data string
	tls  bool
	user string
}

// server is a real SMTP server in process: STARTTLS, AUTH PLAIN (only
// over TLS), one user.
type server struct {
	mu   sync.Mutex
	msgs []message
	addr string
	pool *x509.CertPool
}

type session struct {
	srv  *server
	conn *smtp.Conn
	msg  message
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "broker" || pass != "s3cret" {
			return errors.New("bad credentials")
		}
		s.msg.user = user
		return nil
	}), nil
}
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.msg.user == "" {
		return smtp.ErrAuthRequired
	}
	s.msg.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.to = append(s.msg.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, s.msg.tls = s.conn.TLSConnectionState()
	m := s.msg
	m.data = string(b)
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, m)
	s.srv.mu.Unlock()
	s.msg.to = nil
	return nil
}
func (s *session) Reset()        { s.msg.to = nil }
func (s *session) Logout() error { return nil }

func startServer(t *testing.T) *server {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	srv := &server{pool: x509.NewCertPool()}
	srv.pool.AddCert(cert)
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{srv: srv, conn: c}, nil }))
	s.Domain = "localhost"
	s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.addr = l.Addr().String()
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return srv
}

func (s *server) take() []message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.msgs
	s.msgs = nil
	return out
}

func (s *server) sender(clk func() time.Time) *mail.Sender {
	return &mail.Sender{Addr: s.addr, Username: "broker", Password: "s3cret", From: "orgsync@kommune.dk",
		To: []string{"it@kommune.dk", "skole@kommune.dk"}, TLS: &tls.Config{ServerName: "localhost", RootCAs: s.pool}, Clock: clk}
}

// expect checks that exactly one message arrived, over TLS, authenticated,
// to both recipients, with a subject and body containing the texts.
func expect(t *testing.T, srv *server, subject string, body ...string) {
	t.Helper()
	msgs := srv.take()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1 (%q)", len(msgs), subject)
	}
	m := msgs[0]
	if !m.tls || m.user != "broker" || m.from != "orgsync@kommune.dk" || !slices.Equal(m.to, []string{"it@kommune.dk", "skole@kommune.dk"}) {
		t.Errorf("envelope: tls %v user %q from %q to %v", m.tls, m.user, m.from, m.to)
	}
	if !strings.Contains(m.data, "Subject: "+subject) {
		t.Errorf("subject: want %q in\n%s", subject, m.data)
	}
	for _, b := range body {
		if !strings.Contains(m.data, b) {
			t.Errorf("body lacks %q:\n%s", b, m.data)
		}
	}
}

func TestSendRequiresSTARTTLSTrust(t *testing.T) {
	srv := startServer(t)
	s := srv.sender(nil)
	s.TLS = &tls.Config{ServerName: "localhost"} // the test CA is not trusted
	if err := s.Send(context.Background(), "x", "y"); !errors.Is(err, mail.ErrSend) {
		t.Errorf("untrusted certificate: %v, want ErrSend", err)
	}
	s = srv.sender(nil)
	s.Password = "wrong"
	if err := s.Send(context.Background(), "x", "y"); !errors.Is(err, mail.ErrSend) {
		t.Errorf("wrong password: %v, want ErrSend", err)
	}
	if n := len(srv.take()); n != 0 {
		t.Errorf("%d messages delivered", n)
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func TestAlarms(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t)
	snap := synth.Generate(synth.Tiny)
	clk := &clock{t: time.Date(2025, 9, 15, 6, 0, 0, 0, time.UTC)}
	al := &mail.Alarms{Sender: srv.sender(clk.Now), StaleAfter: 6 * time.Hour, SummaryHour: 7, Clock: clk.Now, Log: slog.New(slog.DiscardHandler)}
	cfg := provision.Defaults()
	dir := memdir.New()
	b, err := broker.New(ctx, broker.Options{Clock: clk.Now, Log: slog.New(slog.DiscardHandler), Notify: al.Event},
		broker.Client{Name: "mem", Target: dir, Config: cfg, Delta: time.Hour, FullSyncHour: -1})
	if err != nil {
		t.Fatal(err)
	}
	al.Broker = b
	if err := b.SetSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	b.Tick(ctx)
	if n := len(srv.take()); n != 0 {
		t.Fatalf("%d messages after a normal run", n)
	}

	// Refused plan: the first institution is gone from the source.
	inst := snap.Institutions[0].Number
	cut := *snap
	cut.Affiliations = slices.DeleteFunc(slices.Clone(snap.Affiliations), func(a orgmodel.Affiliation) bool { return snap.AffiliationInstitution(a) == inst })
	if err := b.SetSnapshot(ctx, &cut); err != nil {
		t.Fatal(err)
	}
	clk.Set(clk.Now().Add(time.Hour))
	b.Tick(ctx)
	expect(t, srv, "orgsync: plan for mem refused, approval needed", "safety threshold", "approval 1")

	// Head-count deviation.
	al.HeadCounts(snap, &cut)
	expect(t, srv, "orgsync: head count deviation", "institution "+inst+":", "-100 %")

	// The daily summary at 07:00, once.
	al.Check(ctx)
	expect(t, srv, "orgsync: daily summary 2025-09-15", "mem: ERROR", "Approvals waiting: 1")
	al.Check(ctx)
	if n := len(srv.take()); n != 0 {
		t.Errorf("summary sent twice")
	}

	// Not succeeded for 6 hours: one alarm, not one per check.
	clk.Set(clk.Now().Add(6 * time.Hour))
	al.Check(ctx)
	expect(t, srv, "orgsync: client not succeeded for 6h0m0s", "client mem: last success 2025-09-15T06:00:00Z")
	al.Check(ctx)
	if n := len(srv.take()); n != 0 {
		t.Errorf("stale alarm repeated")
	}

	// Year-roll lock.
	next := synth.NextYear(snap, 1)
	clk.Set(synth.ReferenceTime(next.SchoolYear))
	if err := b.SetSnapshot(ctx, next); err != nil {
		t.Fatal(err)
	}
	msgs := srv.take()
	locks := b.Locks()
	if len(msgs) != len(locks) || len(locks) == 0 {
		t.Fatalf("%d lock messages for %d locks", len(msgs), len(locks))
	}
	srv.msgs = msgs[:1]
	expect(t, srv, "orgsync: institution "+locks[0].Institution+" held at the year roll", "held at school year "+snap.SchoolYear, "release")
}
