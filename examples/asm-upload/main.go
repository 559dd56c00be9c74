// Command asm-upload writes the Apple School Manager upload (six CSV files
// in one zip) from a snapshot and uploads it over SFTP to a pinned host.
//
//	asm-upload -snapshot snapshot.json -dry-run            # counts and the first rows of each file
//	asm-upload -snapshot snapshot.json -o asm.zip          # write the zip only
//	asm-upload -snapshot snapshot.json -host-key known_hosts -user U \
//	    -key id_ed25519 -dir dropbox/                      # upload
//
// The password can come from ORGSYNC_ASM_PASSWORD instead of a key. Every
// run is a full upload. Exit codes: 0 done, 1 failed (a bad row in the
// model, an SFTP error, a refused host key: nothing uploaded), 2 usage.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/orgsync/orgsync/adapters/asm"
	"github.com/orgsync/orgsync/internal/runner"
	"github.com/orgsync/orgsync/provision"
	"golang.org/x/crypto/ssh"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, time.Now()))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) int {
	fs := flag.NewFlagSet("asm-upload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	snapPath := fs.String("snapshot", "", "snapshot JSON to export (required)")
	dry := fs.Bool("dry-run", false, "show what would be uploaded (row counts and the first rows of each file); connect to nothing")
	out := fs.String("o", "", "write the zip to this file (and upload only if -host-key is given)")
	addr := fs.String("addr", asm.DefaultAddr, "SFTP server host:port")
	user := fs.String("user", "", "SFTP user")
	keyPath := fs.String("key", "", "private key file (else the password in ORGSYNC_ASM_PASSWORD)")
	hostKey := fs.String("host-key", "", "file with the pinned host key (a known_hosts or .pub line)")
	dir := fs.String("dir", "", "remote folder")
	name := fs.String("name", "orgsync-asm.zip", "remote file name")
	attempts := fs.Int("attempts", 3, "upload attempts")
	policy := fs.String("password-policy", "", "students' password_policy: 4, 6, 8 or blank")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *snapPath == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	fail := func(err error) int { fmt.Fprintln(stderr, "asm-upload:", err); return 1 }

	snap, err := provision.LoadSnapshot(*snapPath)
	if err != nil {
		return fail(err)
	}
	opt := asm.Options{At: now, PasswordPolicy: *policy}
	e, err := asm.Build(snap, opt)
	if err != nil {
		return fail(err)
	}
	for _, w := range e.Warnings {
		log.Warn("asm: left out of the upload", "what", w)
	}
	if *dry {
		if err := runner.PreviewFiles(stdout, asm.FileNames, func(n string) int { return len(e.Rows[n]) }, e.WriteFile, 4); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "would upload to %s:%s\n", *addr, strings.TrimPrefix((asm.SFTP{Dir: *dir, Name: *name}).RemotePath(), ""))
		return 0
	}
	var zb bytes.Buffer
	if err := e.WriteZip(&zb, now); err != nil {
		return fail(err)
	}
	if *out != "" {
		if err := os.WriteFile(*out, zb.Bytes(), 0o600); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", *out, zb.Len())
		if *hostKey == "" {
			return 0
		}
	}
	c := asm.SFTP{Addr: *addr, User: *user, Password: os.Getenv("ORGSYNC_ASM_PASSWORD"), Dir: *dir, Name: *name, Attempts: *attempts, Logger: log}
	if *hostKey != "" {
		b, err := os.ReadFile(*hostKey)
		if err != nil {
			return fail(err)
		}
		if c.HostKey, err = asm.ParseHostKey(firstLine(b)); err != nil {
			return fail(err)
		}
	}
	if *keyPath != "" {
		b, err := os.ReadFile(*keyPath)
		if err != nil {
			return fail(err)
		}
		if c.Signer, err = ssh.ParsePrivateKey(b); err != nil {
			return fail(fmt.Errorf("key %s: %w", *keyPath, err))
		}
	}
	if err := asm.Upload(ctx, c, zb.Bytes()); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "uploaded %d bytes to %s:%s\n", zb.Len(), c.Addr, c.RemotePath())
	return 0
}

func firstLine(b []byte) []byte {
	for _, l := range bytes.Split(b, []byte("\n")) {
		if l = bytes.TrimSpace(l); len(l) > 0 && l[0] != '#' {
			return l
		}
	}
	return nil
}
