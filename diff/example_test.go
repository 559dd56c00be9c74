package diff_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/orgsync/orgsync/diff"
)

// memTarget is a minimal target for the examples: it only counts changes.
type memTarget struct{ applied int }

func (m *memTarget) Read(context.Context) ([]diff.Object, error) { return nil, nil }
func (m *memTarget) Apply(context.Context, diff.Change) error    { m.applied++; return nil }

func ExampleCompute() {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	desired := []diff.Object{
		{Kind: diff.Container, Key: "ou/inst/280017", Name: "Næsby Skole"},
		{Kind: diff.User, Key: "user/p1", Name: "Anna Sørensen", Parent: "ou/inst/280017",
			Attrs: diff.AttrsFrom(map[string]string{"username": "anso", "email": "anso@skole.dk"})},
		{Kind: diff.Group, Key: "group/280017/4a", Name: "4A", Parent: "ou/inst/280017", Members: []string{"user/p1"}},
	}
	// The target already has Anna, with an old e-mail address, and Bo, who
	// has left.
	actual := []diff.Object{
		{Kind: diff.Container, Key: "ou/inst/280017", Name: "Næsby Skole", Managed: true, ID: "1"},
		{Kind: diff.User, Key: "user/p1", Name: "Anna Sørensen", Parent: "ou/inst/280017", Managed: true, ID: "2",
			Attrs: diff.AttrsFrom(map[string]string{"username": "anso", "email": "anna@old.dk"})},
		{Kind: diff.User, Key: "user/p2", Name: "Bo Berg", Parent: "ou/inst/280017", Managed: true, ID: "3",
			Attrs: diff.AttrsFrom(map[string]string{"username": "bobe"})},
	}
	plan, err := diff.Compute(desired, actual, diff.Options{Now: now, Quarantine: "ou/disabled"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(plan.Summary())
	for _, c := range plan.Changes {
		fmt.Println(strings.TrimSpace(fmt.Sprint(c.Stage, " ", c.Action, " ", c.Key, " ", c.Member)))
	}
	// Output:
	// 7 changes: 3 create, 1 update, 1 move, 1 add-member, 1 disable
	// 1 create ou/disabled
	// 2 create ou/disabled/2026-11-22
	// 3 update user/p1
	// 4 create group/280017/4a
	// 5 add-member group/280017/4a user/p1
	// 6 disable user/p2
	// 7 move user/p2
}

func ExampleApply() {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	var actual []diff.Object
	for i := range 100 {
		actual = append(actual, diff.Object{Kind: diff.User, Key: fmt.Sprintf("user/%d", i), Name: "x", Managed: true})
	}
	// The source lost 60 of 100 people: the default thresholds refuse.
	plan, _ := diff.Compute(actual[:40], actual, diff.Options{Now: now})
	th := diff.DefaultThresholds()
	tgt := &memTarget{}
	report, err := diff.Apply(context.Background(), tgt, plan, diff.ApplyOptions{Thresholds: &th})
	fmt.Println(errors.Is(err, diff.ErrThreshold), tgt.applied, report.Skipped)
	report.Render(os.Stdout)
	// Output:
	// true 0 60
	// applied 0, failed 0, blocked 0, skipped 60 of 60 changes
	//   not attempted: 60 changes from stage 1 on
}

func ExampleAttrs() {
	var a diff.Attrs
	a.Set("username", "anso")
	a.Set("email", "anso@skole.dk")
	a.Set(diff.AttrGlobalRole, "employee")
	fmt.Println(a.Get("email"), a.Names())
	for name, value := range a.All() {
		fmt.Printf("%s=%s\n", name, value)
	}
	// Output:
	// anso@skole.dk [email globalRole username]
	// email=anso@skole.dk
	// globalRole=employee
	// username=anso
}
