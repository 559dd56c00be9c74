package naming_test

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"

	"github.com/orgsync/orgsync/naming"
)

func ExampleTransliterate() {
	for _, name := range []string{"Søren Ærø-Åkjær", "Nguyễn Thị Minh Khai", "Jean-Luc d’Aubigné", "ÅSE ØBERG", "Anne\u00A0Marie\u200B"} {
		fmt.Println(naming.Transliterate(name))
	}
	// Output:
	// Soeren Aeroe-Aakjaer
	// Nguyen Thi Minh Khai
	// Jean-Luc d'Aubigne
	// AASE OEBERG
	// Anne Marie
}

func ExampleClean() {
	fmt.Printf("%q\n", naming.Clean(" Anne\u00A0\u00A0Mette  Østerga\u030Ard\u200B "))
	// Output:
	// "Anne Mette Østergård"
}

func ExampleParseTemplate() {
	ou, err := naming.ParseTemplate("ad.ou.institution", "{INSTITUTION_NAME} ({INSTITUTION_NUMBER})")
	if err != nil {
		panic(err)
	}
	group, _ := naming.ParseTemplate("ad.group.cohort", "elever{CLASS_YEAR:-2}{CLASS_LINE:lower}-{INSTITUTION_ABBREVIATION:slug}")
	v := naming.Vars{InstitutionName: "Søndervangskolen", InstitutionNumber: "280123", InstitutionAbbreviation: "SVS", ClassYear: "2022", ClassLine: "A"}
	fmt.Println(ou.Execute(v))
	fmt.Println(group.Execute(v))

	_, err = naming.ParseTemplate("ad.group.class", "{CLASS_NAME} {SKOLE}")
	fmt.Println(err)
	// Output:
	// Søndervangskolen (280123)
	// elever22a-svs
	// parse template "ad.group.class": offset 13: unknown placeholder {SKOLE}; known: INSTITUTION_NAME, INSTITUTION_ABBREVIATION, INSTITUTION_NUMBER, CLASS_NAME, CLASS_ID, CLASS_LEVEL, CLASS_YEAR, CLASS_LINE, TYPE, SCHOOL_YEAR
}

func ExampleClassTemplate() {
	ct, err := naming.ParseClassTemplate("ad.group.class", "{CLASS_YEAR}{CLASS_LINE} {INSTITUTION_ABBREVIATION}", "{CLASS_NAME} {INSTITUTION_ABBREVIATION}")
	if err != nil {
		panic(err)
	}
	fmt.Println(ct.Execute(naming.Vars{ClassName: "3.A", ClassYear: "2022", ClassLine: "A", InstitutionAbbreviation: "SVS"}))
	fmt.Println(ct.Execute(naming.Vars{ClassName: "Modtageklassen", InstitutionAbbreviation: "SVS"})) // no start year, no line

	none, _ := naming.ParseClassTemplate("google.drive.class", "", "")
	fmt.Println(none.Empty())
	// Output:
	// 2022A SVS
	// Modtageklassen SVS
	// true
}

func ExampleADName() {
	cn := naming.ADName("Børn & Unge/Dagtilbud")
	fmt.Println(cn)
	fmt.Println("OU=" + naming.EscapeDN(naming.ADName("Skole, Syd #2")) + ",DC=skole,DC=test")
	// Output:
	// Børn og Unge Dagtilbud
	// OU=Skole\, Syd #2,DC=skole,DC=test
}

func ExampleEscapeFilter() {
	fmt.Println("(sAMAccountName=" + naming.EscapeFilter("*)(objectClass=*") + ")")
	// Output:
	// (sAMAccountName=\2a\29\28objectClass=\2a)
}

func ExampleDisplayName() {
	fmt.Println(naming.DisplayName("Søren Kristian", "Ærø-Åkjær Hansen Nielsen", "soer0001", 40))
	fmt.Println(naming.DisplayName("Søren Kristian", "Ærø-Åkjær Hansen Nielsen", "soer0001", 30))
	// Output:
	// Søren Kristian Ærø-Åkjær Hans (soer0001)
	// Søren Kristian Ærø (soer0001)
}

func ExampleValidSAMAccountName() {
	fmt.Println(naming.ValidSAMAccountName("soer0001"))
	fmt.Println(naming.ValidSAMAccountName("søren/hansen@skole.dk"))
	// Output:
	// <nil>
	// validate sAMAccountName "søren/hansen@skole.dk": 21 characters, at most 20 allowed; character(s) not allowed: '/' '@'
}

func ExampleGenerator_Username() {
	ctx := context.Background()
	taken := naming.NewReserved("soer0001") // already in AD
	g, err := naming.NewGenerator(naming.UNILogin(), taken, naming.Options{})
	if err != nil {
		panic(err)
	}
	for _, p := range []naming.Person{
		{ID: "1", GivenName: "Søren", FamilyName: "Ærø-Åkjær"},
		{ID: "2", GivenName: "Søren", FamilyName: "Hansen"},
		{ID: "3", GivenName: "Anne", FamilyName: "Holm", Existing: "ah1234"}, // never changes
		{ID: "4", GivenName: "Bo", FamilyName: "Li", Reserved: "boli4711"},   // reserved by STIL
	} {
		u, err := g.Username(ctx, p)
		if err != nil {
			panic(err)
		}
		taken.Add(u) // record it where the checker sees it
		fmt.Println(u)
	}
	// Output:
	// soer0002
	// soer0003
	// ah1234
	// boli4711
}

func ExampleParseStandard() {
	std, err := naming.ParseStandard("kommune", "{first:3}{last:3}{n}")
	if err != nil {
		panic(err)
	}
	taken := naming.NewReserved()
	g, _ := naming.NewGenerator(std, taken, naming.Options{})
	for range 3 {
		u, _ := g.Username(context.Background(), naming.Person{GivenName: "Anne-Mette", FamilyName: "Østergård"})
		taken.Add(u)
		fmt.Println(u)
	}
	// Output:
	// annoes
	// annoes1
	// annoes2
}

func ExampleNameDigits() {
	std, _ := naming.NameDigits(4)
	// Seeded for a reproducible example; with Rand nil each person's walk
	// is keyed by their ID and Options.Salt.
	g, _ := naming.NewGenerator(std, naming.NewReserved(), naming.Options{Rand: mrand.NewChaCha8([32]byte{42})})
	u, _ := g.Username(context.Background(), naming.Person{GivenName: "Bjørn", FamilyName: "Ågesen"})
	fmt.Println(len(u), u[:4], std.Size())
	// Output:
	// 8 bjoe 10000
}

func ExampleGenerator_Username_exhausted() {
	std, _ := naming.ParseStandard("tiny", "{name:4}{d:1}") // ten usernames per name
	taken := naming.NewReserved()
	g, _ := naming.NewGenerator(std, taken, naming.Options{})
	p := naming.Person{ID: "p-11", GivenName: "Ib", FamilyName: "Holm"}
	for range 10 {
		u, _ := g.Username(context.Background(), p)
		taken.Add(u)
	}
	_, err := g.Username(context.Background(), p)
	fmt.Println(errors.Is(err, naming.ErrExhausted))
	fmt.Println(err)
	// Output:
	// true
	// generate username for person "p-11": standard "tiny" exhausted after 10 of 10 candidates
}

func ExampleGenerator_Assign() {
	g, _ := naming.NewGenerator(naming.UNILogin(), naming.NewReserved(), naming.Options{})
	out, err := g.Assign(context.Background(), []naming.Person{
		{ID: "a", GivenName: "Søren", FamilyName: "Ærø"},
		{ID: "b", GivenName: "Søren", FamilyName: "Berg", Existing: "soer0001"},
		{ID: "a", GivenName: "Søren", FamilyName: "Ærø"}, // same person, second institution
	})
	if err != nil {
		panic(err)
	}
	for _, a := range out {
		fmt.Println(a.PersonID, a.Username, a.Source)
	}
	// Output:
	// a soer0002 generated
	// b soer0001 existing
	// a soer0002 generated
}

func ExamplePassword() {
	pw, err := naming.Password(nil, naming.PasswordPolicy{}) // crypto/rand, 36 letters and digits
	if err != nil {
		panic(err)
	}
	fmt.Println(len(pw))
	// Output:
	// 36
}
