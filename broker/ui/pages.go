package ui

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request, ss *session) {
	s.render(w, r, ss, http.StatusOK, "home", nil)
}

// failErr shows a broker error as a page with its status.
func (s *Server) failErr(w http.ResponseWriter, r *http.Request, ss *session, err error) {
	switch {
	case errors.Is(err, broker.ErrUnknown):
		s.errorPage(w, r, ss, http.StatusNotFound, "err.notfound")
	case errors.Is(err, broker.ErrPaused):
		s.errorPage(w, r, ss, http.StatusConflict, "err.paused")
	case errors.Is(err, broker.ErrNotPending):
		s.errorPage(w, r, ss, http.StatusConflict, "err.notpending")
	case errors.Is(err, diff.ErrStalePlan):
		s.errorPage(w, r, ss, http.StatusConflict, "err.stale")
	case errors.Is(err, broker.ErrNoSnapshot):
		s.errorPage(w, r, ss, http.StatusServiceUnavailable, "err.nosnapshot")
	default:
		s.Log.Error("ui: broker", "err", err)
		s.errorPage(w, r, ss, http.StatusInternalServerError, "err.internal")
	}
}

type clientRow struct {
	Name   string
	Status broker.Status
}

func (s *Server) clients(w http.ResponseWriter, r *http.Request, ss *session) {
	var rows []clientRow
	for _, n := range s.Broker.Clients() {
		st, _ := s.Broker.Status(n)
		if !ss.principal.Municipal() {
			st.Error, st.Last = "", nil // a school administrator sees its changes, not the municipality's runs
		}
		rows = append(rows, clientRow{n, st})
	}
	var approvals []broker.Approval
	if ss.principal.Municipal() {
		for _, a := range s.Broker.Approvals() {
			if a.Status == "pending" {
				approvals = append(approvals, a)
			}
		}
	}
	data := map[string]any{"Clients": rows, "Approvals": approvals}
	if ss.principal.Municipal() {
		data["ShowRuns"], data["Sparks"] = true, s.sparks(r.Context(), s.Broker.Clients(), ss.lang)
	}
	s.render(w, r, ss, http.StatusOK, "clients", data)
}

// PendingFilter is the pending-changes page's filter.
type pendingFilter struct {
	Institution, Action, Kind string
}

var kinds = []string{string(diff.Container), string(diff.User), string(diff.Group)}

func actionNames() []string {
	var out []string
	for a := diff.Create; a <= diff.Delete; a++ {
		out = append(out, a.String())
	}
	return out
}

func (s *Server) pending(w http.ResponseWriter, r *http.Request, ss *session) {
	q := r.URL.Query()
	f := pendingFilter{Institution: q.Get("institution"), Action: q.Get("action"), Kind: q.Get("kind")}
	var act diff.Action
	if f.Action != "" {
		if err := act.UnmarshalText([]byte(f.Action)); err != nil || act == diff.NoOp {
			s.errorPage(w, r, ss, http.StatusBadRequest, "err.action")
			return
		}
	}
	if f.Kind != "" && !slices.Contains(kinds, f.Kind) {
		s.errorPage(w, r, ss, http.StatusBadRequest, "err.kind")
		return
	}
	if f.Institution != "" && !ss.principal.SeesInstitution(f.Institution) {
		s.errorPage(w, r, ss, http.StatusForbidden, "err.forbidden")
		return
	}
	cached, err := s.pendingOf(r.Context(), r.PathValue("client"))
	if err != nil {
		s.failErr(w, r, ss, err)
		return
	}
	pd := &broker.Pending{}
	*pd = *cached.pd
	pd.Locks = slices.Clone(pd.Locks)
	p := &ss.principal
	var changes []diff.Change
	var persons []string
	if pd.Plan != nil {
		for _, c := range pd.Plan.Changes {
			inst := c.Institution()
			if !p.SeesInstitution(inst) && !(p.Municipal()) ||
				f.Institution != "" && inst != f.Institution ||
				f.Action != "" && c.Action != act ||
				f.Kind != "" && string(c.Kind) != f.Kind {
				continue
			}
			changes = append(changes, c)
			if c.Kind == diff.User {
				persons = append(persons, c.Key)
			}
		}
	}
	if !p.Municipal() {
		pd.YearRoll, pd.Refused = "", ""
		pd.Locks = slices.DeleteFunc(pd.Locks, func(l broker.Lock) bool { return !p.SeesInstitution(l.Institution) })
	}
	if !s.record(w, r, ss, "pending changes", "client="+pd.Client+" "+r.URL.RawQuery, persons) {
		return
	}
	var insts []string
	if snap := s.Broker.Snapshot(); snap != nil {
		for _, i := range snap.Institutions {
			if p.SeesInstitution(i.Number) {
				insts = append(insts, i.Number)
			}
		}
	}
	st, _ := s.Broker.Status(pd.Client)
	s.render(w, r, ss, http.StatusOK, "pending", map[string]any{"Pending": pd, "Changes": changes, "Filter": f,
		"Actions": actionNames(), "Kinds": kinds, "Institutions": insts, "Status": st, "ComputedAt": cached.at, "Ahead": cached.ahead})
}

func (s *Server) pause(w http.ResponseWriter, r *http.Request, ss *session) {
	s.act(w, r, ss, "pause", s.Broker.Pause(r.Context(), r.PathValue("client")), "/clients")
}

func (s *Server) resume(w http.ResponseWriter, r *http.Request, ss *session) {
	s.act(w, r, ss, "resume", s.Broker.Resume(r.Context(), r.PathValue("client")), "/clients")
}

func (s *Server) run(w http.ResponseWriter, r *http.Request, ss *session) {
	rep, err := s.Broker.Run(r.Context(), r.PathValue("client"))
	if rep != nil {
		err = nil // the run happened; its outcome is in the status
	}
	s.act(w, r, ss, "run", err, "/clients")
}

func (s *Server) approve(w http.ResponseWriter, r *http.Request, ss *session) {
	s.act(w, r, ss, "approve", s.Broker.Approve(r.Context(), r.PathValue("id"), ss.principal.ID), "/clients")
}

// act finishes an action: a broker error as a page, else back to the
// page (POST/redirect/GET).
func (s *Server) act(w http.ResponseWriter, r *http.Request, ss *session, what string, err error, back string) {
	if err != nil {
		s.failErr(w, r, ss, err)
		return
	}
	s.forgetPending()
	s.Log.Info("ui: "+what, "principal", ss.principal.ID, "path", r.URL.Path)
	http.Redirect(w, r, s.prefix()+back+"?done=1", http.StatusSeeOther)
}

type instRow struct {
	Number, Name string
	HeadCount    int
	// Previous is the head count of the export before the latest (-1:
	// none yet); Trend the chart over the history.
	Previous int
	Trend    template.HTML
}

func (s *Server) institutions(w http.ResponseWriter, r *http.Request, ss *session) {
	p := &ss.principal
	var rows []instRow
	if snap := s.Broker.Snapshot(); snap != nil {
		count := map[string]map[string]bool{}
		for _, a := range snap.Affiliations {
			i := snap.AffiliationInstitution(a)
			if count[i] == nil {
				count[i] = map[string]bool{}
			}
			count[i][a.PersonID] = true
		}
		for _, i := range snap.Institutions {
			if p.SeesInstitution(i.Number) {
				ir := instRow{Number: i.Number, Name: i.Name, HeadCount: len(count[i.Number]), Previous: -1}
				if ser := s.HeadCounts.Series(i.Number); len(ser) >= 2 {
					ir.Previous = ser[len(ser)-2]
					ir.Trend = trendSVG(ser, i.Number)
				}
				rows = append(rows, ir)
			}
		}
	}
	locks := slices.DeleteFunc(s.Broker.Locks(), func(l broker.Lock) bool { return !p.SeesInstitution(l.Institution) })
	s.render(w, r, ss, http.StatusOK, "institutions", map[string]any{"Institutions": rows, "Locks": locks,
		"CanRelease": p.Role == api.MunicipalAdmin || p.Role == api.SchoolAdmin})
}

func (s *Server) release(w http.ResponseWriter, r *http.Request, ss *session) {
	inst := r.PathValue("institution")
	p := &ss.principal
	if !(p.Role == api.MunicipalAdmin || p.Role == api.SchoolAdmin && slices.Contains(p.Institutions, inst)) {
		s.errorPage(w, r, ss, http.StatusForbidden, "err.forbidden")
		return
	}
	if !slices.ContainsFunc(s.Broker.Locks(), func(l broker.Lock) bool { return l.Institution == inst }) {
		s.errorPage(w, r, ss, http.StatusNotFound, "err.notlocked")
		return
	}
	s.act(w, r, ss, "release", s.Broker.Release(r.Context(), inst, p.ID), "/institutions")
}

// personRow is a person as the pages show them: no CPR number.
type personRow struct {
	ID, Name, Username, Institution, Class string
	Roles                                  []string
}

// visible reports whether p may see the person of affiliation a.
func visible(p *api.Principal, snap *orgmodel.Snapshot, a orgmodel.Affiliation) bool {
	inst := snap.AffiliationInstitution(a)
	switch p.Role {
	case api.MunicipalAdmin, api.PrivacyOfficer:
		return true
	case api.SchoolAdmin:
		return slices.Contains(p.Institutions, inst)
	case api.Teacher:
		in := func(g string) bool { return slices.Contains(p.Classes, orgmodel.GroupKey(inst, g)) }
		return a.MainGroupID != "" && in(a.MainGroupID) || slices.ContainsFunc(a.GroupIDs, in)
	case api.Parent:
		return slices.Contains(p.Children, a.PersonID)
	}
	return false
}

func row(snap *orgmodel.Snapshot, a orgmodel.Affiliation) personRow {
	per, _ := snap.Person(a.PersonID)
	g, f := per.Names()
	inst := snap.AffiliationInstitution(a)
	pr := personRow{ID: per.ID, Name: g + " " + f, Username: per.Username, Institution: inst}
	if gr, ok := snap.Group(inst, a.MainGroupID); ok {
		pr.Class = gr.Name
	}
	for _, ro := range a.Roles {
		pr.Roles = append(pr.Roles, string(ro))
	}
	return pr
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, ss *session) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	purpose := strings.TrimSpace(r.URL.Query().Get("purpose"))
	data := map[string]any{"Q": q, "Purpose": purpose, "Purposes": s.Purposes}
	if !r.URL.Query().Has("q") {
		s.render(w, r, ss, http.StatusOK, "search", data)
		return
	}
	switch {
	case len([]rune(q)) < 2:
		data["Error"] = "err.query"
	case len(s.Purposes) > 0 && !slices.Contains(s.Purposes, purpose):
		data["Error"] = "err.purposelist"
	case len([]rune(purpose)) < 5:
		data["Error"] = "err.purpose"
	}
	if data["Error"] != nil {
		s.render(w, r, ss, http.StatusBadRequest, "search", data)
		return
	}
	snap := s.Broker.Snapshot()
	if snap == nil {
		s.errorPage(w, r, ss, http.StatusServiceUnavailable, "err.nosnapshot")
		return
	}
	rows, ids := searchPersons(&ss.principal, snap, q, 200)
	if !s.record(w, r, ss, purpose, "search q="+q, ids) {
		return
	}
	data["Results"] = rows
	s.render(w, r, ss, http.StatusOK, "search", data)
}

// searchPersons finds the persons in p's scope whose name or username
// contains q (case-insensitive), at most limit affiliations.
func searchPersons(p *api.Principal, snap *orgmodel.Snapshot, q string, limit int) ([]personRow, []string) {
	lq := strings.ToLower(q)
	var rows []personRow
	var ids []string
	for _, a := range snap.Affiliations {
		per, ok := snap.Person(a.PersonID)
		if !ok {
			continue
		}
		g, f := per.Names()
		if !strings.Contains(strings.ToLower(g+" "+f), lq) && !strings.Contains(strings.ToLower(per.Username), lq) {
			continue
		}
		if !visible(p, snap, a) {
			continue
		}
		rows = append(rows, row(snap, a))
		if !slices.Contains(ids, a.PersonID) {
			ids = append(ids, a.PersonID)
		}
		if len(rows) == limit {
			break
		}
	}
	return rows, ids
}

type classRow struct {
	Institution, ID, Name string
}

func (s *Server) classes(w http.ResponseWriter, r *http.Request, ss *session) {
	snap := s.Broker.Snapshot()
	if snap == nil {
		s.errorPage(w, r, ss, http.StatusServiceUnavailable, "err.nosnapshot")
		return
	}
	var rows []classRow
	for _, g := range snap.Groups {
		if g.Type == orgmodel.Hovedgruppe && mayOpenClass(&ss.principal, g.Institution, g.ID) {
			rows = append(rows, classRow{g.Institution, g.ID, g.Name})
		}
	}
	s.render(w, r, ss, http.StatusOK, "classes", map[string]any{"Classes": rows})
}

// mayOpenClass reports whether p may see the class list of inst/group.
func mayOpenClass(p *api.Principal, inst, group string) bool {
	switch p.Role {
	case api.MunicipalAdmin, api.PrivacyOfficer:
		return true
	case api.SchoolAdmin:
		return slices.Contains(p.Institutions, inst)
	case api.Teacher:
		return slices.Contains(p.Classes, orgmodel.GroupKey(inst, group))
	}
	return false
}

func (s *Server) classList(w http.ResponseWriter, r *http.Request, ss *session) {
	inst, gid := r.PathValue("institution"), r.PathValue("group")
	format := r.URL.Query().Get("format")
	if format != "" && format != "csv" && format != "xlsx" && format != "print" {
		s.errorPage(w, r, ss, http.StatusBadRequest, "err.format")
		return
	}
	if !mayOpenClass(&ss.principal, inst, gid) {
		s.errorPage(w, r, ss, http.StatusForbidden, "err.forbidden")
		return
	}
	snap := s.Broker.Snapshot()
	if snap == nil {
		s.errorPage(w, r, ss, http.StatusServiceUnavailable, "err.nosnapshot")
		return
	}
	g, ok := snap.Group(inst, gid)
	if !ok {
		s.errorPage(w, r, ss, http.StatusNotFound, "err.notfound")
		return
	}
	rows, ids := classMembers(snap, inst, gid)
	if !s.record(w, r, ss, "class list", "class="+g.Key()+" format="+format, ids) {
		return
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="class-`+inst+`-`+gid+`.csv"`)
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"id", "name", "username", "roles"})
		for _, pr := range rows {
			_ = cw.Write([]string{pr.ID, csvSafe(pr.Name), csvSafe(pr.Username), strings.Join(pr.Roles, " ")})
		}
		cw.Flush()
		return
	}
	if format == "xlsx" {
		var buf bytes.Buffer
		if err := writeClassXLSX(&buf, g.Name, rows); err != nil {
			s.Log.Error("ui: class list xlsx", "class", g.Key(), "err", err)
			s.errorPage(w, r, ss, http.StatusInternalServerError, "err.internal")
			return
		}
		w.Header().Set("Content-Type", xlsxType)
		w.Header().Set("Content-Disposition", `attachment; filename="class-`+inst+`-`+gid+`.xlsx"`)
		_, _ = w.Write(buf.Bytes())
		return
	}
	data := map[string]any{"Group": g, "Members": rows, "Print": format == "print"}
	if format != "print" {
		s.passwordForm(r, ss, data, snap, rows, s.prefix()+"/classes/"+inst+"/"+gid+"/password")
	}
	s.render(w, r, ss, http.StatusOK, "classlist", data)
}

// classMembers are the persons whose main group or one of whose groups
// is inst/gid, in the snapshot's order.
func classMembers(snap *orgmodel.Snapshot, inst, gid string) ([]personRow, []string) {
	var rows []personRow
	var ids []string
	for _, a := range snap.Affiliations {
		if a.MainGroupID != gid && !slices.Contains(a.GroupIDs, gid) || snap.AffiliationInstitution(a) != inst {
			continue
		}
		rows = append(rows, row(snap, a))
		ids = append(ids, a.PersonID)
	}
	return rows, ids
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func (s *Server) children(w http.ResponseWriter, r *http.Request, ss *session) {
	snap := s.Broker.Snapshot()
	if snap == nil {
		s.errorPage(w, r, ss, http.StatusServiceUnavailable, "err.nosnapshot")
		return
	}
	var rows []personRow
	var ids []string
	for _, a := range snap.Affiliations {
		if slices.Contains(ss.principal.Children, a.PersonID) {
			rows = append(rows, row(snap, a))
			ids = append(ids, a.PersonID)
		}
	}
	if !s.record(w, r, ss, "own children", "children", ids) {
		return
	}
	data := map[string]any{"Children": rows}
	s.passwordForm(r, ss, data, snap, rows, s.prefix()+"/children/password")
	s.render(w, r, ss, http.StatusOK, "children", data)
}

// passwordForm adds the pupil-password form's data when p may reset and
// there are targets: the pupils among rows.
func (s *Server) passwordForm(r *http.Request, ss *session, data map[string]any, snap *orgmodel.Snapshot, rows []personRow, action string) {
	if len(s.Passwords) == 0 || !mayResetPasswords(&ss.principal) {
		return
	}
	var pupils []personRow
	for _, pr := range rows {
		for _, a := range snap.Affiliations {
			if a.PersonID == pr.ID && a.Kind() == orgmodel.Student && !slices.ContainsFunc(pupils, func(x personRow) bool { return x.ID == pr.ID }) {
				pupils = append(pupils, pr)
			}
		}
	}
	if len(pupils) == 0 {
		return
	}
	data["Reset"], data["Pupils"], data["Action"] = true, pupils, action
	data["Targets"], data["Synced"] = s.passwordTargets()
	data["Done"] = r.URL.Query().Get("done") == "password"
	data["Written"] = s.passwordWritten(r)
}

// pendingEntry is a client's pending plan as computed at a time.
type pendingEntry struct {
	at      time.Time
	snap    *orgmodel.Snapshot
	attempt time.Time
	paused  bool
	pd      *broker.Pending
	// ahead: the broker's plan made ahead or by a dry run (Broker.Planned).
	ahead bool
}

// pendingOf returns the client's pending changes. Computing them is a
// plan against the target (Broker.Pending: about as long as a run's
// planning), so the broker's plan made ahead or by the last dry run is
// taken while nothing changed since (Broker.Planned, see
// broker.Options.PlanAhead); else the result is reused for PendingTTL
// while the snapshot, the client's last run and its pause are the same,
// and every action taken through the UI forgets it. The page says when it
// was computed.
func (s *Server) pendingOf(ctx context.Context, name string) (pendingEntry, error) {
	if pd, ok := s.Broker.Planned(name); ok {
		return pendingEntry{at: pd.At, pd: pd, ahead: true}, nil
	}
	st, err := s.Broker.Status(name)
	if err != nil {
		return pendingEntry{}, err
	}
	snap := s.Broker.Snapshot()
	now := s.Clock()
	s.pendingMu.Lock()
	e, ok := s.pendings[name]
	s.pendingMu.Unlock()
	if ok && e.snap == snap && e.attempt.Equal(st.LastAttempt) && e.paused == st.Paused && now.Sub(e.at) < s.PendingTTL {
		return e, nil
	}
	pd, err := s.Broker.Pending(ctx, name)
	if err != nil {
		return pendingEntry{}, err
	}
	e = pendingEntry{at: now, snap: snap, attempt: st.LastAttempt, paused: st.Paused, pd: pd}
	s.pendingMu.Lock()
	s.pendings[name] = e
	s.pendingMu.Unlock()
	return e, nil
}

func (s *Server) forgetPending() {
	s.pendingMu.Lock()
	clear(s.pendings)
	s.pendingMu.Unlock()
}
