package provision

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/orgsync/orgsync/adapters/payroll"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/yearroll"
)

// ErrSchoolYearBackwards is returned (wrapped, with ErrInput) when the
// snapshot's school year is earlier than the one the state was last built
// for. Such a source is refused, never rolled: a year roll backwards would
// rename this year's classes into last year's. Either the source is wrong
// (an old export) or the deployment is being started again, in which case
// remove the state (and what orgsync created in the target).
var ErrSchoolYearBackwards = errors.New("school year went backwards")

// yearRoll rolls the classes when the snapshot's school year is later
// than the state's: last year's classes are matched to this year's
// (yearroll.Roll) and the matched classes take over last year's
// identities in st.ClassIDs. It does nothing for the same school year, a
// first run, or a school year missing on either side, and refuses a
// school year that went backwards (ErrSchoolYearBackwards).
func (r *run) yearRoll(st *State, snap *orgmodel.Snapshot) (*yearroll.Result, error) {
	if st.Previous == nil || st.SchoolYear == "" || snap.SchoolYear == "" || st.SchoolYear == snap.SchoolYear {
		return nil, nil
	}
	was, ok1 := orgmodel.ParseSchoolYear(st.SchoolYear)
	now, ok2 := orgmodel.ParseSchoolYear(snap.SchoolYear)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("year roll: %w: cannot compare school years %q (state) and %q (snapshot)", ErrInput, st.SchoolYear, snap.SchoolYear)
	}
	if now < was {
		return nil, fmt.Errorf("year roll: %w: %w: the state was last built for %s, the snapshot is for %s; nothing was done. "+
			"Check the source; to start afresh, remove the state", ErrInput, ErrSchoolYearBackwards, st.SchoolYear, snap.SchoolYear)
	}
	prevAt := st.PreviousAt
	if prevAt.IsZero() {
		prevAt = r.Now
	}
	oldC, newC := yearroll.FromSnapshotsAt(st.Previous, prevAt, snap, r.Now)
	roll := yearroll.Roll(oldC, newC, yearroll.Options{})
	st.ClassIDs = desired.CarryClassIDs(st.ClassIDs, roll.Lineage())
	fmt.Fprintf(r.out, "School year changed %s -> %s: year roll\n", st.SchoolYear, snap.SchoolYear)
	if err := roll.Explain(r.out); err != nil {
		return nil, err
	}
	return &roll, nil
}

// payrollGroups reads the payroll export, if configured, and returns the
// active and inactive employee groups.
func (c *Config) payrollGroups(s *orgmodel.Snapshot, now time.Time, out io.Writer) ([]orgmodel.LogicalGroup, error) {
	if c.Payroll == nil || c.Payroll.File == "" {
		return nil, nil
	}
	f, err := os.Open(c.Payroll.File)
	if err != nil {
		return nil, fmt.Errorf("payroll: %w", err)
	}
	defer f.Close()
	var emps []payroll.Employment
	switch c.Payroll.Format {
	case "opus", "":
		emps, err = payroll.ReadOPUS(f)
	case "csv":
		emps, err = payroll.ReadCSV(f)
	case "os2sofd":
		emps, err = payroll.ReadSOFD(f)
	default:
		return nil, fmt.Errorf("%w: payroll.format %q: want opus, csv or os2sofd", ErrConfig, c.Payroll.Format)
	}
	if err != nil {
		return nil, fmt.Errorf("payroll %s: %w: %w", c.Payroll.File, ErrInput, err)
	}
	res := payroll.Groups(s, emps, now)
	fmt.Fprintf(out, "Payroll check: %d active, %d inactive employees; %d active employments match nobody.\n",
		len(res.Active.Members), len(res.Inactive.Members), len(res.Unmatched))
	return []orgmodel.LogicalGroup{res.Active, res.Inactive}, nil
}
