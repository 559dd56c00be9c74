package diff

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestAttrsSetGetDelete(t *testing.T) {
	var a Attrs
	a.Set("username", "anso")
	a.Set("cpr", "0101101234")
	a.Set("email", "")
	a.Set("username", "anso2")
	if got := a.Names(); !slices.Equal(got, []string{"cpr", "email", "username"}) {
		t.Fatalf("Names = %q, want sorted cpr, email, username", got)
	}
	if got := a.Get("username"); got != "anso2" {
		t.Errorf(`Get("username") = %q, want the last value set`, got)
	}
	if v, ok := a.Lookup("email"); !ok || v != "" {
		t.Errorf(`Lookup("email") = %q, %v; want "", true (set to empty)`, v, ok)
	}
	if _, ok := a.Lookup("title"); ok || a.Has("title") || a.Get("title") != "" {
		t.Error(`"title" is reported as set`)
	}
	a.Delete("cpr")
	a.Delete("missing")
	if got := a.Names(); !slices.Equal(got, []string{"email", "username"}) {
		t.Errorf("after Delete Names = %q", got)
	}
	a.Delete("email")
	a.Delete("username")
	if a != nil {
		t.Errorf("emptied Attrs = %#v, want nil", a)
	}
}

// TestAttrsAgainstMap drives Attrs and a map with the same random
// operations, on sets small enough to be scanned and large enough to be
// searched by halves.
func TestAttrsAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, names := range []int{5, 40} {
		var a Attrs
		m := map[string]string{}
		for step := range 3000 {
			name := fmt.Sprintf("a%02d", r.IntN(names))
			switch r.IntN(3) {
			case 0, 1:
				v := fmt.Sprint(step)
				a.Set(name, v)
				m[name] = v
			case 2:
				a.Delete(name)
				delete(m, name)
			}
			if _, ok := a.sorted(); !ok {
				t.Fatalf("step %d: names out of order: %q", step, a.Names())
			}
			if !maps.Equal(a.Map(), m) && !(len(m) == 0 && a == nil) {
				t.Fatalf("step %d: Attrs %v, map %v", step, a.Map(), m)
			}
			probe := fmt.Sprintf("a%02d", r.IntN(names+2))
			v, ok := a.Lookup(probe)
			mv, mok := m[probe]
			if v != mv || ok != mok {
				t.Fatalf("step %d: Lookup(%q) = %q, %v; map has %q, %v", step, probe, v, ok, mv, mok)
			}
		}
	}
}

func TestAttrsFromAndMap(t *testing.T) {
	m := map[string]string{"z": "1", "a": "2", "M": "3"}
	a := AttrsFrom(m)
	if got := a.Names(); !slices.Equal(got, []string{"M", "a", "z"}) {
		t.Errorf("AttrsFrom names = %q, want byte order", got)
	}
	if !maps.Equal(a.Map(), m) {
		t.Errorf("Map() = %v, want %v", a.Map(), m)
	}
	if AttrsFrom(nil) != nil || AttrsFrom(map[string]string{}) != nil || Attrs(nil).Map() != nil {
		t.Error("empty sets do not map to nil")
	}
	var seen []string
	for k, v := range a.All() {
		seen = append(seen, k+"="+v)
		if k == "a" {
			break
		}
	}
	if !slices.Equal(seen, []string{"M=3", "a=2"}) {
		t.Errorf("All() with break yielded %q", seen)
	}
	b := a.Clone()
	b.Set("a", "changed")
	if a.Get("a") != "2" || a.Equal(b) || !a.Equal(AttrsFrom(m)) {
		t.Error("Clone shares its values, or Equal is wrong")
	}
}

func TestAttrsJSON(t *testing.T) {
	o := Object{Kind: User, Key: "user/1", Name: "Åse", Attrs: AttrsFrom(map[string]string{
		"username": "aseo", "displayName": "Åse \"Ø\" <x>", "empty": ""})}
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	// The same bytes a map[string]string encodes to: keys in order,
	// HTML characters escaped.
	want, _ := json.Marshal(map[string]any{"kind": "user", "key": "user/1", "name": "Åse",
		"attrs": map[string]string{"username": "aseo", "displayName": "Åse \"Ø\" <x>", "empty": ""}})
	var x, y any
	_ = json.Unmarshal(b, &x)
	_ = json.Unmarshal(want, &y)
	if fmt.Sprint(x) != fmt.Sprint(y) || !strings.Contains(string(b), `"attrs":{"displayName":"Åse \"Ø\" \u003cx\u003e","empty":"","username":"aseo"}`) {
		t.Errorf("JSON = %s\nwant the map shape %s", b, want)
	}
	var back Object
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Attrs.Equal(o.Attrs) {
		t.Errorf("round trip = %v, want %v", back.Attrs, o.Attrs)
	}
	if b, _ := json.Marshal(Object{Kind: User}); strings.Contains(string(b), "attrs") {
		t.Errorf("empty Attrs encoded: %s", b)
	}
	for _, bad := range []string{`{"attrs":{"a":1}}`, `{"attrs":["a"]}`, `{"attrs":"x"}`} {
		var o Object
		if err := json.Unmarshal([]byte(bad), &o); err == nil {
			t.Errorf("%s decoded without error", bad)
		}
	}
}

func TestComputeRejectsUnsortedAttrs(t *testing.T) {
	d := usr("user/1", "Anna", "", "username", "anna")
	d.Attrs = Attrs{{Name: "username", Value: "anna"}, {Name: "cpr", Value: "x"}}
	a := usr("user/1", "Anna", "", "username", "anna")
	a.Managed, a.ID = true, "1"
	a.Attrs = append(a.Attrs, Attr{Name: "username", Value: "again"})
	_, err := Compute([]Object{d}, []Object{a}, Options{Now: testNow})
	if !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("err = %v, want ErrInvalidInput", err)
	}
	msg := err.Error()
	for _, want := range []string{`desired user "user/1" attrs: attribute "cpr" is out of name order`, `actual object 0 (id "1") attrs: attribute "username" is out of name order or repeated`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
}

func FuzzAttrsJSON(f *testing.F) {
	for _, s := range []string{`{}`, `null`, `{"a":"1","b":"2"}`, `{"b":"1","a":"2","a":"3"}`, `{"\u00e6":"\ud83d\ude00"}`, `[]`, `{"a":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a Attrs
		if err := json.Unmarshal(data, &a); err != nil {
			return
		}
		if name, ok := a.sorted(); !ok {
			t.Fatalf("decoded %q out of order at %q", data, name)
		}
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var back Attrs
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", b, err)
		}
		if !back.Equal(a) {
			t.Fatalf("round trip of %q: %v != %v", data, back, a)
		}
	})
}
