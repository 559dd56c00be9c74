package stil

import (
	"bytes"
	"fmt"
	"testing"
)

// genMunicipality writes a synthetic export file with the given number of
// persons spread over schools of 2,000 persons each: ~90 % pupils in 10
// levels × 4 classes, the rest employees with two roles, a contact person per
// pupil and every 50th person name-protected.
func genMunicipality(persons int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Exports>\n")
	const perInst = 2000
	id := 0
	for inst := 0; id < persons; inst++ {
		num := fmt.Sprintf("28%04d", inst)
		fmt.Fprintf(&b, `<UNILoginExportFullMyndighed xmlns="https://brugerdatabasen.stil.dk/bpi/wsieksport/7/fullmyndighed" exportDateTime="2024-09-02T06:15:00Z" accessLevel="fuld myndighed">
<ImportSource sourceDateTime="2024-09-01T22:00:00Z" source="bench" schoolYear="2024-2025"/>
<Institution><InstitutionNumber>%s</InstitutionNumber><InstitutionName>Skole %d</InstitutionName>
`, num, inst)
		for lvl := 0; lvl <= 9; lvl++ {
			for line := 'A'; line <= 'D'; line++ {
				fmt.Fprintf(&b, "<Group><GroupId>%d%c</GroupId><GroupName>%d.%c</GroupName><GroupType>Hovedgruppe</GroupType><GroupLevel>%d</GroupLevel><Line>%c</Line><FromDate>2024-08-12</FromDate><ToDate>2025-06-27</ToDate></Group>\n", lvl, line, lvl, line, lvl, line)
			}
		}
		for i := 0; i < perInst && id < persons; i++ {
			id++
			prot := "false"
			alias := ""
			if id%50 == 0 {
				prot = "true"
				alias = "<AliasFirstName>Alias</AliasFirstName><AliasFamilyName>Navn</AliasFamilyName>"
			}
			cpr := fmt.Sprintf("%02d%02d%02d%04d", 1+id%28, 1+id%12, id%100, id%10000)
			fmt.Fprintf(&b, `<InstitutionPerson source="bench"><LocalPersonId>%d</LocalPersonId><Person protected="%s"><FirstName>Søren %d</FirstName><FamilyName>Ærøskøbing-Ågård</FamilyName><UserId>u%07d</UserId><CivilRegistrationNumber>%s</CivilRegistrationNumber><EmailAddress>u%07d@skole.example</EmailAddress>%s</Person>`, id, prot, id, id, cpr, id, alias)
			if i%10 == 9 {
				b.WriteString("<Employee><Role>Lærer</Role><Role>Vikar</Role><ShortName>X</ShortName><Occupation>Lærer</Occupation><GroupId>1A</GroupId><GroupId>2B</GroupId></Employee>")
			} else {
				lvl, line := i%10, 'A'+rune(i/10%4)
				fmt.Fprintf(&b, `<Student><Role>Elev</Role><Level>%d</Level><MainGroupId>%d%c</MainGroupId><GroupId>%d%c</GroupId><ContactPerson relation="Mor" childCustody="true" accessLevel="1"><Person protected="false"><FirstName>Mor</FirstName><FamilyName>%d</FamilyName><CivilRegistrationNumber>0101801234</CivilRegistrationNumber></Person></ContactPerson></Student>`, lvl, lvl, line, lvl, line, id)
			}
			b.WriteString("</InstitutionPerson>\n")
		}
		b.WriteString("</Institution></UNILoginExportFullMyndighed>\n")
	}
	b.WriteString("</Exports>\n")
	return b.Bytes()
}

// BenchmarkDecode60k parses the export of a 60,000-person municipality and
// merges it into a snapshot.
func BenchmarkDecode60k(b *testing.B) {
	data := genMunicipality(60000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := Decode(bytes.NewReader(data), Options{})
		if err != nil {
			b.Fatal(err)
		}
		if p := res.Problems(); len(p) != 0 {
			b.Fatalf("%d problems, first %v", len(p), p[0])
		}
		snap, _ := res.Snapshot()
		if len(snap.Persons) != 60000 {
			b.Fatalf("%d persons", len(snap.Persons))
		}
	}
}

func TestGenMunicipalityValid(t *testing.T) {
	res, err := Decode(bytes.NewReader(genMunicipality(4100)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Problems(); len(p) != 0 {
		t.Fatalf("%d problems, first %v", len(p), p[0])
	}
	snap, _ := res.Snapshot()
	if err := snap.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(snap.Institutions) != 3 || len(snap.Persons) != 4100 {
		t.Errorf("%d institutions, %d persons", len(snap.Institutions), len(snap.Persons))
	}
}
