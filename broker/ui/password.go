package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel"
)

// PasswordTarget is a directory holding pupils' passwords (AD over LDAPS;
// Entra and Google where they are not synced from AD). In a hybrid tenant,
// where Entra accounts are synced from AD, only AD is a target.
type PasswordTarget struct {
	Name string
	// Set sets the person's password in the target; it must not log it.
	// An error matching diff.ErrNotFound means the target does not hold
	// the person: it is passed over.
	Set func(ctx context.Context, personID, password string) error
	// Check, when set, reports whether the target would take the password
	// (Google: 8–100 ASCII characters; Entra ID: its password policy).
	// Every target's Check runs before any target is written, so that a
	// password is never set in one directory and refused by the next. Its
	// error must not hold the password.
	Check func(password string) error
	// Also names directories that get the password from this one through
	// synchronisation (a hybrid tenant: Entra ID synced from AD); the page
	// says so, and they are not written.
	Also []string
}

// PasswordRule is the password policy of the pupils up to a grade. AD
// refuses passwords weaker than the policy that applies to the account,
// so each rule weaker than the domain policy needs a group of those
// pupils and a fine-grained password policy (PSO) applied to it (see
// docs/PASSWORDS.md).
type PasswordRule struct {
	// MaxGrade is the highest grade (class level, 0 = kindergarten
	// class) the rule applies to.
	MaxGrade int
	// MinLength is the least number of characters; Classes the number of
	// character classes (lower case, upper case, digits, others) needed.
	MinLength, Classes int
}

// DefaultPasswordRules: grades 0–2 six characters of any kind, grades
// 3–6 eight characters of two classes, older pupils twelve characters of
// three classes (as the domain policy commonly demands).
var DefaultPasswordRules = []PasswordRule{{MaxGrade: 2, MinLength: 6, Classes: 1}, {MaxGrade: 6, MinLength: 8, Classes: 2}, {MaxGrade: 99, MinLength: 12, Classes: 3}}

// ErrWeakPassword is returned by Check for a password the rule refuses.
var ErrWeakPassword = errors.New("password too weak")

// rule returns the rule of grade (the strictest when the grade is unknown).
func rule(rules []PasswordRule, grade int, known bool) PasswordRule {
	if len(rules) == 0 {
		rules = DefaultPasswordRules
	}
	if known {
		for _, r := range rules {
			if grade <= r.MaxGrade {
				return r
			}
		}
	}
	return slices.MaxFunc(rules, func(a, b PasswordRule) int { return a.MinLength*10 + a.Classes - b.MinLength*10 - b.Classes })
}

// Check reports whether pw satisfies the rule.
func (r PasswordRule) Check(pw string) error {
	if n := len([]rune(pw)); n < r.MinLength {
		return fmt.Errorf("%w: %d characters, want at least %d", ErrWeakPassword, n, r.MinLength)
	}
	var lower, upper, digit, other int
	for _, c := range pw {
		switch {
		case unicode.IsControl(c):
			return fmt.Errorf("%w: control characters are not allowed", ErrWeakPassword)
		case unicode.IsLower(c):
			lower = 1
		case unicode.IsUpper(c):
			upper = 1
		case unicode.IsDigit(c):
			digit = 1
		default:
			other = 1
		}
	}
	if n := lower + upper + digit + other; n < r.Classes {
		return fmt.Errorf("%w: %d kinds of characters, want %d", ErrWeakPassword, n, r.Classes)
	}
	return nil
}

// pupilIn returns the pupil's affiliation in class inst/gid and the
// class's grade.
func pupilIn(snap *orgmodel.Snapshot, person, inst, gid string) (orgmodel.Affiliation, bool) {
	for _, a := range snap.Affiliations {
		if a.PersonID == person && a.MainGroupID == gid && snap.AffiliationInstitution(a) == inst && a.Kind() == orgmodel.Student {
			return a, true
		}
	}
	return orgmodel.Affiliation{}, false
}

func grade(snap *orgmodel.Snapshot, a orgmodel.Affiliation) (int, bool) {
	lv := a.Level
	if g, ok := snap.Group(snap.AffiliationInstitution(a), a.MainGroupID); ok && g.Level != "" {
		lv = g.Level
	}
	n, err := strconv.Atoi(strings.TrimSpace(lv))
	return n, err == nil
}

// classPassword: a teacher (school or municipal administrator) sets a new
// password for a pupil of the class.
func (s *Server) classPassword(w http.ResponseWriter, r *http.Request, ss *session) {
	inst, gid := r.PathValue("institution"), r.PathValue("group")
	if !mayOpenClass(&ss.principal, inst, gid) {
		s.errorPage(w, r, ss, http.StatusForbidden, "err.forbidden")
		return
	}
	s.setPassword(w, r, ss, inst, gid, "/classes/"+inst+"/"+gid)
}

// childPassword: a parent sets a new password for their child.
func (s *Server) childPassword(w http.ResponseWriter, r *http.Request, ss *session) {
	person := r.PostFormValue("person")
	snap := s.Broker.Snapshot()
	if snap == nil {
		s.errorPage(w, r, ss, http.StatusServiceUnavailable, "err.nosnapshot")
		return
	}
	if !slices.Contains(ss.principal.Children, person) {
		s.errorPage(w, r, ss, http.StatusForbidden, "err.forbidden")
		return
	}
	for _, a := range snap.Affiliations {
		if a.PersonID == person && a.Kind() == orgmodel.Student && a.MainGroupID != "" {
			s.setPassword(w, r, ss, snap.AffiliationInstitution(a), a.MainGroupID, "/children")
			return
		}
	}
	s.errorPage(w, r, ss, http.StatusBadRequest, "err.notpupil")
}

func (s *Server) setPassword(w http.ResponseWriter, r *http.Request, ss *session, inst, gid, back string) {
	snap := s.Broker.Snapshot()
	if snap == nil {
		s.errorPage(w, r, ss, http.StatusServiceUnavailable, "err.nosnapshot")
		return
	}
	person, pw := r.PostFormValue("person"), r.PostFormValue("password")
	a, ok := pupilIn(snap, person, inst, gid)
	if !ok {
		s.errorPage(w, r, ss, http.StatusBadRequest, "err.notpupil")
		return
	}
	if pw != r.PostFormValue("confirm") {
		s.errorPage(w, r, ss, http.StatusBadRequest, "err.confirm")
		return
	}
	g, known := grade(snap, a)
	if err := rule(s.PasswordRules, g, known).Check(pw); err != nil {
		s.render(w, r, ss, http.StatusBadRequest, "error", map[string]any{"Code": http.StatusBadRequest, "Msg": "err.weak",
			"Detail": strings.TrimPrefix(err.Error(), ErrWeakPassword.Error()+": ")})
		return
	}
	if len(s.Passwords) == 0 {
		s.errorPage(w, r, ss, http.StatusServiceUnavailable, "err.notargets")
		return
	}
	for _, t := range s.Passwords {
		if t.Check == nil {
			continue
		}
		if err := t.Check(pw); err != nil {
			s.render(w, r, ss, http.StatusBadRequest, "error", map[string]any{"Code": http.StatusBadRequest, "Msg": "err.pwpolicy",
				"Detail": t.Name + ": " + err.Error()})
			return
		}
	}
	var done, skipped []string
	for _, t := range s.Passwords {
		err := t.Set(r.Context(), person, pw)
		switch {
		case errors.Is(err, diff.ErrNotFound):
			skipped = append(skipped, t.Name) // the target does not hold the pupil
			continue
		case err != nil:
			s.Log.Error("ui: password not set", "principal", ss.principal.ID, "person", person, "target", t.Name, "set in", done, "err", err)
			s.render(w, r, ss, http.StatusBadGateway, "error", map[string]any{"Code": http.StatusBadGateway, "Msg": "err.pwtarget",
				"Detail": t.Name + " (" + strings.Join(done, ", ") + ")"})
			return
		}
		done = append(done, t.Name)
	}
	if len(done) == 0 {
		s.Log.Warn("ui: password set nowhere: no target holds the pupil", "principal", ss.principal.ID, "person", person, "targets", skipped)
		s.errorPage(w, r, ss, http.StatusNotFound, "err.noaccount")
		return
	}
	s.Log.Info("ui: password set", "principal", ss.principal.ID, "role", ss.principal.Role, "person", person, "targets", done, "not held by", skipped)
	q := url.Values{"done": {"password"}, "to": done}
	http.Redirect(w, r, s.prefix()+back+"?"+q.Encode(), http.StatusSeeOther)
}

// passwordWritten is the page's list of the targets the last password
// went to (?to=, only names of configured targets).
func (s *Server) passwordWritten(r *http.Request) []string {
	var out []string
	for _, n := range r.URL.Query()["to"] {
		if slices.ContainsFunc(s.Passwords, func(t PasswordTarget) bool { return t.Name == n }) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// passwordTargets names the targets for the page, and the directories
// that get the password from them through synchronisation.
func (s *Server) passwordTargets() (targets string, synced []string) {
	var n []string
	for _, t := range s.Passwords {
		n = append(n, t.Name)
		for _, a := range t.Also {
			synced = append(synced, a+" ← "+t.Name)
		}
	}
	return strings.Join(n, ", "), synced
}

// mayResetPasswords reports whether p may set pupils' passwords at all.
func mayResetPasswords(p *api.Principal) bool {
	return p.Role == api.Teacher || p.Role == api.SchoolAdmin || p.Role == api.MunicipalAdmin || p.Role == api.Parent
}

// PasswordSetter is a directory client that sets a managed user's
// password by its Key, as adapters/ad.Client does.
type PasswordSetter interface {
	SetPassword(ctx context.Context, key, password string, mustChange bool) error
}

// DirectoryPasswords is the password target of a directory client: the
// pupil's account is the user with the Key desired.UserKey(person); the
// password holds as set (the pupil is not asked to change it).
func DirectoryPasswords(name string, c PasswordSetter) PasswordTarget {
	t := PasswordTarget{Name: name, Set: func(ctx context.Context, person, pw string) error {
		return c.SetPassword(ctx, desired.UserKey(person), pw, false)
	}}
	if pc, ok := c.(PasswordChecker); ok {
		t.Check = pc.CheckPassword
	}
	return t
}

// PasswordChecker is a directory client that tells whether it would take
// a password before it is sent (google.Client and entra.Client are).
type PasswordChecker interface {
	CheckPassword(password string) error
}
