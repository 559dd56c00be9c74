package orcheck

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"
)

// valid is a small, hand-written OneRoster 1.1 bulk export.
func valid() map[string]string {
	return map[string]string{
		"manifest.csv": `propertyName,value
manifest.version,1.0
oneroster.version,1.1
file.academicSessions,bulk
file.categories,absent
file.classes,bulk
file.classResources,absent
file.courses,bulk
file.courseResources,absent
file.demographics,absent
file.enrollments,bulk
file.lineItems,absent
file.orgs,bulk
file.resources,absent
file.results,absent
file.users,bulk
source.systemName,test
source.systemCode,test
`,
		"orgs.csv": `sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
d1,,,Kommune,district,,
s1,,,Skolen,school,200001,d1
s2,,,Anden Skole,school,200002,d1
`,
		"academicSessions.csv": `sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear
y1,,,2025-2026,schoolYear,2025-08-01,2026-07-31,,2026
`,
		"courses.csv": `sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes
c1,,,y1,3A,3A,03,s1,,
`,
		"classes.csv": `sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods
k1,,,3A,03,c1,3A,homeroom,,s1,y1,,,
`,
		"users.csv": `sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password
u1,,,true,s1,student,anna1,,Anna,Ærø,,,,,,,03,
u2,,,true,"s1,s2",teacher,bo2,,Bo,"Møller Hansen",,,,,,,,
`,
		"enrollments.csv": `sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
e1,,,k1,s1,u1,student,false,2025-08-01,
e2,,,k1,s1,u2,teacher,true,,
`,
	}
}

func check(t *testing.T, files map[string]string) *Report {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, content := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Check(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestValid(t *testing.T) {
	r := check(t, valid())
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if r.Rows["users.csv"] != 2 || r.Rows["enrollments.csv"] != 2 {
		t.Errorf("rows = %v", r.Rows)
	}
}

// TestRejects: every negative fixture must be rejected with a finding that
// names the problem.
func TestRejects(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		old    string
		new    string
		delete bool
		want   string
	}{
		{name: "missing manifest entry", file: "manifest.csv", old: "file.lineItems,absent\n", new: "", want: "no file.lineItems entry"},
		{name: "manifest names a missing file", file: "manifest.csv", old: "file.results,absent", new: "file.results,bulk", want: "results.csv is not in the archive"},
		{name: "file absent in manifest but present", file: "manifest.csv", old: "file.orgs,bulk", new: "file.orgs,absent", want: "orgs.csv is in the archive"},
		{name: "wrong version", file: "manifest.csv", old: "oneroster.version,1.1", new: "oneroster.version,1.2", want: "oneroster.version"},
		{name: "no manifest", file: "manifest.csv", delete: true, want: "manifest.csv: missing"},
		{name: "wrong org type", file: "orgs.csv", old: "school,200001", new: "skole,200001", want: `type "skole" is not one of`},
		{name: "wrong user role", file: "users.csv", old: "student,anna1", new: "pupil,anna1", want: `role "pupil"`},
		{name: "wrong class type", file: "classes.csv", old: "homeroom", new: "Homeroom", want: `classType "Homeroom"`},
		{name: "wrong enrollment role", file: "enrollments.csv", old: "u2,teacher", new: "u2,parent", want: `role "parent"`},
		{name: "enrollment to unknown class", file: "enrollments.csv", old: "e1,,,k1", new: "e1,,,k9", want: `classSourcedId "k9" is not a sourcedId in classes.csv`},
		{name: "enrollment to unknown user", file: "enrollments.csv", old: "s1,u1", new: "s1,u7", want: `userSourcedId "u7"`},
		{name: "bad date", file: "academicSessions.csv", old: "2026-07-31", new: "31-07-2026", want: `endDate "31-07-2026" is not a date`},
		{name: "impossible date", file: "enrollments.csv", old: "2025-08-01", new: "2025-02-30", want: `beginDate "2025-02-30"`},
		{name: "unquoted list", file: "users.csv", old: `"s1,s2"`, new: `s1,s2`, want: "users.csv line 3: 19 fields, header has 18"},
		{name: "list item unknown", file: "users.csv", old: `"s1,s2"`, new: `"s1,s3"`, want: `orgSourcedIds "s3"`},
		{name: "bad boolean", file: "users.csv", old: ",true,s1", new: ",yes,s1", want: `enabledUser "yes"`},
		{name: "required field blank", file: "users.csv", old: "Anna,Ærø", new: ",Ærø", want: "givenName is required"},
		{name: "status in bulk", file: "orgs.csv", old: "s2,,,", new: "s2,active,,", want: "status must be blank in bulk mode"},
		{name: "header", file: "courses.csv", old: "courseCode,grades", new: "grades,courseCode", want: "courses.csv: header"},
		{name: "duplicate id", file: "orgs.csv", old: "s2,,,Anden", new: "s1,,,Anden", want: `sourcedId "s1" given twice`},
		{name: "bad year", file: "academicSessions.csv", old: ",,2026", new: ",,25/26", want: `schoolYear "25/26"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := valid()
			if tt.delete {
				delete(files, tt.file)
			} else {
				if !strings.Contains(files[tt.file], tt.old) {
					t.Fatalf("fixture %s lacks %q", tt.file, tt.old)
				}
				files[tt.file] = strings.Replace(files[tt.file], tt.old, tt.new, 1)
			}
			r := check(t, files)
			err := r.Err()
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("accepted; want a finding %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("findings %v lack %q", r.Problems, tt.want)
			}
		})
	}
}

func TestNotAZip(t *testing.T) {
	if _, err := Check([]byte("PK no")); !errors.Is(err, ErrInvalid) {
		t.Errorf("err = %v", err)
	}
}

// FuzzCheckFiles: any users.csv content gives findings, never a panic.
func FuzzCheckFiles(f *testing.F) {
	f.Add(valid()["users.csv"])
	f.Add("sourcedId\n\"")
	f.Fuzz(func(t *testing.T, users string) {
		files := map[string][]byte{}
		for k, v := range valid() {
			files[k] = []byte(v)
		}
		files["users.csv"] = []byte(users)
		r := CheckFiles(files)
		if users != valid()["users.csv"] && r.Rows["users.csv"] == 2 && len(r.Problems) == 0 {
			// A different text can still be valid (e.g. quoting changed).
			return
		}
	})
}
