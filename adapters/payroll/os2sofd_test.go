package payroll_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/adapters/payroll"
	"github.com/orgsync/orgsync/adapters/payroll/sofdfake"
)

func sp(s string) *string { return &s }

func sofdPersons() []payroll.SOFDPerson {
	ps := []payroll.SOFDPerson{
		{UUID: "00000000-0000-0000-0000-000000000001", CPR: "0101801111", Firstname: "Ann", Surname: "And",
			Users: []payroll.SOFDUser{{UserID: "ann-old", UserType: "ACTIVE_DIRECTORY"}, {UserID: "ann", UserType: "ACTIVE_DIRECTORY", Prime: true}, {UserID: "ann@x", UserType: "EXCHANGE"}},
			Affiliations: []payroll.SOFDAffiliation{
				{Master: "OPUS", MasterID: "m1", EmployeeID: "1001", StartDate: sp("2020-08-01"), OrgUnitUUID: "ou-1", PositionName: "Lærer", AffiliationType: "EMPLOYEE"},
				{Master: "SOFD", MasterID: "x1", StartDate: sp("2021-01-01"), AffiliationType: "EXTERNAL"},
			}},
		{UUID: "00000000-0000-0000-0000-000000000002", CPR: "0202802222",
			Affiliations: []payroll.SOFDAffiliation{{MasterID: "1002", StartDate: sp("2019-01-01"), StopDate: sp("2024-06-30"), Deleted: true}}},
	}
	for i := 3; i <= 7; i++ {
		ps = append(ps, payroll.SOFDPerson{UUID: fmt.Sprintf("00000000-0000-0000-0000-%012d", i), CPR: fmt.Sprintf("03038%05d", i),
			Affiliations: []payroll.SOFDAffiliation{{EmployeeID: fmt.Sprint(1000 + i), StartDate: sp("2022-08-01")}}})
	}
	return ps
}

// TestSOFDClient reads every page of the fake and maps affiliations to
// employments: the prime AD user, EMPLOYEE only, deleted as ended.
func TestSOFDClient(t *testing.T) {
	srv := sofdfake.New("secret", sofdPersons())
	defer srv.Close()
	c := &payroll.SOFDClient{BaseURL: srv.URL, APIKey: "secret", HTTP: srv.Client(), PageSize: 3}
	emps, err := c.Employments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(emps) != 7 || srv.Pages() != 4 { // 3+3+1 persons, then the empty page
		t.Fatalf("%d employments over %d pages, want 7 over 4", len(emps), srv.Pages())
	}
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	want := []payroll.Employment{
		{EmployeeNumber: "1001", CPR: "0101801111", Username: "ann", Unit: "ou-1", Title: "Lærer", Entry: day("2020-08-01")},
		{EmployeeNumber: "1002", CPR: "0202802222", Entry: day("2019-01-01"), Leave: day("2024-06-30"), Ended: true},
	}
	if d := cmp.Diff(want, emps[:2]); d != "" {
		t.Errorf("employments (-want +got):\n%s", d)
	}

	bad := &payroll.SOFDClient{BaseURL: srv.URL, APIKey: "wrong", HTTP: srv.Client()}
	if _, err := bad.Employments(context.Background()); !errors.Is(err, payroll.ErrSOFD) || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong key: %v, want ErrSOFD with 401", err)
	}
}

// TestReadSOFD reads a saved page and reports bad records by person and
// field, never by CPR.
func TestReadSOFD(t *testing.T) {
	in := `{"page":0,"nextOffset":"b","persons":[
	 {"uuid":"a","cpr":"0101801111","affiliations":[{"employeeId":"1","startDate":"2020-13-01","stopDate":null}]},
	 {"uuid":"b","cpr":"0202802222","affiliations":[{"employeeId":"2","startDate":"2020-08-01","stopDate":null}]}]}`
	emps, err := payroll.ReadSOFD(strings.NewReader(in))
	if len(emps) != 1 || emps[0].EmployeeNumber != "2" {
		t.Errorf("employments %+v", emps)
	}
	var re *payroll.RecordError
	if !errors.As(err, &re) || re.Where != "person a affiliation 1" || re.Field != "start_date" || strings.Contains(err.Error(), "0101801111") {
		t.Errorf("err = %v", err)
	}
	for _, in := range []string{`[{"page":0,"persons":[{"uuid":"b","cpr":"0202802222","affiliations":[{"employeeId":"2"}]}]}]`,
		`[{"uuid":"b","cpr":"0202802222","affiliations":[{"employeeId":"2"}]}]`} {
		if emps, err := payroll.ReadSOFD(strings.NewReader(in)); err != nil || len(emps) != 1 {
			t.Errorf("%s: %v %v", in, emps, err)
		}
	}
	if _, err := payroll.ReadSOFD(strings.NewReader(`{"persons":`)); !errors.Is(err, payroll.ErrRecord) {
		t.Errorf("truncated: %v", err)
	}
}

func FuzzReadSOFD(f *testing.F) {
	f.Add(`{"persons":[{"uuid":"a","cpr":"0101801111","affiliations":[{"employeeId":"1","startDate":"2020-01-01"}]}]}`)
	f.Add(`[{"uuid":"a"}]`)
	f.Add(`[{"page":1,"persons":[]}]`)
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = payroll.ReadSOFD(strings.NewReader(s))
	})
}
