package diff

import (
	"slices"
)

// Outcome errors of reconciled records (AuditRecord.Err with Reconciled).
const (
	// ReconciledNotApplied: the actual state shows the change was not
	// carried out before the crash.
	ReconciledNotApplied = "interrupted: not applied"
	// ReconciledUnknown: the actual state cannot tell (e.g. an update of
	// hidden attributes only).
	ReconciledUnknown = "interrupted: outcome unknown"
)

// Reconcile completes the intents a crash left open (intent records
// without an outcome, see JSONLAuditor.Open) from the actual state read
// after the crash. It returns one outcome record per intent, in the order
// given, with Reconciled set and Err empty when actual shows the change
// was carried out, ReconciledNotApplied when it shows it was not, and
// ReconciledUnknown when it cannot tell. Time and Actor are left for the
// caller (Apply fills them in). Thus every object orgsync created has its
// create record: the intent, with an outcome that says it was applied.
//
// The decision per action: Create and Adopt happened when a managed
// object with the Key exists; Delete when none does; Move when the object
// is under the intent's Parent; Rename when it has the intent's Name;
// Update when every attribute not hidden has its after value; Enable and
// Disable by the object's Disabled flag; AddMember and RemoveMember by the
// group's Members.
func Reconcile(open []AuditRecord, actual []Object) []AuditRecord {
	if len(open) == 0 {
		return nil
	}
	byKey := make(map[string]*Object, len(actual))
	for i := range actual {
		if actual[i].Managed && actual[i].Key != "" {
			byKey[actual[i].Key] = &actual[i]
		}
	}
	out := make([]AuditRecord, 0, len(open))
	for _, in := range open {
		r := AuditRecord{Phase: PhaseOutcome, Op: in.Op, Action: in.Action, Kind: in.Kind, Key: in.Key, Member: in.Member, Reconciled: true}
		switch happened(&in, byKey[in.Key]) {
		case yes:
		case no:
			r.Err = ReconciledNotApplied
		default:
			r.Err = ReconciledUnknown
		}
		out = append(out, r)
	}
	return out
}

type tri int

const (
	unknown tri = iota
	yes
	no
)

func truth(b bool) tri {
	if b {
		return yes
	}
	return no
}

// happened tells from the actual object o (nil when absent) whether the
// intent in was carried out.
func happened(in *AuditRecord, o *Object) tri {
	exists := o != nil
	switch in.Action {
	case Create, Adopt:
		return truth(exists)
	case Delete:
		return truth(!exists)
	}
	if !exists {
		return no
	}
	switch in.Action {
	case Move:
		return truth(o.Parent == in.Parent)
	case Rename:
		return truth(o.Name == in.Name)
	case Enable:
		return truth(!o.Disabled)
	case Disable:
		return truth(o.Disabled)
	case AddMember:
		return truth(slices.Contains(o.Members, in.Member))
	case RemoveMember:
		return truth(!slices.Contains(o.Members, in.Member))
	case Update:
		compared := false
		for _, a := range in.Attrs {
			if Sensitive(a.Name) {
				continue
			}
			compared = true
			if o.Attrs.Get(a.Name) != a.After {
				return no
			}
		}
		if compared {
			return yes
		}
	}
	return unknown
}
