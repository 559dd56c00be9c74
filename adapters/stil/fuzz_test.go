package stil

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// fuzzMaxInput caps the inputs FuzzDecode looks at. Go's fuzzer minimises
// every input that finds new coverage, and its minimiser tries removing
// every range of bytes: quadratic in the input's length. Seeded with whole
// export files (several KB) each new input kept a worker busy minimising
// for the full -fuzzminimizetime (60 s), so the progress line showed about
// ten executions and then none. Small seeds and this cap keep minimising
// to a fraction of a second; the realistic files are for the unit tests.
const fuzzMaxInput = 1024

// fuzzSeeds are small documents (a few hundred bytes each), between them
// touching every branch of the decoder: namespaces, SOAP fault, every
// person kind, contact person, unknown group type and role, replacement
// CPR, bad dates, missing ImportSource.
func fuzzSeeds() []string {
	return []string{
		`<x:UNILoginExportFullMyndighed xmlns:x="u" exportDateTime="2024-09-02T06:00:00Z"><x:ImportSource schoolYear="2024-2025"/><x:Institution><x:InstitutionNumber>1</x:InstitutionNumber>` +
			`<x:Group><x:GroupId>A</x:GroupId><x:GroupType>Hovedgruppe</x:GroupType><x:GroupLevel>1</x:GroupLevel></x:Group>` +
			`<x:InstitutionPerson><x:Person><x:FirstName>a</x:FirstName><x:UserId>u</x:UserId><x:CivilRegistrationNumber>0101010001</x:CivilRegistrationNumber></x:Person>` +
			`<x:Student><x:Role>Elev</x:Role><x:Level>1</x:Level><x:MainGroupId>A</x:MainGroupId></x:Student></x:InstitutionPerson></x:Institution></x:UNILoginExportFullMyndighed>`,
		`<UNILoginExportFullMyndighed exportDateTime="x"><ImportSource schoolYear="2024"/><Institution><InstitutionNumber>1</InstitutionNumber>` +
			`<Group><GroupId>A</GroupId><GroupType>Klub</GroupType><FromDate>2024-08-01</FromDate><ToDate>2024-07-01Z</ToDate></Group>` +
			`<InstitutionPerson><LocalPersonId>1</LocalPersonId><Person protected="1"><FirstName>a</FirstName><AliasFirstName>b</AliasFirstName></Person>` +
			`<Employee><Role>Pedel</Role><Role>Lærer</Role><GroupId>A</GroupId></Employee></InstitutionPerson></Institution></UNILoginExportFullMyndighed>`,
		`<UNILoginExportFullMyndighed><ImportSource/><Institution><InstitutionNumber>1</InstitutionNumber><InstitutionPerson><UNILogin><UserId>x</UserId></UNILogin>` +
			`<Person><FirstName>c</FirstName><CivilRegistrationNumber>1</CivilRegistrationNumber><CivilRegistrationNumberType>CPR_REPLACEMENT_ID</CivilRegistrationNumberType></Person>` +
			`<Student><Role>Elev</Role><Level>1</Level><MainGroupId>B</MainGroupId><ContactPerson relation="Mor" childCustody="true" accessLevel="2"><Person><FirstName>m</FirstName></Person></ContactPerson></Student></InstitutionPerson>` +
			`<InstitutionPerson><Person><FirstName>e</FirstName><UserId>y</UserId></Person><Extern><Role>Ekstern</Role></Extern></InstitutionPerson></Institution></UNILoginExportFullMyndighed>`,
		`<Envelope><Body><Fault><faultcode>c</faultcode><faultstring>s</faultstring></Fault></Body></Envelope>`,
		`<UNILoginExportFullMyndighed><Institution><InstitutionNumber>1</InstitutionNumber><InstitutionPerson><Person protected="x"/></InstitutionPerson></Institution><Institution/></UNILoginExportFullMyndighed>`,
	}
}

// FuzzDecode checks that Decode never panics and that every record problem
// names where it is: a path inside an export, and a line.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds() {
		if len(s) > fuzzMaxInput {
			f.Fatalf("seed of %d bytes exceeds fuzzMaxInput", len(s))
		}
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			return
		}
		res, err := Decode(bytes.NewReader(data), Options{Strict: len(data)%2 == 0})
		if err != nil && !strings.HasPrefix(err.Error(), "stil: decode") {
			t.Fatalf("error %q does not start with the operation", err)
		}
		if res == nil {
			t.Fatal("nil result")
		}
		for _, p := range res.Problems() {
			if !strings.HasPrefix(p.Path, "UNILoginExportFullMyndighed[") {
				t.Fatalf("problem without an export path: %v", p)
			}
			if p.Err == nil || errors.Unwrap(p) == nil {
				t.Fatalf("problem without a cause: %+v", p)
			}
		}
		snap, _, _ := res.Build(MergeOptions{})
		_ = snap
	})
}
