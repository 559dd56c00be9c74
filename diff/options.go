package diff

import (
	"time"

	"github.com/orgsync/orgsync/diff/attr"
)

// DateLayout is the layout of the ISO dates orgsync writes into
// AttrDisabledDate and into the names of dated quarantine containers.
const DateLayout = "2006-01-02"

// AttrUsername is the neutral attribute that holds a user's login name; the
// protected (keep-alive) list matches it as well as keys. Same as
// attr.Username.
const AttrUsername = attr.Username

// Options configures Compute. The zero value plans without quarantine,
// retirement containers or adoption, and deletes disabled objects 60 days
// after they were disabled; Now is required.
type Options struct {
	// Now is the time the plan is made for. It decides the date written
	// into AttrDisabledDate, the dated quarantine containers and whether
	// an object's retention has run out. Required.
	Now time.Time
	// Quarantine is the Key of the container disabled users are moved to,
	// e.g. "ou/disabled"; they land in a dated child
	// "<Quarantine>/<YYYY-MM-DD>" (the date they were disabled), which the
	// plan creates when missing. "" disables users in place.
	Quarantine string
	// Retired is the Key of the container retired containers and groups
	// are moved to, e.g. "ou/retired", again under a dated child. "" leaves
	// them in place (marked with AttrDisabledDate only).
	Retired string
	// Retention gives the days a disabled user is kept before it is
	// deleted, by the user's Attrs.Get(AttrGlobalRole) ("student", "employee",
	// "external"). A role missing from the map uses DefaultRetention. A
	// negative value never deletes; 0 deletes on the first plan made after
	// the disable was applied.
	Retention map[string]int
	// DefaultRetention is the retention in days for roles not in
	// Retention: 60 when zero, never delete when negative.
	DefaultRetention int
	// GroupRetention is the number of days a retired group is kept before
	// it is deleted; 0 (or negative) never deletes groups. Containers are
	// never deleted.
	GroupRetention int
	// Protected lists Keys or usernames (Attrs.Get("username")) of objects that
	// are never disabled, moved to quarantine or deleted, even when they
	// vanish from the desired state: the keep-alive list.
	Protected []string
	// AdoptBy lists attribute names, tried in order. A desired object with
	// no managed actual counterpart adopts the unmanaged actual object of
	// the same kind whose value of the first such attribute the desired
	// object has (non-empty) is equal. A match that is not one-to-one is
	// not adopted and reported in Plan.Warnings instead (nothing is created
	// for it, so a person never ends up with two accounts).
	AdoptBy []string
}

// defaultRetentionDays is the retention used when Options.DefaultRetention
// is zero.
const defaultRetentionDays = 60

// retention returns the number of days a disabled object of the given kind
// and role is kept, and false when it is never deleted.
func (o *Options) retention(kind Kind, role string) (int, bool) {
	switch kind {
	case Container:
		return 0, false
	case Group:
		if o.GroupRetention <= 0 {
			return 0, false
		}
		return o.GroupRetention, true
	}
	days, ok := o.Retention[role]
	if !ok {
		days = o.DefaultRetention
		if days == 0 {
			days = defaultRetentionDays
		}
	}
	if days < 0 {
		return 0, false
	}
	return days, true
}
