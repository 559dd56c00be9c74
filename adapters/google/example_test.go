package google_test

import (
	"fmt"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/diff"
)

// Prepare adds what Google needs to a desired state: privacy and licence
// attributes on users, addresses on groups and, here, one shared drive per
// class that follows the class through school.
func ExampleConfig_Prepare() {
	cfg := google.Config{
		Domain:   "skole.test",
		Licences: google.Licences{Product: "101031", Student: "1010310008", Employee: "1010310009"},
		Drives:   google.DriveConfig{Model: google.DrivePerGroup},
	}
	desired := []diff.Object{
		{Kind: diff.User, Key: "user/p1", Name: "Søren Ærø (soer0001)", Attrs: diff.AttrsFrom(map[string]string{
			"username": "soer0001", "givenName": "Søren", "familyName": "Ærø", diff.AttrGlobalRole: "student"})},
		{Kind: diff.Group, Key: "group/class/280017/G4/all", Name: "ÅBY 4A alle", Institution: "280017", Attrs: diff.AttrsFrom(map[string]string{
			"catalogueKind": "class-all", "institution": "280017", "classLevel": "4", "classLine": "A", "schoolYear": "2025-2026"}),
			Members: []string{"user/p1"}},
	}
	for _, o := range cfg.Prepare(desired) {
		switch o.Kind {
		case diff.User:
			fmt.Println(o.Key, "GAL:", o.Attrs.Get(google.AttrGAL), "licence:", o.Attrs.Get(google.AttrLicence))
		case diff.Group:
			fmt.Println(o.Key, "email:", o.Attrs.Get("email"))
		case google.Drive:
			fmt.Println(o.Key, "name:", o.Name, "members:", o.Members, "role:", o.Attrs.Get(google.AttrRole))
		}
	}
	// Output:
	// user/p1 GAL: false licence: 101031/1010310008
	// group/class/280017/G4/all email: klasse-2021a-280017-alle@skole.test
	// drive/class/280017/G4/all name: ÅBY 4A alle members: [group/class/280017/G4/all] role: writer
}
