package stil_test

import (
	"fmt"
	"strings"

	"github.com/orgsync/orgsync/adapters/stil"
)

// Decode a saved export and merge it into a snapshot. A protected pupil
// keeps both names; directories show the alias names.
func ExampleDecode() {
	const export = `<UNILoginExportFullMyndighed exportDateTime="2024-09-02T06:15:00Z" accessLevel="fuld myndighed">
 <ImportSource sourceDateTime="2024-09-01T22:00:00Z" source="demo" schoolYear="2024-2025"/>
 <Institution>
  <InstitutionNumber>280101</InstitutionNumber>
  <InstitutionName>Skovbakke Skole</InstitutionName>
  <Group><GroupId>g1</GroupId><GroupName>3.A</GroupName><GroupType>Hovedgruppe</GroupType><GroupLevel>3</GroupLevel><Line>A</Line></Group>
  <InstitutionPerson source="demo">
   <LocalPersonId>7</LocalPersonId>
   <Person protected="true"><FirstName>Freja</FirstName><FamilyName>Hemmelig</FamilyName><UserId>frej0007</UserId>
    <AliasFirstName>Elev</AliasFirstName><AliasFamilyName>Beskyttet</AliasFamilyName></Person>
   <Student><Role>Elev</Role><Level>3</Level><MainGroupId>g1</MainGroupId></Student>
  </InstitutionPerson>
 </Institution>
</UNILoginExportFullMyndighed>`
	res, err := stil.Decode(strings.NewReader(export), stil.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	snap, _ := res.Snapshot()
	if err := snap.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	p, _ := snap.Person("frej0007")
	given, family := p.Names()
	g, _ := snap.Group("280101", "g1")
	fmt.Println(snap.SchoolYear, snap.Institutions[0].Type)
	fmt.Println(p.ID, given, family)
	fmt.Println(g.Name, "started", g.StartYear)
	// Output:
	// 2024-2025 SCHOOL
	// frej0007 Elev Beskyttet
	// 3.A started 2021
}
