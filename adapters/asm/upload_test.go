package asm

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// sshdConfig returns the configuration for the test sshd started by
// .ci/servers/sshd.sh, uploading into a folder of the test's own.
func sshdConfig(t *testing.T) SFTP {
	t.Helper()
	c := sftpFromEnv(t)
	dir := path.Join(c.Dir, strings.ReplaceAll(t.Name(), "/", "_")+"-"+time.Now().Format("150405.000000"))
	c.Dir = dir
	fs := dialSFTP(t, c)
	if err := fs.MkdirAll(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if ents, err := fs.ReadDir(dir); err == nil {
			for _, e := range ents {
				_ = fs.Remove(path.Join(dir, e.Name()))
			}
		}
		_ = fs.RemoveDirectory(dir)
	})
	return c
}

// sftpFromEnv returns the configuration for the test sshd, uploading into
// ORGSYNC_SFTP_DIR.
func sftpFromEnv(t testing.TB) SFTP {
	t.Helper()
	addr := os.Getenv("ORGSYNC_SFTP_ADDR")
	if addr == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("ORGSYNC_SFTP_ADDR not set in CI")
		}
		t.Skip("ORGSYNC_SFTP_ADDR not set; run eval \"$(.ci/servers/sshd.sh start)\"")
	}
	keyPEM, err := os.ReadFile(os.Getenv("ORGSYNC_SFTP_KEY"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	kh, err := os.ReadFile(os.Getenv("ORGSYNC_SFTP_HOSTKEY"))
	if err != nil {
		t.Fatal(err)
	}
	hk, err := ParseHostKey(kh)
	if err != nil {
		t.Fatal(err)
	}
	return SFTP{Addr: addr, User: os.Getenv("ORGSYNC_SFTP_USER"), Signer: signer, HostKey: hk, Dir: os.Getenv("ORGSYNC_SFTP_DIR"),
		Name: "bench-" + time.Now().Format("150405.000000") + ".zip", Attempts: 2, Backoff: 10 * time.Millisecond}
}

// dialSFTP opens an independent SFTP session to read back what was uploaded.
func dialSFTP(t testing.TB, c SFTP) *sftp.Client {
	t.Helper()
	cl, err := ssh.Dial("tcp", c.Addr, &ssh.ClientConfig{User: c.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(c.Signer)}, HostKeyCallback: ssh.FixedHostKey(c.HostKey)})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := sftp.NewClient(cl)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close(); cl.Close() })
	return fs
}

func TestUploadReadBack(t *testing.T) {
	c := sshdConfig(t)
	s := synth.Generate(synth.Config{Seed: 5, Persons: 2000})
	data, err := Zip(s, Options{At: synth.ReferenceTime(s.SchoolYear)}, fixedTime)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 2 { // the second upload replaces the first
		if err := Upload(ctx, c, data); err != nil {
			t.Fatal(err)
		}
	}
	fs := dialSFTP(t, c)
	f, err := fs.Open(c.RemotePath())
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, uploaded %d; not identical", len(got), len(data))
	}
	ents, err := fs.ReadDir(c.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 {
		t.Errorf("remote folder has %d entries, want only the archive (no temporary file left)", len(ents))
	}
	if files := readZip(t, got); len(files) != 6 {
		t.Errorf("uploaded zip has %d files", len(files))
	}
}

func TestUploadChangedHostKey(t *testing.T) {
	c := sshdConfig(t)
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	bad := c
	bad.HostKey = other
	bad.Attempts = 3
	err = Upload(context.Background(), bad, []byte("must not arrive"))
	if !errors.Is(err, ErrHostKey) {
		t.Fatalf("err = %v, want ErrHostKey", err)
	}
	if !strings.Contains(err.Error(), ssh.FingerprintSHA256(other)) {
		t.Errorf("error %q does not name the pinned key", err)
	}
	ents, err := dialSFTP(t, c).ReadDir(c.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("remote folder has %d entries after a refused host key", len(ents))
	}
}

func TestUploadBadRowUploadsNothing(t *testing.T) {
	c := sshdConfig(t)
	s := synth.Generate(synth.Tiny)
	s.Persons[personAt(s)].FamilyName = ""
	err := BuildAndUpload(context.Background(), s, Options{}, c, fixedTime)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	ents, err := dialSFTP(t, c).ReadDir(c.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("remote folder has %d entries after a bad row", len(ents))
	}
}

func TestUploadConfig(t *testing.T) {
	for name, c := range map[string]SFTP{
		"no user":     {Password: "x", HostKey: mustKey(t)},
		"no auth":     {User: "u", HostKey: mustKey(t)},
		"no host key": {User: "u", Password: "x"},
		"bad name":    {User: "u", Password: "x", HostKey: mustKey(t), Name: "a/b.zip"},
	} {
		if err := Upload(context.Background(), c, nil); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
	}
}

func TestUploadRetriesThenFails(t *testing.T) {
	c := SFTP{Addr: "127.0.0.1:1", User: "u", Password: "x", HostKey: mustKey(t), Attempts: 3, Backoff: time.Millisecond}
	err := Upload(context.Background(), c, []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "connect") {
		t.Fatalf("err = %v, want a connect error", err)
	}
}

func mustKey(t *testing.T) ssh.PublicKey {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// BenchmarkUpload60k builds the zip of a 60,000-person municipality,
// uploads it to the test sshd and reads it back (identical bytes).
func BenchmarkUpload60k(b *testing.B) {
	s := synth.Generate(synth.Medium)
	data, err := Zip(s, Options{At: synth.ReferenceTime(s.SchoolYear)}, fixedTime)
	if err != nil {
		b.Fatal(err)
	}
	c := sftpFromEnv(b)
	for b.Loop() {
		if err := Upload(context.Background(), c, data); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	fs := dialSFTP(b, c)
	f, err := fs.Open(c.RemotePath())
	if err != nil {
		b.Fatal(err)
	}
	got, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		b.Fatalf("read back %d bytes, uploaded %d; not identical", len(got), len(data))
	}
	_ = fs.Remove(c.RemotePath())
	b.ReportMetric(float64(len(data)), "zip-bytes")
}
