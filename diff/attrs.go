package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strings"
)

// Attr is one attribute of an Object: a neutral name and its value.
type Attr struct {
	Name  string
	Value string
}

// Attrs are an object's flat attributes: name/value pairs sorted by name,
// each name at most once. The zero value is an empty set.
//
// Attrs is a sorted slice rather than a map because a directory object has
// about a dozen attributes and a national plan holds millions of objects: a
// slice is one allocation, a map of that size four, and comparing two sorted
// slices is a merge. Build Attrs with Set, AttrsFrom or by appending pairs in
// name order; Compute reports unsorted or duplicated names as invalid input.
//
// In JSON, Attrs is an object {"name": "value", ...} with the names in
// order, the same shape a map[string]string has.
type Attrs []Attr

// AttrsFrom returns the attributes of m, sorted by name. A nil or empty map
// gives nil.
func AttrsFrom(m map[string]string) Attrs {
	if len(m) == 0 {
		return nil
	}
	a := make(Attrs, 0, len(m))
	for k, v := range m {
		a = append(a, Attr{k, v})
	}
	slices.SortFunc(a, func(x, y Attr) int { return strings.Compare(x.Name, y.Name) })
	return a
}

// Map returns the attributes as a new map; nil when there are none.
func (a Attrs) Map() map[string]string {
	if len(a) == 0 {
		return nil
	}
	m := make(map[string]string, len(a))
	for _, x := range a {
		m[x.Name] = x.Value
	}
	return m
}

// find returns the index of name in a, or where it would be inserted, and
// whether it is there. Sets of up to a dozen names are scanned, larger ones
// searched by halves.
func (a Attrs) find(name string) (int, bool) {
	if len(a) <= 16 {
		for i := range a {
			if c := strings.Compare(a[i].Name, name); c >= 0 {
				return i, c == 0
			}
		}
		return len(a), false
	}
	return slices.BinarySearchFunc(a, name, func(x Attr, n string) int { return strings.Compare(x.Name, n) })
}

// Get returns the value of name, or "" when it is not set.
func (a Attrs) Get(name string) string {
	if i, ok := a.find(name); ok {
		return a[i].Value
	}
	return ""
}

// Lookup returns the value of name and whether it is set.
func (a Attrs) Lookup(name string) (string, bool) {
	if i, ok := a.find(name); ok {
		return a[i].Value, true
	}
	return "", false
}

// Has reports whether name is set (possibly to "").
func (a Attrs) Has(name string) bool {
	_, ok := a.find(name)
	return ok
}

// Set sets name to value, keeping the names sorted. Like append, it writes
// into the slice's backing array (an existing value, or the names moved up
// for a new one when there is room), so an Attrs shared by two objects (a
// plain copy of an Object, not a Clone) must be cloned before either is
// changed.
func (a *Attrs) Set(name, value string) {
	i, ok := a.find(name)
	if ok {
		(*a)[i].Value = value
		return
	}
	*a = slices.Insert(*a, i, Attr{name, value})
}

// Delete removes name; a missing name is not an error.
func (a *Attrs) Delete(name string) {
	if i, ok := a.find(name); ok {
		*a = slices.Delete(*a, i, i+1)
		if len(*a) == 0 {
			*a = nil
		}
	}
}

// Clone returns a copy that shares nothing with a.
func (a Attrs) Clone() Attrs { return slices.Clone(a) }

// Equal reports whether a and b hold the same names and values. A nil and
// an empty set are equal.
func (a Attrs) Equal(b Attrs) bool { return slices.Equal(a, b) }

// All yields the name/value pairs in name order.
func (a Attrs) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, x := range a {
			if !yield(x.Name, x.Value) {
				return
			}
		}
	}
}

// Names returns the attribute names in order.
func (a Attrs) Names() []string {
	out := make([]string, len(a))
	for i, x := range a {
		out[i] = x.Name
	}
	return out
}

// sorted reports whether the names are strictly increasing, and if not the
// first name out of order or repeated.
func (a Attrs) sorted() (string, bool) {
	for i := 1; i < len(a); i++ {
		if a[i-1].Name >= a[i].Name {
			return a[i].Name, false
		}
	}
	return "", true
}

// MarshalJSON encodes the attributes as a JSON object in name order.
func (a Attrs) MarshalJSON() ([]byte, error) {
	if a == nil {
		return []byte("null"), nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, x := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(x.Name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(x.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON decodes a JSON object of string values (or null). A name
// given twice keeps its last value, as with a map.
func (a *Attrs) UnmarshalJSON(data []byte) error {
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("diff: attrs: %w", err)
	}
	*a = AttrsFrom(m)
	return nil
}
