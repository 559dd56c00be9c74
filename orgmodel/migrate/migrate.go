// Package migrate compares the persons of a source with the accounts that
// already exist in a directory, before orgsync writes anything there: the
// migration report. Every person is matched (with the rule that matched),
// unmatched, ambiguous or matched only outside the managed base; every
// unmanaged account under the base that matches nobody is listed. The
// report then decides adoption: a matched person keeps the existing
// account and its username (Report.Usernames), nothing is created for an
// ambiguous person or one whose account lies outside the base
// (Report.Blocked), and adoption happens per institution (Filter).
//
// The package is pure: the accounts come from an adapter (the Accounts
// method of ad.Client, entra.Client and google.Client) and the persons
// from an orgmodel snapshot (Persons).
package migrate

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// Match rules: the person attribute compared with the account attribute of
// the same meaning.
const (
	RuleCPR      = "cpr"      // CPR number
	RuleUNIID    = "uniId"    // UNI-ID (STIL)
	RuleUsername = "username" // username, compared case-insensitively
)

// DefaultRules is the order rules are tried in when none are configured:
// the CPR number first (it is the person), then the UNI-ID, then the
// username the source reserves for the person.
var DefaultRules = []string{RuleCPR, RuleUNIID, RuleUsername}

// ErrRule is returned for an unknown match rule.
var ErrRule = errors.New("migrate: unknown match rule")

// Person is one person of the source.
type Person struct {
	ID, Name     string
	CPR, UNIID   string
	Username     string // reserved by the source, if any
	Institutions []string
}

// Account is one existing user account of the directory.
type Account struct {
	ID       string // the directory's id (the DN in AD)
	Username string
	Name     string
	CPR      string
	UNIID    string
	Groups   []string // ids of the groups it is a direct member of
	Managed  bool     // already carries orgsync's management mark
	InBase   bool     // under the base orgsync manages
}

// Status is what the report says of one person.
type Status string

// The statuses of a person.
const (
	Matched   Status = "matched"   // exactly one account, under the base
	Managed   Status = "managed"   // the account already is orgsync's
	Outside   Status = "outside"   // exactly one account, outside the base: nothing is created, nothing adopted
	Ambiguous Status = "ambiguous" // several accounts, or an account several persons match
	Unmatched Status = "unmatched" // no account: adoption creates one
)

// Result is the report line of one person.
type Result struct {
	Person   Person
	Status   Status
	Rule     string   // the rule that matched (empty when unmatched)
	Accounts []string // ids of the matching accounts
	Username string   // the matched account's username
}

// Report is the migration report.
type Report struct {
	Rules   []string
	Persons []Result  // in Person.ID order
	Orphans []Account // unmanaged accounts under the base that match nobody
	// OutsideUnmatched counts the accounts outside the base that match
	// nobody (not listed: they are not orgsync's concern).
	OutsideUnmatched int
}

// Persons lists the persons of s affiliated at time at, with their
// institutions.
func Persons(s *orgmodel.Snapshot, at time.Time) []Person {
	var out []Person
	for _, p := range s.Persons {
		affs := s.AffiliationsOf(p.ID, at)
		if len(affs) == 0 {
			continue
		}
		var insts []string
		for _, a := range affs {
			if !slices.Contains(insts, a.Institution) {
				insts = append(insts, a.Institution)
			}
		}
		slices.Sort(insts)
		given, family := p.Names()
		out = append(out, Person{ID: p.ID, Name: strings.TrimSpace(given + " " + family), CPR: p.CPR, UNIID: p.UNIID,
			Username: p.Username, Institutions: insts})
	}
	return out
}

func personValue(p *Person, rule string) string {
	switch rule {
	case RuleCPR:
		return p.CPR
	case RuleUNIID:
		return p.UNIID
	case RuleUsername:
		return strings.ToLower(p.Username)
	}
	return ""
}

func accountValue(a *Account, rule string) string {
	switch rule {
	case RuleCPR:
		return a.CPR
	case RuleUNIID:
		return a.UNIID
	case RuleUsername:
		return strings.ToLower(a.Username)
	}
	return ""
}

// Compare matches persons to accounts by rules, tried in order (nil:
// DefaultRules). For each person the first rule under which the person
// has a value and some account has the same value decides: one account
// matches, several make the person ambiguous. An account that several
// persons match makes each of them ambiguous.
func Compare(persons []Person, accounts []Account, rules []string) (*Report, error) {
	if len(rules) == 0 {
		rules = DefaultRules
	}
	for _, r := range rules {
		if r != RuleCPR && r != RuleUNIID && r != RuleUsername {
			return nil, fmt.Errorf("%w %q (want %s, %s or %s)", ErrRule, r, RuleCPR, RuleUNIID, RuleUsername)
		}
	}
	type key struct{ rule, val string }
	idx := map[key][]int{}
	for i := range accounts {
		for _, r := range rules {
			if v := accountValue(&accounts[i], r); v != "" {
				idx[key{r, v}] = append(idx[key{r, v}], i)
			}
		}
	}
	rep := &Report{Rules: rules, Persons: make([]Result, 0, len(persons))}
	claimed := map[int][]int{} // account -> results
	for _, p := range persons {
		res := Result{Person: p, Status: Unmatched}
		for _, r := range rules {
			v := personValue(&p, r)
			if v == "" {
				continue
			}
			cands := idx[key{r, v}]
			if len(cands) == 0 {
				continue
			}
			res.Rule = r
			for _, c := range cands {
				res.Accounts = append(res.Accounts, accounts[c].ID)
			}
			if len(cands) > 1 {
				res.Status = Ambiguous
				break
			}
			a := &accounts[cands[0]]
			res.Username = a.Username
			switch {
			case a.Managed:
				res.Status = Managed
			case !a.InBase:
				res.Status = Outside
			default:
				res.Status = Matched
			}
			claimed[cands[0]] = append(claimed[cands[0]], len(rep.Persons))
			break
		}
		rep.Persons = append(rep.Persons, res)
	}
	for _, rs := range claimed {
		if len(rs) < 2 {
			continue
		}
		for _, i := range rs {
			rep.Persons[i].Status = Ambiguous
			rep.Persons[i].Username = ""
		}
	}
	seen := map[int]bool{}
	for i := range accounts {
		if _, ok := claimed[i]; ok {
			seen[i] = true
		}
	}
	for _, rs := range rep.Persons {
		if rs.Status == Ambiguous {
			for _, id := range rs.Accounts {
				for i := range accounts {
					if accounts[i].ID == id {
						seen[i] = true
					}
				}
			}
		}
	}
	for i, a := range accounts {
		if seen[i] || a.Managed {
			continue
		}
		if a.InBase {
			rep.Orphans = append(rep.Orphans, a)
		} else {
			rep.OutsideUnmatched++
		}
	}
	slices.SortFunc(rep.Persons, func(a, b Result) int { return cmp.Compare(a.Person.ID, b.Person.ID) })
	slices.SortFunc(rep.Orphans, func(a, b Account) int { return cmp.Compare(a.ID, b.ID) })
	return rep, nil
}

// Usernames maps the ID of every matched or managed person to the
// username of the account: adoption keeps it.
func (r *Report) Usernames() map[string]string {
	out := map[string]string{}
	for _, p := range r.Persons {
		if (p.Status == Matched || p.Status == Managed) && p.Username != "" {
			out[p.Person.ID] = p.Username
		}
	}
	return out
}

// Blocked is the set of person IDs for whom nothing may be created or
// adopted: ambiguous persons and persons whose account lies outside the
// base. The administrator resolves them (merges the duplicates, moves the
// account under the base) and runs the report again.
func (r *Report) Blocked() map[string]bool {
	out := map[string]bool{}
	for _, p := range r.Persons {
		if p.Status == Ambiguous || p.Status == Outside {
			out[p.Person.ID] = true
		}
	}
	return out
}

// Count returns how many persons have status s.
func (r *Report) Count(s Status) int {
	n := 0
	for _, p := range r.Persons {
		if p.Status == s {
			n++
		}
	}
	return n
}
