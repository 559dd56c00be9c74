package stil

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/orgsync/orgsync/orgmodel"
)

// Build merges the exports (see Merge) and validates the result with
// orgmodel's rules. An institution that the model still rejects (a rule
// the decoder does not check) is held back like an unusable export: its
// Export.Err wraps orgmodel.ErrInvalid and names the first problem, and the
// rest is merged again. So one institution's bad data never stops the
// others. Build returns an error only when the snapshot stays invalid for a
// reason it cannot pin to an institution it can hold back (for instance
// invalid previous data).
func (r *Result) Build(opt MergeOptions) (orgmodel.Snapshot, []*RecordError, error) {
	var extra []*RecordError
	for round := 0; ; round++ {
		snap, problems := r.Merge(opt)
		err := snap.Validate()
		if err == nil {
			return snap, append(extra, problems...), nil
		}
		var ve *orgmodel.ValidationError
		if !errors.As(err, &ve) || round == 2 {
			return snap, append(extra, problems...), fmt.Errorf("stil: build: %w", err)
		}
		first := map[string]orgmodel.Problem{}
		for _, p := range ve.Problems {
			for _, in := range problemInstitutions(&snap, p) {
				if _, ok := first[in]; !ok {
					first[in] = p
				}
			}
		}
		held := 0
		for _, e := range r.Exports {
			p, ok := first[e.Institution.Number]
			if !ok || e.Err != nil {
				continue
			}
			e.Err = fmt.Errorf("stil: validate institution %s: %w: %s", e.Institution.Number, orgmodel.ErrInvalid, p)
			extra = append(extra, &RecordError{Path: "UNILoginExportFullMyndighed/Institution", Institution: e.Institution.Number, Skipped: true, Err: e.Err})
			held++
		}
		if held == 0 {
			return snap, append(extra, problems...), fmt.Errorf("stil: build: %w", err)
		}
	}
}

// problemInstitutions returns the institutions a validation problem is
// about, read from its record name.
func problemInstitutions(s *orgmodel.Snapshot, p orgmodel.Problem) []string {
	kind, rest, _ := strings.Cut(p.Record, " ")
	switch kind {
	case "institution":
		return []string{rest}
	case "group":
		in, _, _ := strings.Cut(rest, "/")
		return []string{in}
	case "affiliation":
		num, _, _ := strings.Cut(rest, " ")
		if i, err := strconv.Atoi(num); err == nil && i >= 0 && i < len(s.Affiliations) {
			return []string{s.Affiliations[i].Institution}
		}
	case "person":
		var out []string
		for _, a := range s.Affiliations {
			if a.PersonID == rest {
				out = append(out, a.Institution)
			}
		}
		return out
	}
	return nil
}
