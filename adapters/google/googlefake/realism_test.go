package googlefake_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/orgsync/orgsync/adapters/google/googlefake"
	admin "google.golang.org/api/admin/directory/v1"
	drive "google.golang.org/api/drive/v3"
	licensing "google.golang.org/api/licensing/v1"
)

// TestSearchLag: under SearchLag a query sees the users as they were when
// the index last caught up; a list without a query sees them at once.
func TestSearchLag(t *testing.T) {
	f := googlefake.New(googlefake.Options{SearchLag: true})
	defer f.Close()
	a, _, _ := services(t, f)
	ctx := context.Background()
	if _, err := a.Users.Insert(newUser(1)).Context(ctx).Do(); err != nil {
		t.Fatal(err)
	}
	query := func() int {
		l, err := a.Users.List().Customer("my_customer").Query("email:u001@skole.test").Context(ctx).Do()
		if err != nil {
			t.Fatal(err)
		}
		return len(l.Users)
	}
	if n := query(); n != 0 {
		t.Errorf("search right after the insert found %d users, want 0 (lag)", n)
	}
	l, err := a.Users.List().Customer("my_customer").Context(ctx).Do()
	if err != nil || len(l.Users) != 2 { // with the admin
		t.Fatalf("list without a query: %v users, err %v; want 2", len(l.Users), err)
	}
	f.CatchUpSearch()
	if n := query(); n != 1 {
		t.Errorf("search after the index caught up found %d users, want 1", n)
	}
}

// TestIncompleteSearch: a files.list over all drives leaves drives out and
// says so with incompleteSearch; a list of one drive is complete.
func TestIncompleteSearch(t *testing.T) {
	f := googlefake.New(googlefake.Options{IncompleteSearch: true})
	defer f.Close()
	_, _, d := services(t, f)
	ctx := context.Background()
	var ids []string
	for i := range 4 {
		dr, err := d.Drives.Create("req-"+string(rune('a'+i)), &drive.Drive{Name: "D"}).Context(ctx).Do()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, dr.Id)
		if _, err := d.Files.Create(&drive.File{Name: "m", Parents: []string{dr.Id}, Properties: map[string]string{"k": "v"}}).SupportsAllDrives(true).Context(ctx).Do(); err != nil {
			t.Fatal(err)
		}
	}
	all, err := d.Files.List().Corpora("allDrives").IncludeItemsFromAllDrives(true).SupportsAllDrives(true).Fields("incompleteSearch", "files(id)").Context(ctx).Do()
	if err != nil {
		t.Fatal(err)
	}
	if !all.IncompleteSearch || len(all.Files) >= 4 {
		t.Errorf("all drives: incompleteSearch %v with %d files, want true and fewer than 4", all.IncompleteSearch, len(all.Files))
	}
	n := 0
	for _, id := range ids {
		one, err := d.Files.List().Corpora("drive").DriveId(id).IncludeItemsFromAllDrives(true).SupportsAllDrives(true).Fields("incompleteSearch", "files(id)").Context(ctx).Do()
		if err != nil {
			t.Fatal(err)
		}
		if one.IncompleteSearch {
			t.Errorf("drive %s: incompleteSearch on a one-drive list", id)
		}
		n += len(one.Files)
	}
	if n != 4 {
		t.Errorf("the one-drive lists found %d files, want 4", n)
	}
}

// TestPatchKeepsRepeatedFields: users.patch cannot clear organizations (an
// empty or null value leaves them); users.update clears them.
func TestPatchKeepsRepeatedFields(t *testing.T) {
	f := googlefake.New(googlefake.Options{})
	defer f.Close()
	a, _, _ := services(t, f)
	ctx := context.Background()
	u := newUser(1)
	u.Organizations = []map[string]any{{"name": "Skolen", "primary": true}}
	made, err := a.Users.Insert(u).Context(ctx).Do()
	if err != nil {
		t.Fatal(err)
	}
	orgs := func() int {
		got, err := a.Users.Get(made.Id).Context(ctx).Do()
		if err != nil {
			t.Fatal(err)
		}
		var list []any
		b, _ := json.Marshal(got.Organizations)
		_ = json.Unmarshal(b, &list)
		return len(list)
	}
	for _, p := range []*admin.User{
		{NullFields: []string{"Organizations"}},
		{Organizations: []any{}, ForceSendFields: []string{"Organizations"}},
	} {
		if _, err := a.Users.Patch(made.Id, p).Context(ctx).Do(); err != nil {
			t.Fatal(err)
		}
		if n := orgs(); n != 1 {
			t.Errorf("after a patch clearing organizations: %d, want 1 (kept)", n)
		}
	}
	if _, err := a.Users.Update(made.Id, &admin.User{NullFields: []string{"Organizations"}}).Context(ctx).Do(); err != nil {
		t.Fatal(err)
	}
	if n := orgs(); n != 0 {
		t.Errorf("after an update clearing organizations: %d, want 0", n)
	}
}

// TestSharingRateLimit: among the rate-limit faults of Drive permission
// writes is 403 sharingRateLimitExceeded.
func TestSharingRateLimit(t *testing.T) {
	f := googlefake.New(googlefake.Options{Seed: 1})
	defer f.Close()
	_, _, d := services(t, f)
	ctx := context.Background()
	dr, err := d.Drives.Create("r", &drive.Drive{Name: "D"}).Context(ctx).Do()
	if err != nil {
		t.Fatal(err)
	}
	f.SetFaults(1, 0, 0)
	reasons := map[string]bool{}
	for i := range 40 {
		_, err := d.Permissions.Create(dr.Id, &drive.Permission{Type: "user", Role: "reader", EmailAddress: "admin@skole.test"}).
			SupportsAllDrives(true).Context(ctx).Do()
		_, r := reason(err)
		reasons[r] = true
		_ = i
	}
	if !reasons["sharingRateLimitExceeded"] || !reasons["userRateLimitExceeded"] {
		t.Errorf("rate-limit reasons of permission writes: %v, want sharingRateLimitExceeded among them", reasons)
	}
}

// TestLicensingKnowsEducationSKUs: the Education SKUs are accepted and an
// unknown SKU is refused.
func TestLicensingKnowsEducationSKUs(t *testing.T) {
	f := googlefake.New(googlefake.Options{})
	defer f.Close()
	a, l, _ := services(t, f)
	ctx := context.Background()
	for i, ps := range [][2]string{{"Google-Apps", "1010070001"}, {"101031", "1010310005"}, {"101031", "1010310008"}, {"101037", "1010370001"}} {
		u, err := a.Users.Insert(newUser(10 + i)).Context(ctx).Do()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.LicenseAssignments.Insert(ps[0], ps[1], &licensing.LicenseAssignmentInsert{UserId: u.PrimaryEmail}).Context(ctx).Do(); err != nil {
			t.Errorf("%s/%s: %v", ps[0], ps[1], err)
		}
	}
	u, err := a.Users.Insert(newUser(20)).Context(ctx).Do()
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.LicenseAssignments.Insert("101031", "1010319999", &licensing.LicenseAssignmentInsert{UserId: u.PrimaryEmail}).Context(ctx).Do()
	if code, _ := reason(err); code != 400 {
		t.Errorf("unknown SKU: %v, want 400", err)
	}
}
