package stil

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// export builds a small v7-shaped export of one institution. head is put
// before the Institution element (ImportSource), name is the
// InstitutionName (none when empty), body the groups and persons.
func export(exportedAt, head, num, name, body string) string {
	n := ""
	if name != "" {
		n = "<c:InstitutionName>" + name + "</c:InstitutionName>"
	}
	return `<fm:UNILoginExportFullMyndighed xmlns:fm="https://brugerdatabasen.stil.dk/bpi/wsieksport/7/fullmyndighed" xmlns:c="https://brugerdatabasen.stil.dk/bpi/wsieksport/7/common" exportDateTime="` + exportedAt + `" accessLevel="fuld myndighed">` +
		head + `<fm:Institution><c:InstitutionNumber>` + num + `</c:InstitutionNumber>` + n + body + `</fm:Institution></fm:UNILoginExportFullMyndighed>`
}

const importSource = `<c:ImportSource source="x" sourceDateTime="2024-09-01T22:00:00Z" schoolYear="2024-2025"/>`

const class1A = `<c:Group><c:GroupId>G1</c:GroupId><c:GroupName>1.A</c:GroupName><c:GroupType>Hovedgruppe</c:GroupType><c:GroupLevel>1</c:GroupLevel></c:Group>`

// pupil is an InstitutionPerson of class G1; cpr and cprType are left out
// when empty.
func pupil(uid, cpr, cprType string) string {
	extra := ""
	if cpr != "" {
		extra += "<fm:CivilRegistrationNumber>" + cpr + "</fm:CivilRegistrationNumber>"
	}
	if cprType != "" {
		extra += "<fm:CivilRegistrationNumberType>" + cprType + "</fm:CivilRegistrationNumberType>"
	}
	return `<fm:InstitutionPerson source="x"><fm:LocalPersonId>` + uid + `</fm:LocalPersonId><fm:Person protected="false"><fm:FirstName>Ib</fm:FirstName><fm:FamilyName>` + uid +
		`</fm:FamilyName><fm:UserId>` + uid + `</fm:UserId>` + extra + `</fm:Person><fm:Student><fm:Role>Elev</fm:Role><fm:Level>1</fm:Level><fm:MainGroupId>G1</fm:MainGroupId></fm:Student></fm:InstitutionPerson>`
}

func decodeString(t *testing.T, opt Options, docs ...string) *Result {
	t.Helper()
	res, err := Decode(strings.NewReader("<all>"+strings.Join(docs, "")+"</all>"), opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

const t0 = "2024-09-02T06:00:00Z"

// good is a clean institution, to show that others proceed.
var good = export(t0, importSource, "100001", "God Skole", class1A+pupil("good0001", "", ""))

func TestQuirkInstitutionNameMissing(t *testing.T) {
	res := decodeString(t, Options{}, export(t0, importSource, "100002", "", class1A+pupil("elev0001", "", "")))
	e := res.Exports[0]
	if e.Err != nil || e.Institution.Name != "100002" {
		t.Fatalf("Err %v, name %q: want the number as name", e.Err, e.Institution.Name)
	}
	if len(e.Problems) != 1 || e.Problems[0].Skipped || e.Problems[0].Field() != "InstitutionName" || !errors.Is(e.Problems[0], ErrMissing) {
		t.Errorf("problems = %v, want one warning about InstitutionName", e.Problems)
	}
	snap, _ := res.Snapshot()
	if err := snap.Validate(); err != nil {
		t.Error(err)
	}
}

func TestQuirkReplacementCPR(t *testing.T) {
	// A replacement id may look like a valid CPR or not; neither is a CPR.
	res := decodeString(t, Options{}, export(t0, importSource, "100003", "Skole", class1A+
		pupil("repl0001", "0101010001", "CPR_REPLACEMENT_ID")+pupil("repl0002", "9999999999", "CPR_REPLACEMENT_ID")+pupil("real0003", "0101010001", "CPR_VERIFIED")))
	if p := res.Problems(); len(p) != 0 {
		t.Fatalf("problems: %v", p)
	}
	snap, _ := res.Snapshot()
	for _, p := range snap.Persons[:2] {
		if p.CPR != "" || p.ReplacementID == "" || p.CPRType != orgmodel.CPRReplacement {
			t.Errorf("%s: cpr %q replacement %q type %q", p.ID, p.CPR, p.ReplacementID, p.CPRType)
		}
	}
	if p := snap.Persons[2]; p.CPR != "0101010001" || p.SameAs != "" {
		t.Errorf("the real CPR holder must not be linked to a replacement id: %+v", p)
	}
	if err := snap.Validate(); err != nil {
		t.Error(err)
	}
	b, _ := json.Marshal(snap.Persons[0])
	if strings.Contains(string(b), `"cpr"`) {
		t.Errorf("replacement id written as cpr: %s", b)
	}
}

func TestQuirkSharedCPR(t *testing.T) {
	doc := export(t0, importSource, "100004", "Skole", class1A+pupil("uidB", "0101010001", "CPR_VERIFIED")+pupil("uidA", "0101010001", "CPR_VERIFIED"))
	res := decodeString(t, Options{}, doc)
	snap, probs := res.Merge(MergeOptions{})
	if len(probs) != 0 || len(snap.Persons) != 2 {
		t.Fatalf("link: %d persons, problems %v", len(snap.Persons), probs)
	}
	if snap.Persons[0].SameAs != "uidA" || snap.Persons[1].SameAs != "" {
		t.Errorf("SameAs = %q, %q; want uidB linked to the primary uidA", snap.Persons[0].SameAs, snap.Persons[1].SameAs)
	}
	if err := snap.Validate(); err != nil {
		t.Errorf("linked records must validate: %v", err)
	}

	res = decodeString(t, Options{}, doc)
	snap, probs = res.Merge(MergeOptions{SharedCPR: SharedCPRHold})
	if len(snap.Persons) != 1 || snap.Persons[0].ID != "uidA" || len(snap.Affiliations) != 1 {
		t.Fatalf("hold: persons %v", snap.Persons)
	}
	if len(probs) != 1 || probs[0].PersonID != "uidB" || !probs[0].Skipped || strings.Contains(probs[0].Error(), "0101010001") {
		t.Errorf("hold problems = %v", probs)
	}
}

func TestQuirkInstitutionHeldBack(t *testing.T) {
	bad := func(n int) string { // n pupils, one of them without a main group
		var b strings.Builder
		b.WriteString(class1A)
		for i := range n - 1 {
			b.WriteString(pupil(fmt.Sprintf("p%03d", i), "", ""))
		}
		b.WriteString(strings.Replace(pupil("pbad", "", ""), "<fm:MainGroupId>G1</fm:MainGroupId>", "", 1))
		return b.String()
	}
	tests := []struct {
		name  string
		doc   string
		opt   Options
		want  error // nil: used
		field string
	}{
		{"empty export", export(t0, importSource, "100005", "Skole", class1A), Options{}, ErrEmptyExport, ""},
		{"no ImportSource", export(t0, "", "100005", "Skole", class1A+pupil("p1", "", "")), Options{}, ErrNoImportSource, ""},
		{"1 of 10 bad > 5 %", export(t0, importSource, "100005", "Skole", bad(9)), Options{}, ErrTooManyBad, "MainGroupId"},
		{"1 of 21 bad < 5 %", export(t0, importSource, "100005", "Skole", bad(20)), Options{}, nil, "MainGroupId"},
		{"1 of 10 bad, share 0.2", export(t0, importSource, "100005", "Skole", bad(9)), Options{MaxBadShare: 0.2}, nil, "MainGroupId"},
		{"strict", export(t0, importSource, "100005", "Skole", bad(20)), Options{Strict: true}, ErrStrict, "MainGroupId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := decodeString(t, tt.opt, tt.doc, good)
			e := res.Exports[0]
			if !errors.Is(e.Err, tt.want) || (tt.want == nil) != (e.Err == nil) {
				t.Fatalf("Err = %v, want %v", e.Err, tt.want)
			}
			if tt.field != "" && (len(e.Problems) == 0 || e.Problems[0].Field() != tt.field || e.Problems[0].PersonID != "pbad") {
				t.Errorf("problems = %v, want %s of pbad", e.Problems, tt.field)
			}
			if res.Exports[1].Err != nil {
				t.Errorf("the other institution failed too: %v", res.Exports[1].Err)
			}
			// The held institution keeps its previous data; the other
			// proceeds.
			prev := orgmodel.Snapshot{
				Institutions: []orgmodel.Institution{{Number: "100005", Name: "Skole", Type: orgmodel.School}},
				Groups:       []orgmodel.Group{{ID: "OLD", Institution: "100005", Name: "1.A", Type: orgmodel.Hovedgruppe}},
				Persons:      []orgmodel.Person{{ID: "old1", GivenName: "Gammel"}, {ID: "good0001", GivenName: "Old name"}},
				Affiliations: []orgmodel.Affiliation{{PersonID: "old1", Institution: "100005", Roles: []orgmodel.Role{orgmodel.Elev}, MainGroupID: "OLD"}, {PersonID: "good0001", Institution: "100005", Roles: []orgmodel.Role{orgmodel.Laerer}}},
			}
			snap, _ := res.Merge(MergeOptions{Previous: &prev})
			if err := snap.Validate(); err != nil {
				t.Fatal(err)
			}
			_, old := snap.Person("old1")
			if tt.want != nil && (len(snap.Institutions) != 2 || !old) {
				t.Errorf("held institution's previous data not kept: %+v", snap)
			}
			if tt.want == nil && old {
				t.Errorf("used institution still has its previous data")
			}
			if p, _ := snap.Person("good0001"); p.GivenName != "Ib" {
				t.Errorf("a person of the proceeding institution got previous data: %+v", p)
			}
		})
	}
}

func TestQuirkStaleExport(t *testing.T) {
	prevTime := time.Date(2024, 9, 3, 0, 0, 0, 0, time.UTC)
	prev := orgmodel.Snapshot{SchoolYear: "2025-2026", Institutions: []orgmodel.Institution{{Number: "100001", Name: "God Skole", Type: orgmodel.School, ExportedAt: prevTime}}}
	res := decodeString(t, Options{}, good)
	snap, probs := res.Merge(MergeOptions{Previous: &prev})
	if snap.SchoolYear != "2025-2026" {
		t.Errorf("school year %q: the held institution's previous year must stay", snap.SchoolYear)
	}
	if !errors.Is(res.Exports[0].Err, ErrStale) || len(probs) != 1 || !errors.Is(probs[0], ErrStale) {
		t.Fatalf("Err %v, problems %v: want ErrStale", res.Exports[0].Err, probs)
	}
	if len(snap.Institutions) != 1 || !snap.Institutions[0].ExportedAt.Equal(prevTime) {
		t.Errorf("stale export applied: %+v", snap.Institutions)
	}
	// A newer export is applied and records its time.
	prev.Institutions[0].ExportedAt = prevTime.AddDate(0, 0, -2)
	res = decodeString(t, Options{}, good)
	snap, _ = res.Merge(MergeOptions{Previous: &prev})
	if want, _ := time.Parse(time.RFC3339, t0); len(snap.Institutions) != 1 || !snap.Institutions[0].ExportedAt.Equal(want) {
		t.Errorf("institutions = %+v, want exportedAt %s", snap.Institutions, t0)
	}
}

func TestRecordErrorJSON(t *testing.T) {
	res := decodeString(t, Options{}, export(t0, importSource, "100006", "Skole", class1A+pupil("bad1", "3202991234", "")))
	b, err := json.Marshal(res.Problems())
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	json.Unmarshal(b, &got)
	if len(got) != 1 || got[0]["institution"] != "100006" || got[0]["personId"] != "bad1" || got[0]["field"] != "CivilRegistrationNumber" || got[0]["kind"] != "invalid" || got[0]["skipped"] != true {
		t.Errorf("json = %s", b)
	}
	if strings.Contains(string(b), "3202991234") {
		t.Errorf("json repeats the CPR: %s", b)
	}
}

func TestBuildHoldsInvalidInstitution(t *testing.T) {
	res := decodeString(t, Options{}, good)
	// An export the decoder would not produce: an affiliation of a person
	// it does not list. The model rejects it; Build holds it back alone.
	res.Exports = append(res.Exports, &Export{
		Institution:  orgmodel.Institution{Number: "100009", Name: "X", Type: orgmodel.School},
		Affiliations: []orgmodel.Affiliation{{PersonID: "ghost", Institution: "100009", Roles: []orgmodel.Role{orgmodel.Laerer}}},
	})
	snap, probs, err := res.Build(MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Institutions) != 1 || snap.Institutions[0].Number != "100001" {
		t.Errorf("institutions = %+v, want only 100001", snap.Institutions)
	}
	if !errors.Is(res.Exports[1].Err, orgmodel.ErrInvalid) || len(probs) != 1 || probs[0].Institution != "100009" {
		t.Errorf("Err %v, problems %v", res.Exports[1].Err, probs)
	}
}

func TestIdentityChanges(t *testing.T) {
	prev := orgmodel.Snapshot{
		Institutions: []orgmodel.Institution{{Number: "100007", Name: "Skole", Type: orgmodel.School}},
		Groups:       []orgmodel.Group{{ID: "G1", Institution: "100007", Name: "1.A", Type: orgmodel.Hovedgruppe}},
		Persons: []orgmodel.Person{
			{ID: "olduid", GivenName: "Ib", CPR: "0101010001"},
			{ID: "repl1", GivenName: "Ib", CPRType: orgmodel.CPRReplacement, ReplacementID: "9999999999"},
			{ID: "oldrepl", GivenName: "Ib", CPRType: orgmodel.CPRReplacement, ReplacementID: "8888888888"},
			{ID: "twin", GivenName: "Ib", CPR: "0101010002"},
		},
	}
	doc := export(t0, importSource, "100007", "Skole", class1A+
		pupil("newuid", "0101010001", "CPR_VERIFIED")+ // 2: new UNI-Login id, same CPR
		pupil("repl1", "0202020003", "CPR_VERIFIED")+ // 1: replacement id became a real CPR, same user id
		pupil("newrepl", "8888888888", "CPR_REPLACEMENT_ID")+ // 3: new user id, same replacement id
		pupil("twinA", "0101010002", "")+pupil("twinB", "0101010002", "")) // two claims: no rename
	res := decodeString(t, Options{}, doc)
	snap, probs := res.Merge(MergeOptions{Previous: &prev, UNILoginUsernames: true})
	var ids []string
	for _, p := range snap.Persons {
		ids = append(ids, p.ID+"/"+p.UNIID+"/"+p.Username)
	}
	want := []string{"olduid/newuid/newuid", "repl1/repl1/repl1", "oldrepl/newrepl/newrepl", "twinA/twinA/twinA", "twinB/twinB/twinB"}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Errorf("persons (ID/UNIID/Username) = %v, want %v", ids, want)
	}
	if p, _ := snap.Person("repl1"); p.CPR != "0202020003" || p.ReplacementID != "" {
		t.Errorf("replacement id -> real CPR: %+v", p)
	}
	for _, a := range snap.Affiliations {
		if _, ok := snap.Person(a.PersonID); !ok {
			t.Errorf("affiliation of unknown person %s", a.PersonID)
		}
	}
	var changed []string
	for _, p := range probs {
		if errors.Is(p, ErrIdentityChanged) {
			changed = append(changed, p.PersonID)
		}
	}
	if fmt.Sprint(changed) != "[oldrepl olduid]" {
		t.Errorf("identity notices for %v, want oldrepl and olduid; all problems %v", changed, probs)
	}
	if err := snap.Validate(); err != nil {
		t.Error(err)
	}
}
