package orgmodel

// CPRType classifies a person's civil registration number as the source
// does (STIL's CivilRegistrationNumberType).
type CPRType string

// CPR types.
const (
	CPRVerified    CPRType = "CPR_VERIFIED"       // checked against the CPR register
	CPRUnverified  CPRType = "CPR_UNVERIFIED"     // a CPR number not (yet) checked
	CPRReplacement CPRType = "CPR_REPLACEMENT_ID" // a replacement id, not a CPR: see Person.ReplacementID
	CPRUnknownType CPRType = "CPR_UNKNOWN_TYPE"   // the source does not know
)

// Valid reports whether t is empty or one of the known CPR types.
func (t CPRType) Valid() bool {
	switch t {
	case "", CPRVerified, CPRUnverified, CPRReplacement, CPRUnknownType:
		return true
	}
	return false
}

// Human returns the ID that stands for the human behind the person record:
// SameAs when the record is linked to another one, otherwise its own ID.
// Two records with the same Human are one human with two accounts.
func (p Person) Human() string {
	if p.SameAs != "" {
		return p.SameAs
	}
	return p.ID
}

// checkIdentity adds the rules for CPRType, ReplacementID and SameAs to
// Validate's problems.
func (s *Snapshot) checkIdentity(ps *problems) {
	for i := range s.Persons {
		p := &s.Persons[i]
		rec := "person " + p.ID
		if !p.CPRType.Valid() {
			ps.add(rec, "cprType", "unknown cpr type %q", p.CPRType)
		}
		if p.CPRType == CPRReplacement && p.CPR != "" {
			ps.add(rec, "cpr", "set although the cpr type is %s (a replacement id goes in replacementId)", CPRReplacement)
		}
		if p.ReplacementID != "" && p.CPRType != CPRReplacement {
			ps.add(rec, "replacementId", "set although the cpr type is not %s", CPRReplacement)
		}
		if p.SameAs == "" {
			continue
		}
		j, ok := s.idx.persons[p.SameAs]
		switch {
		case p.SameAs == p.ID:
			ps.add(rec, "sameAs", "links the person to itself")
		case !ok:
			ps.add(rec, "sameAs", "unknown person %q", p.SameAs)
		case s.Persons[j].SameAs != "":
			ps.add(rec, "sameAs", "person %q is itself linked; link to the primary record", p.SameAs)
		}
	}
}
