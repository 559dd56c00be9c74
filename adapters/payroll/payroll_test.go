package payroll

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/orgmodel"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestActiveAt(t *testing.T) {
	tests := []struct {
		name string
		e    Employment
		now  time.Time
		want bool
	}{
		{"open both ends", Employment{}, day("2025-01-01"), true},
		{"entry today", Employment{Entry: day("2025-01-01")}, day("2025-01-01").Add(23 * time.Hour), true},
		{"entry tomorrow", Employment{Entry: day("2025-01-02")}, day("2025-01-01").Add(23 * time.Hour), false},
		{"leave today", Employment{Leave: day("2025-01-01")}, day("2025-01-01").Add(23 * time.Hour), true},
		{"left yesterday", Employment{Leave: day("2024-12-31")}, day("2025-01-01"), false},
		{"between", Employment{Entry: day("2020-01-01"), Leave: day("2030-01-01")}, day("2025-01-01"), true},
		{"ended element", Employment{Ended: true}, day("2025-01-01"), false},
		{"local day counts", Employment{Leave: day("2025-01-01")}, time.Date(2025, 1, 1, 23, 30, 0, 0, time.FixedZone("CET", 3600)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.ActiveAt(tt.now); got != tt.want {
				t.Errorf("ActiveAt = %v, want %v", got, tt.want)
			}
		})
	}
}

func wantEmployments() []Employment {
	return []Employment{
		{EmployeeNumber: "0000101", CPR: "0302781234", Entry: day("2020-08-01")},
		{EmployeeNumber: "0000102", CPR: "1111701111", Username: "kiko", Entry: day("2024-01-01"), Leave: day("2025-01-31")},
		{EmployeeNumber: "0000103", CPR: "1504901122", Entry: day("2025-03-01")},
		{EmployeeNumber: "0000105", CPR: "0101010101"},
	}
}

func TestReadOPUS(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "opus.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadOPUS(f)
	if err != nil {
		t.Fatal(err)
	}
	want := wantEmployments()
	want[0].Title, want[0].Unit = "Skoleleder", "1234"
	want = append(want[:3], Employment{EmployeeNumber: "0000104", Ended: true}, want[3])
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestReadCSV(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "employments.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantEmployments(), got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestReadProblems(t *testing.T) {
	tests := []struct {
		name  string
		read  func() ([]Employment, error)
		want  []string
		valid int
	}{
		{"opus", func() ([]Employment, error) {
			return ReadOPUS(strings.NewReader(`<kmd><employee id="1"><cpr>3213991234</cpr></employee><employee><cpr>0101010101</cpr></employee><employee id="3"><cpr>0101010101</cpr><entryDate>2025-13-01</entryDate></employee><employee id="4"><cpr>0101010101</cpr></employee></kmd>`))
		}, []string{"employee[1] (line 1) 1 cpr", "employee[2] (line 1)  employee_id", "employee[3] (line 1) 3 entryDate"}, 1},
		{"csv", func() ([]Employment, error) {
			return ReadCSV(strings.NewReader("employee_id,cpr,start_date,stop_date\n1,,,\n2,0101010101,2025-02-01,2025-01-01\n3,0101010101\n4,0101010101,,\n"))
		}, []string{"line 2 1 cpr", "line 3 2 leave", "line 4  "}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.read()
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrRecord) {
				t.Fatalf("err = %v, want *ParseError", err)
			}
			var ws []string
			for _, p := range pe.Problems {
				ws = append(ws, p.Where+" "+p.ID+" "+p.Field)
			}
			if diff := cmp.Diff(tt.want, ws); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if len(got) != tt.valid {
				t.Errorf("%d valid, want %d", len(got), tt.valid)
			}
			if strings.Contains(err.Error(), "3213991234") {
				t.Error("error repeats a CPR")
			}
		})
	}
}

func snap() *orgmodel.Snapshot {
	return &orgmodel.Snapshot{
		Institutions: []orgmodel.Institution{{Number: "1", Name: "Skole", Type: orgmodel.School}},
		Groups:       []orgmodel.Group{{ID: "c", Institution: "1", Name: "1.A", Type: orgmodel.Hovedgruppe}},
		Persons: []orgmodel.Person{
			{ID: "soer", CPR: "0302781234", GivenName: "Søren"},
			{ID: "kiko", Username: "kiko", GivenName: "Kirsten"},
			{ID: "maja", CPR: "1504901122", GivenName: "Maja"},
			{ID: "nocpr", GivenName: "Ingen"},
			{ID: "elev", CPR: "0101010101", GivenName: "Elev"},
		},
		Affiliations: []orgmodel.Affiliation{
			{PersonID: "soer", Institution: "1", Roles: []orgmodel.Role{orgmodel.Leder}},
			{PersonID: "kiko", Institution: "1", Roles: []orgmodel.Role{orgmodel.TAP}},
			{PersonID: "maja", Institution: "1", Roles: []orgmodel.Role{orgmodel.Paedagog}},
			{PersonID: "nocpr", Institution: "1", Roles: []orgmodel.Role{orgmodel.Vikar}},
			{PersonID: "elev", Institution: "1", Roles: []orgmodel.Role{orgmodel.Elev}, Level: "1", MainGroupID: "c"},
		},
	}
}

func TestGroups(t *testing.T) {
	tests := []struct {
		now              string
		active, inactive []string
		unmatched        []string
	}{
		// kiko matches by username, maja starts in March, the pupil is no employee.
		{"2025-01-15", []string{"kiko", "soer"}, []string{"maja", "nocpr"}, []string{"0000105"}},
		{"2025-02-01", []string{"soer"}, []string{"kiko", "maja", "nocpr"}, []string{"0000105"}},
		{"2025-03-01", []string{"maja", "soer"}, []string{"kiko", "nocpr"}, []string{"0000105"}},
	}
	for _, tt := range tests {
		t.Run(tt.now, func(t *testing.T) {
			r := Groups(snap(), wantEmployments(), day(tt.now))
			if diff := cmp.Diff(tt.active, r.Active.Members); diff != "" {
				t.Errorf("active (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.inactive, r.Inactive.Members); diff != "" {
				t.Errorf("inactive (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.unmatched, r.Unmatched); diff != "" {
				t.Errorf("unmatched (-want +got):\n%s", diff)
			}
			if r.Active.Key != KeyActive || r.Inactive.Kind != KindInactive {
				t.Errorf("keys/kinds: %+v %+v", r.Active, r.Inactive)
			}
		})
	}
}

func TestReadSQLMariaDB(t *testing.T) {
	dsn := os.Getenv("ORGSYNC_MYSQL_DSN")
	if dsn == "" {
		t.Skip("ORGSYNC_MYSQL_DSN not set; run .ci/servers/mariadb.sh start")
	}
	ctx := context.Background()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx) // one connection: the temporary table lives on it
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	table := fmt.Sprintf("payroll_test_%d", time.Now().UnixNano())
	stmts := []string{
		"CREATE TEMPORARY TABLE " + table + " (employee_id VARCHAR(20), cpr CHAR(10), start_date DATE NULL, stop_date DATE NULL, username VARCHAR(40) NULL, extra INT)",
		"INSERT INTO " + table + " VALUES ('0000101','0302781234','2020-08-01',NULL,NULL,1), ('0000102','1111701111','2024-01-01','2025-01-31','kiko',2), ('0000103','1504901122','2025-03-01',NULL,NULL,3), ('0000105','0101010101',NULL,NULL,NULL,4), ('0000106','0101011',NULL,NULL,NULL,5)",
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadSQL(ctx, conn, "SELECT * FROM "+table+" ORDER BY employee_id")
	var pe *ParseError
	if !errors.As(err, &pe) || len(pe.Problems) != 1 || pe.Problems[0].ID != "0000106" || pe.Problems[0].Where != "row 5" {
		t.Fatalf("err = %v, want one problem for 0000106 in row 5", err)
	}
	if diff := cmp.Diff(wantEmployments(), got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := ReadSQL(ctx, conn, "SELECT employee_id FROM "+table); !errors.Is(err, ErrRecord) {
		t.Errorf("missing columns: err = %v", err)
	}
}
