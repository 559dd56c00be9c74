// Command os2mo-import reads a municipality's organisation from OS2mo over
// its GraphQL API (package adapters/os2mo), optionally merges it with a
// STIL snapshot (from stil-import), validates the result and writes the
// snapshot JSON the starter binaries read.
//
//	OS2MO_CLIENT_SECRET=... go run ./examples/os2mo-import \
//	    -url https://os2mo.kommune.dk -client-id orgsync \
//	    -institution 751 -name "Aarhus Kommune" -stil stil.json -o snapshot.json
//
// -token-url defaults to URL + /auth/realms/mo/protocol/openid-connect/token.
// -demo N serves a synthetic municipality of N employees from the in-process
// fake (os2mofake) instead, to try the command without an OS2mo.
//
// Exit status: 0 written, 1 failed (nothing written), 2 usage error.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"time"

	"github.com/orgsync/orgsync/adapters/os2mo"
	"github.com/orgsync/orgsync/adapters/os2mo/os2mofake"
	"github.com/orgsync/orgsync/orgmodel"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	fs := flag.NewFlagSet("os2mo-import", flag.ContinueOnError)
	url := fs.String("url", "", "OS2mo base URL")
	tokenURL := fs.String("token-url", "", "Keycloak token endpoint (default derived from -url)")
	clientID := fs.String("client-id", "orgsync", "OAuth client id (secret in $OS2MO_CLIENT_SECRET)")
	number := fs.String("institution", "", "the municipality's institution number")
	name := fs.String("name", "", "the municipality's name")
	adSystem := fs.String("ad-system", "Active Directory", "user_key of the AD IT system")
	uniSystem := fs.String("unilogin-system", "", "user_key of the UNI-Login IT system (for matching)")
	stilPath := fs.String("stil", "", "STIL snapshot JSON to merge with")
	out := fs.String("o", "snapshot.json", "output file")
	demo := fs.Int("demo", 0, "serve a synthetic municipality of this many employees from the fake")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	secret := os.Getenv("OS2MO_CLIENT_SECRET")
	now := time.Now().UTC()
	if *demo > 0 {
		fake := os2mofake.New(*clientID, "demo")
		fake.Synthetic(*demo, max(*demo/7, 1), now)
		srv := httptest.NewServer(fake)
		defer srv.Close()
		*url, secret = srv.URL, "demo"
		if *number == "" {
			*number, *name = "K000", "Demo Kommune"
		}
	}
	if *url == "" || *number == "" {
		fmt.Fprintln(os.Stderr, "os2mo-import: -url and -institution are required (or -demo N)")
		return 2
	}
	if *name == "" {
		*name = *number
	}
	if *tokenURL == "" {
		*tokenURL = *url + os2mofake.TokenPath
	}
	c, err := os2mo.New(os2mo.Config{URL: *url, TokenURL: *tokenURL, ClientID: *clientID, ClientSecret: secret})
	if err != nil {
		fmt.Fprintln(os.Stderr, "os2mo-import:", err)
		return 2
	}
	m := os2mo.Mapping{
		Institution:    orgmodel.Institution{Number: *number, Name: *name, Type: orgmodel.Municipality},
		Hierarchies:    map[string]orgmodel.Hierarchy{"linje": orgmodel.LineOrganisation, "med": orgmodel.MED},
		ADSystem:       *adSystem,
		UNILoginSystem: *uniSystem,
	}
	res, err := c.Read(context.Background(), os2mo.Window{From: now}, m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "os2mo-import:", err)
		return 1
	}
	snap := res.Snapshot
	matched := 0
	if *stilPath != "" {
		f, err := os.Open(*stilPath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "os2mo-import:", err)
			return 1
		}
		stil, err := orgmodel.ReadSnapshotJSON(f)
		f.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, "os2mo-import:", err)
			return 1
		}
		var rep os2mo.MergeReport
		snap, rep = os2mo.MergeSTIL(stil, &snap, os2mo.MergeRules{})
		matched = len(rep.Matched)
	}
	if err := snap.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "os2mo-import:", err)
		return 1
	}
	b, err := json.MarshalIndent(&snap, "", "  ")
	if err == nil {
		err = os.WriteFile(*out, append(b, '\n'), 0o600)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "os2mo-import:", err)
		return 1
	}
	fmt.Printf("%s: %d units, %d persons (%d matched in STIL), %d affiliations, %d managers; %d requests\n",
		*out, len(snap.Units), len(snap.Persons), matched, len(snap.Affiliations), len(snap.Managers), res.Requests)
	return 0
}
