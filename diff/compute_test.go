package diff

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var testNow = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func ctr(key, name, parent string) Object {
	return Object{Kind: Container, Key: key, Name: name, Parent: parent}
}

func usr(key, name, parent string, attrs ...string) Object {
	o := Object{Kind: User, Key: key, Name: name, Parent: parent}
	if len(attrs) > 0 {
		o.Attrs = nil
		for i := 0; i+1 < len(attrs); i += 2 {
			o.Attrs.Set(attrs[i], attrs[i+1])
		}
	}
	return o
}

func grp(key, name, parent string, members ...string) Object {
	return Object{Kind: Group, Key: key, Name: name, Parent: parent, Members: members}
}

// managed returns copies of objs as a target would read them.
func managed(objs ...Object) []Object {
	out := make([]Object, len(objs))
	for i, o := range objs {
		o = o.Clone()
		o.Managed = true
		o.ID = "id-" + o.Key
		out[i] = o
	}
	return out
}

func with(o Object, f func(*Object)) Object {
	o = o.Clone()
	f(&o)
	return o
}

// line renders a change compactly for table tests.
func line(c Change) string {
	s := fmt.Sprintf("%d %s %s %s", c.Stage, c.Action, c.Kind, c.Key)
	switch c.Action {
	case AddMember, RemoveMember:
		s += " " + c.Member
	case Rename:
		s += " -> " + c.After.Name
	case Move:
		s += " -> " + orRoot(c.After.Parent)
	case Disable, Enable:
		s += fmt.Sprintf(" date=%q", c.After.Attrs.Get(AttrDisabledDate))
	case Update:
		for _, a := range c.Attrs {
			s += fmt.Sprintf(" %s:%q->%q", a.Name, a.Before, a.After)
		}
	case Create:
		s += " in " + orRoot(c.After.Parent)
	}
	return s
}

func lines(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, line(c))
	}
	return out
}

func TestCompute(t *testing.T) {
	school := ctr("ou/inst/1", "Skole", "")
	students := ctr("ou/inst/1/students", "Elever", "ou/inst/1")
	anna := usr("user/1", "Anna Hansen", "ou/inst/1/students", "username", "anna", "email", "anna@x.dk", AttrGlobalRole, "student")
	bo := usr("user/2", "Bo Ærø", "ou/inst/1/students", "username", "bo", AttrGlobalRole, "employee")
	class := grp("group/1/4a", "4A", "ou/inst/1", "user/1", "user/2")
	base := []Object{school, students, anna, bo, class}
	opt := Options{Now: testNow, Quarantine: "ou/disabled", Retired: "ou/retired"}

	tests := []struct {
		name            string
		desired, actual []Object
		opt             *Options
		want            []string
		wantWarn        []string
	}{
		{
			name:    "no change",
			desired: base,
			actual:  managed(base...),
			want:    nil,
		},
		{
			name:    "create everything",
			desired: base,
			want: []string{
				"1 create container ou/inst/1 in (root)",
				"2 create container ou/inst/1/students in ou/inst/1",
				"3 create group group/1/4a in ou/inst/1",
				"3 create user user/1 in ou/inst/1/students",
				"3 create user user/2 in ou/inst/1/students",
				"4 add-member group group/1/4a user/1",
				"4 add-member group group/1/4a user/2",
			},
		},
		{
			name: "update rename move",
			desired: []Object{school, students, with(anna, func(o *Object) {
				o.Name = "Anna Berg"
				o.Parent = "ou/inst/1"
				o.Attrs.Set("email", "ab@x.dk")
				o.Attrs.Set("title", "")
			}), bo, class},
			actual: managed(school, students, with(anna, func(o *Object) { o.Attrs.Set("title", "elev") }), bo, class),
			want: []string{
				`1 rename user user/1 -> Anna Berg`,
				`2 update user user/1 email:"anna@x.dk"->"ab@x.dk" title:"elev"->""`,
				`3 move user user/1 -> ou/inst/1`,
			},
		},
		{
			name:    "members",
			desired: []Object{school, students, anna, bo, grp("group/1/4a", "4A", "ou/inst/1", "user/2", "user/3"), usr("user/3", "Cai", "ou/inst/1")},
			actual:  managed(base...),
			want: []string{
				"1 create user user/3 in ou/inst/1",
				"2 remove-member group group/1/4a user/1",
				"3 add-member group group/1/4a user/3",
			},
		},
		{
			name:    "vanished user is disabled then quarantined",
			desired: []Object{school, students, anna, grp("group/1/4a", "4A", "ou/inst/1", "user/1")},
			actual:  managed(base...),
			want: []string{
				"1 create container ou/disabled in (root)",
				"2 create container ou/disabled/2026-11-22 in ou/disabled",
				"3 remove-member group group/1/4a user/2",
				`4 disable user user/2 date="2026-11-22"`,
				"5 move user user/2 -> ou/disabled/2026-11-22",
			},
		},
		{
			name:    "vanished user disabled in place without quarantine",
			desired: []Object{school, students, anna, grp("group/1/4a", "4A", "ou/inst/1", "user/1", "user/2")},
			actual:  managed(base...),
			opt:     &Options{Now: testNow},
			want:    []string{`1 disable user user/2 date="2026-11-22"`},
		},
		{
			name:    "protected user is kept",
			desired: []Object{school, students, anna, grp("group/1/4a", "4A", "ou/inst/1", "user/1", "user/2")},
			actual:  managed(base...),
			opt:     &Options{Now: testNow, Quarantine: "ou/disabled", Protected: []string{"bo"}},
			want:    nil,
		},
		{
			name:    "disabled user past retention is deleted",
			desired: []Object{school, students, anna},
			actual: managed(school, students, anna, ctr("ou/disabled", "disabled", ""), ctr("ou/disabled/2026-09-01", "2026-09-01", "ou/disabled"),
				with(bo, func(o *Object) {
					o.Disabled = true
					o.Parent = "ou/disabled/2026-09-01"
					o.Attrs.Set(AttrDisabledDate, "2026-09-01")
				})),
			opt:  &Options{Now: testNow, Quarantine: "ou/disabled", Retention: map[string]int{"employee": 60}},
			want: []string{"1 delete user user/2"},
		},
		{
			name:    "disabled user within retention stays",
			desired: []Object{school, students, anna},
			actual: managed(school, students, anna, ctr("ou/disabled", "disabled", ""), ctr("ou/disabled/2026-11-01", "2026-11-01", "ou/disabled"),
				with(bo, func(o *Object) {
					o.Disabled = true
					o.Parent = "ou/disabled/2026-11-01"
					o.Attrs.Set(AttrDisabledDate, "2026-11-01")
				})),
			want: nil,
		},
		{
			name:    "disabled user missing its quarantine move gets it",
			desired: []Object{school, students, anna},
			actual: managed(school, students, anna, ctr("ou/disabled", "disabled", ""),
				with(bo, func(o *Object) {
					o.Disabled = true
					o.Attrs.Set(AttrDisabledDate, "2026-11-20")
				})),
			want: []string{
				"1 create container ou/disabled/2026-11-20 in ou/disabled",
				"2 move user user/2 -> ou/disabled/2026-11-20",
			},
		},
		{
			name:    "returning user is enabled and moved back",
			desired: base,
			actual: managed(school, students, anna, class, ctr("ou/disabled", "disabled", ""), ctr("ou/disabled/2026-11-01", "2026-11-01", "ou/disabled"),
				with(bo, func(o *Object) {
					o.Disabled = true
					o.Parent = "ou/disabled/2026-11-01"
					o.Attrs.Set(AttrDisabledDate, "2026-11-01")
				})),
			want: []string{
				`1 enable user user/2 date=""`,
				"2 move user user/2 -> ou/inst/1/students",
			},
		},
		{
			name:    "vanished containers and groups are retired deepest first",
			desired: []Object{with(anna, func(o *Object) { o.Parent = "" })},
			actual: managed(school, students, with(anna, func(o *Object) { o.Parent = "" }),
				ctr("ou/inst/1/students/x", "x", "ou/inst/1/students"), grp("group/1/4a", "4A", "ou/inst/1")),
			opt: &Options{Now: testNow, Retired: "ou/retired"},
			want: []string{
				"1 create container ou/retired in (root)",
				"2 create container ou/retired/2026-11-22 in ou/retired",
				`3 disable container ou/inst/1 date="2026-11-22"`,
				`3 disable container ou/inst/1/students date="2026-11-22"`,
				`3 disable container ou/inst/1/students/x date="2026-11-22"`,
				`3 disable group group/1/4a date="2026-11-22"`,
				"4 move group group/1/4a -> ou/retired/2026-11-22",
				"5 move container ou/inst/1/students/x -> ou/retired/2026-11-22",
				"6 move container ou/inst/1/students -> ou/retired/2026-11-22",
				"7 move container ou/inst/1 -> ou/retired/2026-11-22",
			},
		},
		{
			name:    "retired group is deleted after group retention only",
			desired: nil,
			actual: managed(ctr("ou/retired", "retired", ""), ctr("ou/retired/2026-01-01", "2026-01-01", "ou/retired"),
				with(grp("group/old", "old", "ou/retired/2026-01-01"), func(o *Object) { o.Attrs = AttrsFrom(map[string]string{AttrDisabledDate: "2026-01-01"}) })),
			opt:  &Options{Now: testNow, Retired: "ou/retired", GroupRetention: 300},
			want: []string{"1 delete group group/old"},
		},
		{
			name:    "retired group is never deleted without group retention",
			desired: nil,
			actual: managed(ctr("ou/retired", "retired", ""), ctr("ou/retired/2026-01-01", "2026-01-01", "ou/retired"),
				with(grp("group/old", "old", "ou/retired/2026-01-01"), func(o *Object) { o.Attrs = AttrsFrom(map[string]string{AttrDisabledDate: "2026-01-01"}) })),
			opt:  &Options{Now: testNow, Retired: "ou/retired"},
			want: nil,
		},
		{
			name:    "unmanaged objects are left alone",
			desired: []Object{school},
			actual: append(managed(school), Object{Kind: User, Name: "admin", ID: "x1", Attrs: AttrsFrom(map[string]string{"username": "admin"})},
				Object{Kind: Container, Name: "Computers", ID: "x2"}),
			want: nil,
		},
		{
			name:    "adopt by attribute then update",
			desired: []Object{school, with(anna, func(o *Object) { o.Parent = "ou/inst/1" })},
			actual:  append(managed(school), Object{Kind: User, Name: "Anna H", ID: "x1", Parent: "ou/inst/1", Attrs: AttrsFrom(map[string]string{"username": "anna"})}),
			opt:     &Options{Now: testNow, AdoptBy: []string{"username"}},
			want: []string{
				"1 adopt user user/1",
				"2 rename user user/1 -> Anna Hansen",
				`3 update user user/1 email:""->"anna@x.dk" globalRole:""->"student"`,
			},
		},
		{
			name:    "ambiguous adoption creates nothing",
			desired: []Object{school, with(anna, func(o *Object) { o.Parent = "ou/inst/1" }), grp("group/g", "g", "ou/inst/1", "user/1")},
			actual: append(managed(school),
				Object{Kind: User, Name: "Anna H", ID: "x1", Attrs: AttrsFrom(map[string]string{"username": "anna"})},
				Object{Kind: User, Name: "Anna H2", ID: "x2", Attrs: AttrsFrom(map[string]string{"username": "anna"})}),
			opt:  &Options{Now: testNow, AdoptBy: []string{"username"}},
			want: []string{"1 create group group/g in ou/inst/1"},
			wantWarn: []string{
				`add-member "user/1" to "group/g": skipped, the member cannot be created`,
				`adopt user "user/1": 2 unmanaged objects match username (ids x1, x2); nothing is adopted or created until one remains`,
			},
		},
		{
			name:    "desired disabled user",
			desired: []Object{with(anna, func(o *Object) { o.Parent = ""; o.Disabled = true })},
			actual:  managed(with(anna, func(o *Object) { o.Parent = "" })),
			want:    []string{`1 disable user user/1 date="2026-11-22"`},
		},
		{
			name:    "container moves shallowest first",
			desired: []Object{ctr("a", "a", ""), ctr("b", "b", "a"), ctr("c", "c", "b")},
			actual:  managed(ctr("c", "c", ""), ctr("b", "b", "c"), ctr("a", "a", "b")),
			want: []string{
				"1 move container a -> (root)",
				"2 move container b -> a",
				"3 move container c -> b",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := opt
			if tc.opt != nil {
				o = *tc.opt
			}
			p, err := Compute(tc.desired, tc.actual, o)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, lines(p)); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantWarn, p.Warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			if err := p.Validate(); err != nil {
				t.Errorf("plan does not validate: %v", err)
			}
		})
	}
}

func TestComputeValidation(t *testing.T) {
	desired := []Object{
		ctr("a", "a", ""),
		ctr("a", "dup", ""),
		usr("", "nokey", ""),
		usr("user/1", "x", "nowhere", "password", "hunter2"),
		grp("group/1", "g", "user/1", "user/404"),
		ctr("c1", "c1", "c2"),
		ctr("c2", "c2", "c1"),
		grp("k", "k", ""),
	}
	actual := managed(usr("k", "k", ""))
	actual = append(actual, Object{Kind: User, Managed: true, ID: "x9"})
	_, err := Compute(desired, actual, Options{})
	if !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("err = %v, want ErrInvalidInput", err)
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err is %T", err)
	}
	got := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		got[i] = p.String()
	}
	want := []string{
		"options now: is required",
		`desired container "a" key: is not unique`,
		"desired object 2 key: is empty",
		`desired user "user/1" attrs: attribute "password" would put a secret into the plan; adapters generate passwords at create time`,
		`actual object 1 (id "x9") key: managed object without a key`,
		`desired user "user/1" parent: "nowhere" is not a desired container`,
		`desired group "group/1" parent: "user/1" is a user, not a container`,
		`desired group "group/1" members: member "user/404" is neither desired nor a managed object`,
		`desired group "k" kind: the managed actual object with this key is a user`,
		`desired container "c1" parent: containers form a cycle through "c1"`,
		`desired container "c2" parent: containers form a cycle through "c2"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Error("error message leaks the secret value")
	}
}

func TestComputeDeterministic(t *testing.T) {
	desired := []Object{ctr("a", "a", ""), usr("user/1", "x", "a"), usr("user/2", "y", "a"), grp("g", "g", "a", "user/2", "user/1")}
	var first []string
	for i := range 20 {
		// Shuffle the input order.
		d := append([]Object(nil), desired...)
		for j := range d {
			k := (j*7 + i) % len(d)
			d[j], d[k] = d[k], d[j]
		}
		p, err := Compute(d, nil, Options{Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = lines(p)
			continue
		}
		if diff := cmp.Diff(first, lines(p)); diff != "" {
			t.Fatalf("run %d differs (-first +got):\n%s", i, diff)
		}
	}
}
