// Command inventory prints the data inventory for a data protection impact
// assessment (DPIA): per target and per kind of person (pupil, employee,
// external, contact person), every attribute orgsync writes there, the
// neutral attribute it carries, where it comes from, and whether it is
// ordinary personal data, the CPR number or the names of a protected
// person.
//
//	inventory -config inventory.yaml               # Markdown
//	inventory -config inventory.yaml -format csv   # CSV
//
// The YAML file names the targets and the settings that change what is
// written (see README.md next to this file):
//
//	targets: [ad, entra, google]
//	projection: {includeCPR: false}
//	ad: {attributes: {cpr: employeeID}, store: extensionName}
//	entra: {appId: 00000000-0000-0000-0000-000000000000, writeCPR: false}
//	google: {mark: orgsync}
package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"flag"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/diff/inventory"
	"github.com/orgsync/orgsync/internal/runner"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// fileConfig is the YAML file.
type fileConfig struct {
	Targets    []string `yaml:"targets"`
	Projection struct {
		IncludeCPR bool `yaml:"includeCPR"`
	} `yaml:"projection"`
	AD struct {
		Store      string `yaml:"store"`
		Attributes struct {
			CPR          string            `yaml:"cpr"`
			UNIID        *string           `yaml:"uniId"`
			Institutions *string           `yaml:"institutions"`
			Roles        *string           `yaml:"roles"`
			GlobalRole   *string           `yaml:"globalRole"`
			StartYear    *string           `yaml:"startYear"`
			Level        *string           `yaml:"level"`
			DisabledDate string            `yaml:"disabledDate"`
			Extra        map[string]string `yaml:"extra"`
		} `yaml:"attributes"`
	} `yaml:"ad"`
	Entra struct {
		AppID    string `yaml:"appId"`
		WriteCPR bool   `yaml:"writeCPR"`
	} `yaml:"entra"`
	Google struct {
		Mark string `yaml:"mark"`
	} `yaml:"google"`
}

// targets turns the configuration into inventory targets.
func (fc *fileConfig) targets() ([]inventory.Target, error) {
	names := fc.Targets
	if len(names) == 0 {
		names = []string{"ad", "entra", "google"}
	}
	var out []inventory.Target
	for _, n := range names {
		switch n {
		case "ad":
			out = append(out, fc.adTarget())
		case "entra":
			ext := "extension_" + strings.ReplaceAll(fc.Entra.AppID, "-", "") + "_"
			if fc.Entra.AppID == "" {
				ext = "extension_<appId>_"
			}
			out = append(out, inventory.Entra(ext, fc.Projection.IncludeCPR && fc.Entra.WriteCPR))
		case "google":
			mark := fc.Google.Mark
			if mark == "" {
				mark = "orgsync"
			}
			out = append(out, inventory.Google(mark, fc.Projection.IncludeCPR))
		case "memdir":
			out = append(out, inventory.Memdir())
		default:
			return nil, fmt.Errorf("targets: %q is not ad, entra, google or memdir", n)
		}
	}
	return out, nil
}

func (fc *fileConfig) adTarget() inventory.Target {
	at := fc.AD.Attributes
	m := ad.DefaultAttributes
	m.CPR = at.CPR
	m.Extra = map[string]string{}
	for _, f := range []struct {
		name     string
		from, to *string
	}{
		{attr.UNIID, at.UNIID, &m.UNIID}, {attr.Institutions, at.Institutions, &m.Institutions}, {attr.Roles, at.Roles, &m.Roles},
		{attr.GlobalRole, at.GlobalRole, &m.GlobalRole}, {attr.StartYear, at.StartYear, &m.StartYear}, {attr.Level, at.Level, &m.Level},
	} {
		switch {
		case f.from == nil:
		case *f.from == "":
			m.Omit = append(m.Omit, f.name)
			*f.to = ""
		default:
			*f.to = *f.from
		}
	}
	if at.DisabledDate != "" {
		m.DisabledDate = at.DisabledDate
	}
	for n, a := range at.Extra {
		if a == "" {
			m.Omit = append(m.Omit, n)
		} else {
			m.Extra[n] = a
		}
	}
	slices.Sort(m.Omit)
	mp := ad.UserAttributeMap(ad.Config{Attributes: m, Store: fc.AD.Store})
	if !fc.Projection.IncludeCPR {
		delete(mp, attr.CPR)
	}
	mp[inventory.MemberOf] = "member (of groups)"
	mp[inventory.Container] = "distinguishedName (OU)"
	mp[inventory.Key] = "adminDescription (the mark and the key)"
	return inventory.Target{Name: "ad", Map: mp}
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inventory", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "inventory.yaml", "YAML configuration file")
	format := fs.String("format", "md", "md or csv")
	if err := fs.Parse(args); err != nil {
		return runner.ExitInput
	}
	var fc fileConfig
	if err := runner.LoadYAML(*config, &fc); err != nil {
		fmt.Fprintln(stderr, "inventory:", err)
		return runner.ExitInput
	}
	ts, err := fc.targets()
	if err != nil {
		fmt.Fprintln(stderr, "inventory:", err)
		return runner.ExitInput
	}
	if !fc.Projection.IncludeCPR {
		for i := range ts {
			delete(ts[i].Map, attr.CPR)
		}
	}
	rows := inventory.Build(ts)
	switch *format {
	case "md":
		err = inventory.WriteMarkdown(stdout, rows)
	case "csv":
		err = inventory.WriteCSV(stdout, rows)
	default:
		fmt.Fprintf(stderr, "inventory: -format %q: want md or csv\n", *format)
		return runner.ExitInput
	}
	if err != nil {
		fmt.Fprintln(stderr, "inventory:", err)
		return runner.ExitError
	}
	return runner.ExitOK
}
