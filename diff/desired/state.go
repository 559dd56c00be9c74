package desired

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/orgsync/orgsync/naming"
	"github.com/orgsync/orgsync/orgmodel"
)

// State is what a deployment must remember between runs so that identities
// stay stable: the username given to each person (a username never changes
// once given) and the stable identity of each class across school years.
// It is plain data; callers persist it (the starter binaries keep it in a
// JSON file next to their other state).
type State struct {
	// SchoolYear is the school year the state was last built for.
	SchoolYear string `json:"schoolYear,omitempty"`
	// Usernames maps person IDs to usernames.
	Usernames map[string]string `json:"usernames"`
	// ClassIDs maps a class's group key to its stable class identity.
	ClassIDs map[string]string `json:"classIds,omitempty"`
}

// UsernameAssigner gives usernames to a batch of persons;
// *naming.Generator implements it.
type UsernameAssigner interface {
	Assign(ctx context.Context, persons []naming.Person) ([]naming.Assignment, error)
}

// AssignUsernames gives every person who is affiliated at time at and has
// no username yet a new one, and returns the complete map. Existing entries
// and usernames reserved by the source (Person.Username) are kept as they
// are: a username never changes. The assigner's checker should see every
// username already in use in every target. Per-person problems (a standard
// exhausted, two persons claiming one reserved name) are returned joined,
// with the map of everyone else; Build then reports the persons left
// without a username, so nothing is planned for them by mistake.
func AssignUsernames(ctx context.Context, s *orgmodel.Snapshot, at time.Time, existing map[string]string, gen UsernameAssigner) (map[string]string, error) {
	out := maps.Clone(existing)
	if out == nil {
		out = map[string]string{}
	}
	var batch []naming.Person
	for _, p := range s.Persons {
		if _, ok := out[p.ID]; !ok && p.Username == "" && len(s.AffiliationsOf(p.ID, at)) == 0 {
			continue
		}
		given, family := p.Names()
		batch = append(batch, naming.Person{ID: p.ID, GivenName: given, FamilyName: family,
			Reserved: p.Username, Existing: out[p.ID]})
	}
	// Deterministic order under a seeded generator.
	slices.SortFunc(batch, func(a, b naming.Person) int { return strings.Compare(a.ID, b.ID) })
	got, err := gen.Assign(ctx, batch)
	for _, a := range got {
		if a.Username != "" {
			out[a.PersonID] = a.Username
		}
	}
	if err != nil {
		return out, fmt.Errorf("assign usernames: %w", summarise(err, 20))
	}
	return out, nil
}

// summarise keeps a joined error readable: at most max of its errors are
// listed, followed by how many more there are. errors.Is and errors.As
// still see every one of them.
func summarise(err error, max int) error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok || len(j.Unwrap()) <= max {
		return err
	}
	return &manyErrors{errs: j.Unwrap(), max: max}
}

type manyErrors struct {
	errs []error
	max  int
}

func (m *manyErrors) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d problems, the first %d:", len(m.errs), m.max)
	for _, e := range m.errs[:m.max] {
		sb.WriteString("\n\t")
		sb.WriteString(e.Error())
	}
	fmt.Fprintf(&sb, "\n\t... and %d more", len(m.errs)-m.max)
	return sb.String()
}

func (m *manyErrors) Unwrap() []error { return m.errs }

// CarryClassIDs returns the class identities after a year roll: every
// identity in prev is kept, and each new class that the year roll matched
// to an old class (lineage maps new group key to old group key, as
// yearroll.Result.Lineage returns it) takes over the old class's identity,
// so that its directory objects are renamed instead of recreated.
func CarryClassIDs(prev, lineage map[string]string) map[string]string {
	out := maps.Clone(prev)
	if out == nil {
		out = map[string]string{}
	}
	for newKey, oldKey := range lineage {
		id := oldKey
		if p, ok := prev[oldKey]; ok && p != "" {
			id = p
		}
		out[newKey] = id
	}
	return out
}

// classIdentities returns the class identities Build uses: ids without
// the entries that would give two classes of s (main groups valid at at)
// one identity, which would make two directory objects with one key. A
// class keeps the identity carried to it unless that identity is the
// group key of another class in the source (that class is still there and
// keeps its own objects; a STIL export can hold last year's and this
// year's classes around the change of year) or a class earlier in key
// order took it already. Such a class falls back to its own group key,
// which no other class can then hold.
func classIdentities(s *orgmodel.Snapshot, at time.Time, ids map[string]string) map[string]string {
	if len(ids) == 0 {
		return ids
	}
	present := map[string]bool{}
	var keys []string
	for i := range s.Groups {
		g := &s.Groups[i]
		if g.Type != orgmodel.Hovedgruppe || !g.Valid.Contains(at) {
			continue
		}
		if k := g.Key(); !present[k] {
			present[k] = true
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := make(map[string]string, len(keys))
	taken := map[string]bool{}
	for _, k := range keys {
		id := ids[k]
		if id == "" || id == k || present[id] || taken[id] {
			continue
		}
		taken[id] = true
		out[k] = id
	}
	return out
}
