package naming

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Source tells where an assigned username came from.
type Source uint8

// Sources of a username.
const (
	SourceNone      Source = iota // no username (see the error)
	SourceExisting                // Person.Existing, kept unchanged
	SourceReserved                // Person.Reserved, reserved by the source
	SourceGenerated               // made by the standard
)

// String returns "none", "existing", "reserved" or "generated".
func (s Source) String() string {
	switch s {
	case SourceExisting:
		return "existing"
	case SourceReserved:
		return "reserved"
	case SourceGenerated:
		return "generated"
	}
	return "none"
}

// Assignment is the username given to one person by Assign.
type Assignment struct {
	PersonID string
	Username string // "" when the person got none (see the error)
	Source   Source
}

// Assign gives usernames to many persons at once and returns one Assignment
// per input entry, in order. Within the batch it keeps the rules of
// Username and adds:
//
//   - every Existing, then every Reserved username is claimed before any is
//     generated, so a generated name never takes a name that belongs to a
//     later person of the batch;
//   - entries with the same ID are one person and get one username (the
//     first Existing, else the first Reserved, found among them);
//   - generated names are unique in the batch and checked against the
//     Checker only when not already known taken, and sequence standards
//     resume where the previous person with the same letters stopped, so
//     the cost grows linearly with the batch.
//
// Per-person problems (*ExhaustedError, *ConflictError, an invalid reserved
// username) are joined into the returned error while the other persons are
// still assigned. A Checker error or a cancelled ctx stops the batch and is
// returned with the assignments made so far. Assign records nothing: store
// the results where the Checker will see them.
func (g *Generator) Assign(ctx context.Context, persons []Person) ([]Assignment, error) {
	out := make([]Assignment, len(persons))
	// holder maps each lower-case username given out in the batch to the
	// entry that holds it.
	holder := make(map[string]int, len(persons))
	cursors := map[string]uint64{}
	var problems []error

	// One person per ID: first index of each ID, with merged names.
	first := make(map[string]int, len(persons))
	merged := make([]Person, len(persons))
	primary := make([]int, len(persons)) // index of the entry that decides
	for i, p := range persons {
		primary[i] = i
		merged[i] = p
		if p.ID == "" {
			continue
		}
		j, ok := first[p.ID]
		if !ok {
			first[p.ID] = i
			continue
		}
		primary[i] = j
		m := &merged[j]
		if m.Existing == "" {
			m.Existing = p.Existing
		}
		if m.Reserved == "" {
			m.Reserved = p.Reserved
		}
	}

	claim := func(i int, name string, src Source) {
		p := merged[i]
		key := strings.ToLower(name)
		if h, ok := holder[key]; ok && h != i {
			problems = append(problems, &ConflictError{Username: name, PersonID: p.ID, HolderID: merged[h].ID})
			return
		}
		holder[key] = i
		out[i] = Assignment{PersonID: p.ID, Username: name, Source: src}
	}
	for i := range persons {
		if primary[i] == i && merged[i].Existing != "" {
			claim(i, merged[i].Existing, SourceExisting)
		}
	}
	for i := range persons {
		p := merged[i]
		if primary[i] != i || p.Existing != "" || p.Reserved == "" {
			continue
		}
		if err := ValidUsername(p.Reserved); err != nil {
			problems = append(problems, fmt.Errorf("assign username for person %q: reserved username: %w", p.ID, err))
			continue
		}
		claim(i, p.Reserved, SourceReserved)
	}
	for i := range persons {
		p := merged[i]
		if primary[i] != i || p.Existing != "" || p.Reserved != "" {
			continue
		}
		name, err := g.generate(ctx, p, holder, cursors)
		if err != nil {
			if errors.Is(err, ErrExhausted) {
				problems = append(problems, err)
				continue
			}
			fill(out, persons, primary)
			return out, errors.Join(append(problems, err)...)
		}
		claim(i, name, SourceGenerated)
	}
	fill(out, persons, primary)
	return out, errors.Join(problems...)
}

// fill copies each person's assignment to the later entries of the same ID
// and sets PersonID everywhere.
func fill(out []Assignment, persons []Person, primary []int) {
	for i := range out {
		if j := primary[i]; j != i {
			out[i] = out[j]
		}
		out[i].PersonID = persons[i].ID
	}
}
