package ui

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// messages are the texts of the pages: Danish first, English per user.
var messages = map[string][2]string{
	"title":                {"orgsync – administration", "orgsync – administration"},
	"demo":                 {"DEMO-LOGIN – kun til afprøvning, aldrig i drift", "DEMO LOGIN – for trying out only, never in production"},
	"login":                {"Log ind", "Sign in"},
	"login.as":             {"Log ind som", "Sign in as"},
	"logout":               {"Log ud", "Sign out"},
	"lang":                 {"Sprog", "Language"},
	"lang.switch":          {"English", "Dansk"},
	"nav":                  {"Hovedmenu", "Main menu"},
	"home":                 {"Forside", "Home"},
	"signed.in":            {"Logget ind som", "Signed in as"},
	"clients":              {"Klienter", "Clients"},
	"client":               {"Klient", "Client"},
	"status":               {"Status", "Status"},
	"paused":               {"Sat på pause", "Paused"},
	"active":               {"Aktiv", "Active"},
	"last.attempt":         {"Seneste kørsel", "Last run"},
	"last.success":         {"Seneste vellykkede kørsel", "Last successful run"},
	"error":                {"Fejl", "Error"},
	"pause":                {"Sæt på pause", "Pause"},
	"resume":               {"Genoptag", "Resume"},
	"run":                  {"Kør nu", "Run now"},
	"pending":              {"Ventende ændringer", "Pending changes"},
	"filter":               {"Filtrér", "Filter"},
	"institution":          {"Institution", "Institution"},
	"action":               {"Handling", "Action"},
	"kind":                 {"Type", "Kind"},
	"all":                  {"Alle", "All"},
	"key":                  {"Nøgle", "Key"},
	"reason":               {"Begrundelse", "Reason"},
	"none":                 {"Ingen", "None"},
	"refused":              {"Afvist af sikkerhedsgrænse", "Refused by a safety threshold"},
	"approvals":            {"Afviste planer til godkendelse", "Refused plans awaiting approval"},
	"approve":              {"Godkend én gang", "Approve once"},
	"institutions":         {"Institutioner", "Institutions"},
	"headcount":            {"Antal personer", "Head count"},
	"locks":                {"Låst ved skoleårsskift", "Locked at the year roll"},
	"lock.explain":         {"Klasserne rykkes således ved frigivelse:", "On release the classes move like this:"},
	"release":              {"Frigiv", "Release"},
	"keepalive":            {"Hold i live", "Keep alive"},
	"until":                {"Indtil", "Until"},
	"by":                   {"Af", "By"},
	"person":               {"Person", "Person"},
	"primary":              {"Primær institution", "Primary institution"},
	"primary.set":          {"Vælg primær institution", "Set primary institution"},
	"save":                 {"Gem", "Save"},
	"search":               {"Personsøgning", "Person search"},
	"search.q":             {"Navn eller brugernavn", "Name or username"},
	"purpose":              {"Formål (bliver logget)", "Purpose (recorded)"},
	"search.go":            {"Søg", "Search"},
	"results":              {"Resultater", "Results"},
	"name":                 {"Navn", "Name"},
	"username":             {"Brugernavn", "Username"},
	"roles":                {"Roller", "Roles"},
	"class":                {"Klasse", "Class"},
	"classes":              {"Klasser", "Classes"},
	"classlist":            {"Klasseliste", "Class list"},
	"csv":                  {"Hent som CSV", "Download CSV"},
	"print":                {"Udskriftsvenlig visning", "Printable view"},
	"children":             {"Mine børn", "My children"},
	"forbidden":            {"Adgang nægtet", "Forbidden"},
	"done":                 {"Udført.", "Done."},
	"err.csrf":             {"Formularen manglede et gyldigt sikkerhedstegn (CSRF). Intet er ændret; prøv igen fra siden.", "The form had no valid security token (CSRF). Nothing was changed; try again from the page."},
	"err.forbidden":        {"Du har ikke adgang til denne side eller handling.", "You may not see this page or do this action."},
	"err.lang":             {"Ukendt sprog.", "Unknown language."},
	"err.record":           {"Opslaget kunne ikke logges, så intet vises.", "The look-up could not be recorded, so nothing is shown."},
	"err.notfound":         {"Findes ikke.", "Not found."},
	"err.nosnapshot":       {"Der er endnu ingen data fra kilden.", "There is no data from the source yet."},
	"err.action":           {"Ukendt handling i filteret. Intet er ændret.", "Unknown action in the filter. Nothing was changed."},
	"err.kind":             {"Ukendt type i filteret (container, user eller group).", "Unknown kind in the filter (container, user or group)."},
	"err.purposelist":      {"Vælg formålet med søgningen på listen.", "Choose the purpose of the search from the list."},
	"err.purpose":          {"Angiv et formål med søgningen (mindst 5 tegn).", "Give the purpose of the search (at least 5 characters)."},
	"err.query":            {"Søgningen skal have mindst 2 tegn.", "The search needs at least 2 characters."},
	"err.person":           {"Ukendt person.", "Unknown person."},
	"err.institution":      {"Ukendt institution.", "Unknown institution."},
	"err.primary":          {"Personen er ikke tilknyttet den institution.", "The person has no affiliation at that institution."},
	"err.paused":           {"Klienten er sat på pause.", "The client is paused."},
	"err.notpending":       {"Planen afventer ikke længere godkendelse.", "The plan is no longer awaiting approval."},
	"err.stale":            {"Målet er ændret siden planen blev lavet; intet er udført.", "The target changed since the plan was made; nothing was applied."},
	"err.internal":         {"Der skete en fejl.", "Something went wrong."},
	"err.notlocked":        {"Institutionen er ikke låst.", "The institution is not locked."},
	"err.format":           {"Ukendt format (csv, xlsx eller print).", "Unknown format (csv, xlsx or print)."},
	"err.notpupil":         {"Personen er ikke elev i klassen.", "The person is not a pupil of the class."},
	"err.confirm":          {"De to adgangskoder er ikke ens. Intet er ændret.", "The two passwords differ. Nothing was changed."},
	"err.weak":             {"Adgangskoden opfylder ikke reglerne for elevens klassetrin. Intet er ændret.", "The password does not meet the rules of the pupil's grade. Nothing was changed."},
	"err.notargets":        {"Der er ingen kataloger at skrive adgangskoden til.", "There are no directories to write the password to."},
	"err.pwtarget":         {"Adgangskoden kunne ikke skrives til kataloget (allerede skrevet til dem i parentes).", "The password could not be written to the directory (already written to those in brackets)."},
	"pw.title":             {"Ny adgangskode til en elev", "New password for a pupil"},
	"pw.pupil":             {"Elev", "Pupil"},
	"pw.new":               {"Ny adgangskode", "New password"},
	"pw.confirm":           {"Gentag adgangskoden", "Repeat the password"},
	"pw.set":               {"Skift adgangskode", "Change password"},
	"pw.targets":           {"Adgangskoden skrives til:", "The password is written to:"},
	"pw.never":             {"Adgangskoden vises og logges aldrig igen.", "The password is never shown or logged again."},
	"pw.done":              {"Adgangskoden er skiftet.", "The password was changed."},
	"audit":                {"Anomalirapport", "Anomaly report"},
	"audit.intro":          {"Usædvanlige opslag i personoplysninger, sammenlignet med brugerens egne og kollegernes vaner. Din visning bliver logget.", "Unusual look-ups of personal data, compared with the user's own habits and their peers'. Your viewing is recorded."},
	"audit.period":         {"Måned (ÅÅÅÅ-MM; tom: hele loggen)", "Month (YYYY-MM; empty: the whole log)"},
	"audit.show":           {"Vis", "Show"},
	"audit.csv":            {"Hent som CSV", "Download as CSV"},
	"audit.events":         {"Opslag", "Look-ups"},
	"audit.actors":         {"Brugere", "Users"},
	"audit.finding":        {"Fund", "Finding"},
	"audit.actor":          {"Bruger", "User"},
	"audit.why":            {"Hvorfor", "Why"},
	"audit.records":        {"Poster (løbenumre)", "Records (seq)"},
	"err.noaudit":          {"Der føres ingen tilgangslog.", "No accountability log is kept."},
	"err.period":           {"Angiv måneden som ÅÅÅÅ-MM.", "Give the month as YYYY-MM."},
	"err.audit":            {"Loggen kunne ikke læses.", "The log could not be read."},
	"role.municipal-admin": {"Kommunal administrator", "Municipal administrator"},
	"role.school-admin":    {"Skoleadministrator", "School administrator"},
	"role.teacher":         {"Lærer", "Teacher"},
	"role.parent":          {"Forælder", "Parent"},
	"role.privacy-officer": {"Databeskyttelsesrådgiver", "Privacy officer"},
}

// tr returns the message key in lang, or key itself when unknown.
func tr(lang, key string) string {
	m, ok := messages[key]
	if !ok {
		if m, ok = adminMessages[key]; !ok {
			return key
		}
	}
	if lang == "en" {
		return m[1]
	}
	return m[0]
}

var funcs = template.FuncMap{
	"t": tr,
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.Format("2006-01-02 15:04")
	},
	"date": func(t time.Time) string { return t.Format("2006-01-02") },
	"str":  func(v any) string { return fmt.Sprint(v) },
	"seqs": func(v []int64) string { return strings.Trim(fmt.Sprint(v), "[]") },
	"dict": func(lang string, rows []personRow) map[string]any { return map[string]any{"Lang": lang, "Rows": rows} },
}
