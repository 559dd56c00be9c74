// Command audit verifies, signs and prunes orgsync's audit logs and
// reports unusual look-ups.
//
//	audit verify [-pub KEY.pub] [-copies FILE] [-head HASH] [-final] FILE
//	audit keygen -out KEY
//	audit erase -key KEY -upto SEQ FILE OUT
//	audit report -as USER -role ROLE -directory DIR.json [-csv] [-access FILE] FILE
//	audit spotcheck -as USER -role ROLE -period 2026-11 -n 25 -secret S [-access FILE] FILE
//
// verify accepts every log orgsync writes (the quickstart's, the starter
// binaries' auditLog, auditlog.Log's) and exits 0 only when it is intact;
// otherwise it prints the first bad record and exits 1. Bad usage or an
// unreadable file exits 4.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
)

// Exit codes.
const (
	exitOK       = 0
	exitTampered = 1
	exitInput    = 4
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: audit verify|keygen|erase|report|spotcheck ...")
		return exitInput
	}
	cmds := map[string]func([]string, io.Writer, io.Writer) int{
		"verify": verify, "keygen": keygen, "erase": erase, "report": report, "spotcheck": spotcheck,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "audit: unknown command %q\n", args[0])
		return exitInput
	}
	return cmd(args[1:], stdout, stderr)
}

func verify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pubFile := fs.String("pub", "", "public key file: check checkpoint signatures")
	copies := fs.String("copies", "", "file of checkpoint copies (the second sink)")
	head := fs.String("head", "", "head hash kept elsewhere: the log must end with it")
	final := fs.Bool("final", false, "the log must end with a checkpoint")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: audit verify [-pub KEY.pub] [-copies FILE] [-head HASH] [-final] FILE")
		return exitInput
	}
	opt := auditlog.VerifyOptions{Head: *head, Final: *final}
	if *pubFile != "" {
		pub, err := readPublic(*pubFile)
		if err != nil {
			fmt.Fprintln(stderr, "audit verify:", err)
			return exitInput
		}
		opt.PublicKey = pub
	}
	if *copies != "" {
		b, err := os.ReadFile(*copies)
		if err != nil {
			fmt.Fprintln(stderr, "audit verify:", err)
			return exitInput
		}
		opt.Copies = bytes.NewReader(b)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "audit verify:", err)
		return exitInput
	}
	defer f.Close()
	rep, err := auditlog.Verify(f, opt)
	var ve *auditlog.VerifyError
	switch {
	case errors.As(err, &ve):
		fmt.Fprintf(stdout, "%s: NOT intact: first bad record %d: %s\n", fs.Arg(0), ve.Seq, ve.Reason)
		return exitTampered
	case err != nil:
		fmt.Fprintln(stderr, "audit verify:", err)
		return exitInput
	}
	fmt.Fprintf(stdout, "%s: intact: records %d to %d, head %s, %d checkpoints", fs.Arg(0), rep.First, rep.Last, rep.Head, rep.Checkpoints)
	if rep.Unchecked > 0 {
		fmt.Fprintf(stdout, " (%d signatures not checked: give -pub)", rep.Unchecked)
	}
	if rep.ErasedUpTo > 0 {
		fmt.Fprintf(stdout, ", erased up to %d", rep.ErasedUpTo)
	}
	fmt.Fprintln(stdout)
	return exitOK
}

func keygen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "private key file to write (KEY.pub gets the public key)")
	if err := fs.Parse(args); err != nil || *out == "" {
		fmt.Fprintln(stderr, "usage: audit keygen -out KEY")
		return exitInput
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		fmt.Fprintln(stderr, "audit keygen:", err)
		return exitTampered
	}
	if err := os.WriteFile(*out, []byte(hex.EncodeToString(priv.Seed())+"\n"), 0o600); err != nil {
		fmt.Fprintln(stderr, "audit keygen:", err)
		return exitInput
	}
	if err := os.WriteFile(*out+".pub", []byte(hex.EncodeToString(pub)+"\n"), 0o644); err != nil {
		fmt.Fprintln(stderr, "audit keygen:", err)
		return exitInput
	}
	fmt.Fprintf(stdout, "key %s written to %s and %s.pub\n", auditlog.KeyID(pub), *out, *out)
	return exitOK
}

func erase(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("erase", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyFile := fs.String("key", "", "private key file")
	upto := fs.Int64("upto", 0, "erase records up to and including this seq")
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 || *keyFile == "" || *upto <= 0 {
		fmt.Fprintln(stderr, "usage: audit erase -key KEY -upto SEQ FILE OUT")
		return exitInput
	}
	key, err := readPrivate(*keyFile)
	if err != nil {
		fmt.Fprintln(stderr, "audit erase:", err)
		return exitInput
	}
	in, err := os.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "audit erase:", err)
		return exitInput
	}
	defer in.Close()
	var out bytes.Buffer
	if err := auditlog.Erase(in, &out, key, *upto, time.Now()); err != nil {
		fmt.Fprintln(stderr, "audit erase:", err)
		if errors.Is(err, auditlog.ErrTampered) {
			return exitTampered
		}
		return exitInput
	}
	if err := os.WriteFile(fs.Arg(1), out.Bytes(), 0o600); err != nil {
		fmt.Fprintln(stderr, "audit erase:", err)
		return exitInput
	}
	fmt.Fprintf(stdout, "%s: records up to %d erased; written to %s\n", fs.Arg(0), *upto, fs.Arg(1))
	return exitOK
}

// readPrivate reads a private key file written by keygen.
func readPrivate(path string) (ed25519.PrivateKey, error) {
	b, err := readHex(path, ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(b), nil
}

func readPublic(path string) (ed25519.PublicKey, error) {
	b, err := readHex(path, ed25519.PublicKeySize)
	return ed25519.PublicKey(b), err
}

func readHex(path string, n int) ([]byte, error) {
	s, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, err := hex.DecodeString(strings.TrimSpace(string(s)))
	if err != nil || len(b) != n {
		return nil, fmt.Errorf("%s: want %d bytes in hex", path, n)
	}
	return b, nil
}
