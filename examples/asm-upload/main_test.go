package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/internal/exporttest"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

func writeSnapshot(t *testing.T, s *orgmodel.Snapshot) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "snap.json")
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDryRun(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	p := writeSnapshot(t, s)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"-snapshot", p, "-dry-run", "-dir", "dropbox"}, &out, &errb, synth.ReferenceTime(s.SchoolYear))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"students.csv:", "rosters.csv:", "person_id,person_number", "would upload to upload.appleschoolcontent.com:22:dropbox/orgsync-asm.zip"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestBadRowAndUsage(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	for i, p := range s.Persons {
		if len(s.Roles(p.ID, synth.ReferenceTime(s.SchoolYear))) > 0 && s.Roles(p.ID, synth.ReferenceTime(s.SchoolYear))[0] == orgmodel.Elev {
			s.Persons[i].GivenName = ""
			break
		}
	}
	p := writeSnapshot(t, s)
	zip := filepath.Join(t.TempDir(), "asm.zip")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-snapshot", p, "-o", zip}, &out, &errb, synth.ReferenceTime(s.SchoolYear)); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(errb.String(), "first_name is empty") {
		t.Errorf("stderr: %s", errb.String())
	}
	if _, err := os.Stat(zip); err == nil {
		t.Error("a zip was written despite the bad row")
	}
	if code := run(context.Background(), nil, &out, &errb, synth.ReferenceTime(s.SchoolYear)); code != 2 {
		t.Errorf("no flags: exit %d, want 2", code)
	}
}

// TestUpload runs the binary against the test sshd of .ci/servers/sshd.sh:
// the upload arrives with the bytes of the zip written by -o, and a wrong
// pinned key uploads nothing (exit 1).
func TestUpload(t *testing.T) {
	addr := os.Getenv("ORGSYNC_SFTP_ADDR")
	if addr == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("ORGSYNC_SFTP_ADDR not set in CI")
		}
		t.Skip("ORGSYNC_SFTP_ADDR not set; run eval \"$(.ci/servers/sshd.sh start)\"")
	}
	s := synth.Generate(synth.Tiny)
	p := writeSnapshot(t, s)
	dir := t.TempDir()
	zip := filepath.Join(dir, "asm.zip")
	name := "example-" + filepath.Base(dir) + ".zip"
	remote := filepath.Join(os.Getenv("ORGSYNC_SFTP_DIR"), name)
	t.Cleanup(func() { os.Remove(remote) }) // the sshd runs on this machine
	args := []string{"-snapshot", p, "-o", zip, "-addr", addr, "-user", os.Getenv("ORGSYNC_SFTP_USER"),
		"-key", os.Getenv("ORGSYNC_SFTP_KEY"), "-dir", os.Getenv("ORGSYNC_SFTP_DIR"), "-name", name}
	now := synth.ReferenceTime(s.SchoolYear)

	wrongKey := filepath.Join(dir, "wrong.pub")
	if err := os.WriteFile(wrongKey, []byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB6I7Uj3CqZ3Vh1yRrYfJq7mDkcIRjvoS3+sL7k2ny0B\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), append(args, "-host-key", wrongKey, "-attempts", "1"), &out, &errb, now); code != 1 {
		t.Fatalf("wrong host key: exit %d, want 1", code)
	}
	if !strings.Contains(errb.String(), "host key does not match") {
		t.Errorf("stderr: %s", errb.String())
	}
	if _, err := os.Stat(remote); err == nil {
		t.Fatal("uploaded despite the wrong host key")
	}
	errb.Reset()
	if code := run(context.Background(), append(args, "-host-key", os.Getenv("ORGSYNC_SFTP_HOSTKEY")), &out, &errb, now); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want, err := os.ReadFile(zip)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(remote)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("uploaded %d bytes, wrote %d; not identical", len(got), len(want))
	}
}

// TestDryRunWarnsOfCutInstructors: a class with more teachers than Apple
// takes is written with 15 and the dry run says who was left out.
func TestDryRunWarnsOfCutInstructors(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	s2, _, _ := exporttest.ExtraTeachers(s, 17, "zz")
	p := writeSnapshot(t, s2)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-snapshot", p, "-dry-run"}, &out, &errb, synth.ReferenceTime(s.SchoolYear)); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "left out") || !strings.Contains(errb.String(), "zz16") {
		t.Errorf("no warning naming the teachers left out:\n%s", errb.String())
	}
	if !strings.Contains(out.String(), ",instructor_id_15") {
		t.Errorf("classes.csv preview lacks instructor_id_15:\n%s", out.String())
	}
}
