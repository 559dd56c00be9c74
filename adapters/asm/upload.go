package asm

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path"
	"strings"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// Errors of Upload, for errors.Is.
var (
	// ErrHostKey: the server's host key is not the pinned one. Nothing is
	// uploaded and the upload is not retried.
	ErrHostKey = errors.New("asm: host key does not match the pinned key")
	// ErrConfig: the SFTP configuration is incomplete.
	ErrConfig = errors.New("asm: bad SFTP configuration")
)

// DefaultAddr is Apple's upload server.
const DefaultAddr = "upload.appleschoolcontent.com:22"

// SFTP configures Upload.
type SFTP struct {
	// Addr is host:port; default DefaultAddr.
	Addr string
	// User, and Password or Signer (a private key): at least one of them.
	User     string
	Password string
	Signer   ssh.Signer
	// HostKey is the pinned host key; required. Any other key is refused.
	HostKey ssh.PublicKey
	// Dir is the remote folder ("" or "/" for the login folder of
	// servers that take uploads there, "dropbox/" for others).
	Dir string
	// Name is the remote file name; default "orgsync-asm.zip".
	Name string
	// Attempts is how often a failed upload is tried; default 3. A host key
	// mismatch or an authentication failure is not retried.
	Attempts int
	// Backoff is the wait before the second attempt, doubled each time;
	// default 2 s.
	Backoff time.Duration
	// Timeout bounds connecting and the SSH handshake; default 30 s.
	Timeout time.Duration
	// Logger receives one line per attempt; default slog.Default().
	Logger *slog.Logger
}

// ParseHostKey reads a pinned host key from a known_hosts line
// ("host key-type base64 …") or an authorized_keys/.pub line
// ("key-type base64 [comment]").
func ParseHostKey(line []byte) (ssh.PublicKey, error) {
	line = bytes.TrimSpace(line)
	if k, _, _, _, err := ssh.ParseAuthorizedKey(line); err == nil {
		return k, nil
	}
	_, _, k, _, _, err := ssh.ParseKnownHosts(line)
	if err != nil {
		return nil, fmt.Errorf("%w: host key: %v", ErrConfig, err)
	}
	return k, nil
}

func (c SFTP) withDefaults() (SFTP, error) {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.Name == "" {
		c.Name = "orgsync-asm.zip"
	}
	if c.Attempts <= 0 {
		c.Attempts = 3
	}
	if c.Backoff <= 0 {
		c.Backoff = 2 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	switch {
	case c.User == "":
		return c, fmt.Errorf("%w: no user", ErrConfig)
	case c.Password == "" && c.Signer == nil:
		return c, fmt.Errorf("%w: neither password nor key", ErrConfig)
	case c.HostKey == nil:
		return c, fmt.Errorf("%w: no pinned host key (an unpinned host is never trusted)", ErrConfig)
	case strings.ContainsAny(c.Name, "/\\"):
		return c, fmt.Errorf("%w: name %q has a path separator", ErrConfig, c.Name)
	}
	return c, nil
}

// RemotePath is where the archive ends up.
func (c SFTP) RemotePath() string {
	c, _ = c.withDefaults()
	return path.Join(c.Dir, c.Name)
}

// Upload writes data to the server: first to a temporary name in the
// remote folder, then, after checking its size, renamed over the final
// name, so that Apple never picks up half a file. A failure is retried
// (Attempts, Backoff); a changed or unknown host key fails at once with
// ErrHostKey before any data is sent.
func Upload(ctx context.Context, c SFTP, data []byte) error {
	c, err := c.withDefaults()
	if err != nil {
		return err
	}
	wait := c.Backoff
	for attempt := 1; ; attempt++ {
		err = uploadOnce(ctx, c, data)
		if err == nil {
			c.Logger.InfoContext(ctx, "asm: uploaded", "addr", c.Addr, "path", c.RemotePath(), "bytes", len(data), "attempt", attempt)
			return nil
		}
		if errors.Is(err, ErrHostKey) || isAuthError(err) || attempt >= c.Attempts || ctx.Err() != nil {
			return err
		}
		c.Logger.WarnContext(ctx, "asm: upload failed; retrying", "addr", c.Addr, "attempt", attempt, "wait", wait, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("asm: upload: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(wait):
		}
		wait *= 2
	}
}

func isAuthError(err error) bool {
	return err != nil && strings.Contains(err.Error(), "unable to authenticate")
}

func uploadOnce(ctx context.Context, c SFTP, data []byte) error {
	var auth []ssh.AuthMethod
	if c.Signer != nil {
		auth = append(auth, ssh.PublicKeys(c.Signer))
	}
	if c.Password != "" {
		auth = append(auth, ssh.Password(c.Password))
	}
	pinned := c.HostKey
	cfg := &ssh.ClientConfig{
		User: c.User,
		Auth: auth,
		HostKeyCallback: func(host string, _ net.Addr, key ssh.PublicKey) error {
			if bytes.Equal(key.Marshal(), pinned.Marshal()) {
				return nil
			}
			return fmt.Errorf("%w: %s offered %s %s, pinned is %s %s", ErrHostKey, host,
				key.Type(), ssh.FingerprintSHA256(key), pinned.Type(), ssh.FingerprintSHA256(pinned))
		},
		HostKeyAlgorithms: []string{pinned.Type()},
		Timeout:           c.Timeout,
	}
	d := net.Dialer{Timeout: c.Timeout}
	conn, err := d.DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("asm: connect %s: %w", c.Addr, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	sc, chans, reqs, err := ssh.NewClientConn(conn, c.Addr, cfg)
	if err != nil {
		conn.Close()
		if errors.Is(err, ErrHostKey) {
			return err
		}
		return fmt.Errorf("asm: ssh %s: %w", c.Addr, err)
	}
	client := ssh.NewClient(sc, chans, reqs)
	defer client.Close()
	fs, err := sftp.NewClient(client)
	if err != nil {
		return fmt.Errorf("asm: sftp %s: %w", c.Addr, err)
	}
	defer fs.Close()

	final := path.Join(c.Dir, c.Name)
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(c.Dir, "."+c.Name+".tmp-"+hex.EncodeToString(rnd[:]))
	if err := writeRemote(fs, tmp, data); err != nil {
		_ = fs.Remove(tmp)
		return err
	}
	if err := rename(fs, tmp, final); err != nil {
		_ = fs.Remove(tmp)
		return err
	}
	return nil
}

func writeRemote(fs *sftp.Client, name string, data []byte) error {
	f, err := fs.Create(name)
	if err != nil {
		return fmt.Errorf("asm: create %s: %w", name, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("asm: write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("asm: close %s: %w", name, err)
	}
	st, err := fs.Stat(name)
	if err != nil {
		return fmt.Errorf("asm: stat %s: %w", name, err)
	}
	if st.Size() != int64(len(data)) {
		return fmt.Errorf("asm: %s has %d bytes on the server, wrote %d", name, st.Size(), len(data))
	}
	return nil
}

// rename replaces final with tmp: atomically where the server offers the
// posix-rename extension, else by removing final first (plain SFTP rename
// refuses to overwrite).
func rename(fs *sftp.Client, tmp, final string) error {
	if _, ok := fs.HasExtension("posix-rename@openssh.com"); ok {
		if err := fs.PosixRename(tmp, final); err != nil {
			return fmt.Errorf("asm: rename %s to %s: %w", tmp, final, err)
		}
		return nil
	}
	if err := fs.Rename(tmp, final); err == nil {
		return nil
	}
	_ = fs.Remove(final)
	if err := fs.Rename(tmp, final); err != nil {
		return fmt.Errorf("asm: rename %s to %s: %w", tmp, final, err)
	}
	return nil
}

// BuildAndUpload builds the whole archive in memory and uploads it. A bad
// row stops it before any connection is made: nothing is uploaded. What
// Apple's format could not take (Export.Warnings) is logged to c.Logger.
func BuildAndUpload(ctx context.Context, s *orgmodel.Snapshot, opt Options, c SFTP, mtime time.Time) error {
	e, err := Build(s, opt)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := e.WriteZip(&b, mtime); err != nil {
		return err
	}
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	for _, w := range e.Warnings {
		log.WarnContext(ctx, "asm: left out of the upload", "what", w)
	}
	return Upload(ctx, c, b.Bytes())
}
