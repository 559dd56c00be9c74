package googlefake_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/orgsync/orgsync/adapters/google/googlefake"
	admin "google.golang.org/api/admin/directory/v1"
	drive "google.golang.org/api/drive/v3"
	"google.golang.org/api/googleapi"
	licensing "google.golang.org/api/licensing/v1"
	"google.golang.org/api/option"
)

func services(t *testing.T, f *googlefake.Fake) (*admin.Service, *licensing.Service, *drive.Service) {
	t.Helper()
	ctx := context.Background()
	a, err := admin.NewService(ctx, option.WithEndpoint(f.URL()+"/"), option.WithHTTPClient(f.Client()))
	if err != nil {
		t.Fatal(err)
	}
	l, err := licensing.NewService(ctx, option.WithEndpoint(f.URL()+"/"), option.WithHTTPClient(f.Client()))
	if err != nil {
		t.Fatal(err)
	}
	d, err := drive.NewService(ctx, option.WithEndpoint(f.URL()+"/drive/v3/"), option.WithHTTPClient(f.Client()))
	if err != nil {
		t.Fatal(err)
	}
	return a, l, d
}

func reason(err error) (int, string) {
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return 0, ""
	}
	if len(ge.Errors) == 0 {
		return ge.Code, ""
	}
	return ge.Code, ge.Errors[0].Reason
}

func newUser(i int) *admin.User {
	return &admin.User{PrimaryEmail: fmt.Sprintf("u%03d@skole.test", i), Name: &admin.UserName{GivenName: "G", FamilyName: "F"}, Password: "secret-password"}
}

func TestUsersPagingAndErrors(t *testing.T) {
	f := googlefake.New(googlefake.Options{})
	defer f.Close()
	a, _, _ := services(t, f)
	ctx := context.Background()
	for i := range 12 {
		if _, err := a.Users.Insert(newUser(i)).Context(ctx).Do(); err != nil {
			t.Fatal(err)
		}
	}
	pages, n := 0, 0
	err := a.Users.List().Customer("my_customer").MaxResults(5).Pages(ctx, func(u *admin.Users) error {
		pages++
		n += len(u.Users)
		return nil
	})
	if err != nil || pages != 3 || n != 13 { // 12 + the admin
		t.Errorf("paging: %d pages, %d users, err %v; want 3 pages of 13", pages, n, err)
	}
	for name, tc := range map[string]struct {
		call       func() error
		code       int
		wantReason string
	}{
		"duplicate": {func() error { _, err := a.Users.Insert(newUser(1)).Do(); return err }, 409, "duplicate"},
		"not found": {func() error { _, err := a.Users.Get("nobody@skole.test").Do(); return err }, 404, "notFound"},
		"other domain": {func() error {
			u := newUser(99)
			u.PrimaryEmail = "x@other.test"
			_, err := a.Users.Insert(u).Do()
			return err
		}, 400, "invalid"},
		"no password": {func() error { u := newUser(98); u.Password = ""; _, err := a.Users.Insert(u).Do(); return err }, 400, "required"},
		"missing OU": {func() error {
			u := newUser(97)
			u.OrgUnitPath = "/Nowhere"
			_, err := a.Users.Insert(u).Do()
			return err
		}, 400, "invalid"},
		"unknown field": {func() error { _, err := a.Users.List().Customer("my_customer").Query("nope.x=1").Do(); return err }, 400, "invalid"},
	} {
		t.Run(name, func(t *testing.T) {
			code, r := reason(tc.call())
			if code != tc.code || r != tc.wantReason {
				t.Errorf("got %d %q, want %d %q", code, r, tc.code, tc.wantReason)
			}
		})
	}
}

func TestOrgUnitsGroupsLicencesDrives(t *testing.T) {
	f := googlefake.New(googlefake.Options{})
	defer f.Close()
	a, l, d := services(t, f)
	ou, err := a.Orgunits.Insert("my_customer", &admin.OrgUnit{Name: "Skoler", ParentOrgUnitPath: "/"}).Do()
	if err != nil || ou.OrgUnitPath != "/Skoler" {
		t.Fatalf("insert ou: %v %+v", err, ou)
	}
	if _, err := a.Orgunits.Insert("my_customer", &admin.OrgUnit{Name: "skoler", ParentOrgUnitPath: "/"}).Do(); func() int { c, _ := reason(err); return c }() != 409 {
		t.Errorf("duplicate sibling name: %v", err)
	}
	if _, err := a.Orgunits.Patch("my_customer", ou.OrgUnitId, &admin.OrgUnit{Name: "Skolerne"}).Do(); err != nil {
		t.Fatal(err)
	}
	u := newUser(1)
	u.OrgUnitPath = "/Skolerne"
	made, err := a.Users.Insert(u).Do()
	if err != nil {
		t.Fatal(err)
	}
	g, err := a.Groups.Insert(&admin.Group{Email: "g@skole.test", Name: "G", ExternalIds: []*admin.ExternalId{{Namespace: "orgsync", Id: "group/g"}}}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Members.Insert(g.Id, &admin.Member{Id: made.Id}).Do(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Members.Insert(g.Id, &admin.Member{Id: made.Id}).Do(); func() string { _, r := reason(err); return r }() != "duplicate" {
		t.Errorf("second member insert: %v", err)
	}
	if _, err := l.LicenseAssignments.Insert("101031", "1010310008", &licensing.LicenseAssignmentInsert{UserId: made.PrimaryEmail}).Do(); err != nil {
		t.Fatal(err)
	}
	list, err := l.LicenseAssignments.ListForProduct("101031", "my_customer").Do()
	if err != nil || len(list.Items) != 1 || list.Items[0].UserId != made.PrimaryEmail {
		t.Errorf("licences: %v %+v", err, list)
	}
	dr, err := d.Drives.Create("req-1", &drive.Drive{Name: "Staff"}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Drives.Create("req-1", &drive.Drive{Name: "Staff"}).Do(); func() int { c, _ := reason(err); return c }() != 409 {
		t.Errorf("repeated requestId: %v, want 409", err)
	}
	if _, err := d.Files.Create(&drive.File{Name: "x", Parents: []string{dr.Id}}).Do(); func() int { c, _ := reason(err); return c }() != 404 {
		t.Errorf("create in a shared drive without supportsAllDrives: %v, want 404", err)
	}
	folder, err := d.Files.Create(&drive.File{Name: "4A", MimeType: googlefake.FolderMimeType, Parents: []string{dr.Id}, Properties: map[string]string{"k": "v"}}).SupportsAllDrives(true).Do()
	if err != nil {
		t.Fatal(err)
	}
	if folder.Properties != nil || folder.DriveId != "" {
		t.Errorf("files.create without fields returned %+v, want only the default fields", folder)
	}
	if _, err := d.Permissions.Create(folder.Id, &drive.Permission{Type: "group", Role: "writer", EmailAddress: "g@skole.test"}).SupportsAllDrives(true).Do(); err != nil {
		t.Fatal(err)
	}
	fl, err := d.Files.List().Corpora("allDrives").IncludeItemsFromAllDrives(true).SupportsAllDrives(true).
		Q("properties has { key='k' and value='v' } and trashed = false").Fields("files(id,driveId,properties)").Do()
	if err != nil || len(fl.Files) != 1 || fl.Files[0].DriveId != dr.Id {
		t.Errorf("files.list: %v %+v", err, fl)
	}
	// Deleting the group removes its sharing.
	if err := a.Groups.Delete(g.Id).Do(); err != nil {
		t.Fatal(err)
	}
	if files := f.Files(); len(files) != 1 || len(files[0].Permissions) != 0 {
		t.Errorf("after group delete: %+v", files)
	}
}

// TestFaultsDeterministic: the same seed faults the same requests, however
// many other requests run in between.
func TestFaultsDeterministic(t *testing.T) {
	run := func(noise bool) []int {
		f := googlefake.New(googlefake.Options{Seed: 5, RateLimitShare: 0.5})
		defer f.Close()
		a, _, _ := services(t, f)
		var codes []int
		for i := range 20 {
			if noise {
				_, _ = a.Users.Get("noise@skole.test").Do()
			}
			_, err := a.Users.Get(fmt.Sprintf("u%d@skole.test", i)).Do()
			c, _ := reason(err)
			codes = append(codes, c)
		}
		return codes
	}
	a, b := run(false), run(true)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("fault pattern depends on other traffic:\n%v\n%v", a, b)
	}
	limited := 0
	for _, c := range a {
		if c == 403 || c == 429 {
			limited++
		}
	}
	if limited == 0 || limited == 20 {
		t.Errorf("%d of 20 calls rate-limited at a share of 0.5", limited)
	}
}

func TestQuota(t *testing.T) {
	f := googlefake.New(googlefake.Options{QuotaPerMinute: 5})
	defer f.Close()
	a, _, _ := services(t, f)
	var last error
	for range 6 {
		_, last = a.Users.Get("admin@skole.test").Do()
	}
	if c, r := reason(last); c != 403 || r != "userRateLimitExceeded" {
		t.Errorf("6th call in a minute: %d %q, want 403 userRateLimitExceeded", c, r)
	}
	if f.Stats().QuotaRejections != 1 {
		t.Errorf("quota rejections = %d", f.Stats().QuotaRejections)
	}
}
