package ui

// adminMessages are the texts of the class-list workbook, the keep-alive
// and primary-institution forms and the pupil-password targets (Danish
// first, English second); tr looks here after messages.
var adminMessages = map[string][2]string{
	"xlsx":           {"Hent som regneark (XLSX)", "Download spreadsheet (XLSX)"},
	"nochange":       {"Intet er ændret.", "Nothing was changed."},
	"ka.intro":       {"Personer på listen beholder deres konti til og med datoen, selv om kilden ikke længere har dem. Hver ændring bliver logget.", "Persons on the list keep their accounts through the date even when the source no longer has them. Every change is recorded."},
	"ka.add":         {"Hold en person i live", "Keep a person alive"},
	"ka.person":      {"Person (id eller brugernavn)", "Person (ID or username)"},
	"ka.until":       {"Til og med (ÅÅÅÅ-MM-DD)", "Through (YYYY-MM-DD)"},
	"ka.reason":      {"Begrundelse (5–200 tegn)", "Reason (5–200 characters)"},
	"ka.save":        {"Tilføj eller forlæng", "Add or extend"},
	"ka.remove":      {"Fjern", "Remove"},
	"pr.intro":       {"En person med tilknytning til flere institutioner får sin konto på den valgte institution, så længe tilknytningen findes. Hver ændring bliver logget.", "A person with affiliations at several institutions gets their account at the chosen institution while the affiliation lasts. Every change is recorded."},
	"pr.inst":        {"Institutionsnummer", "Institution number"},
	"pr.clear":       {"Ophæv", "Clear"},
	"err.until":      {"Angiv datoen som ÅÅÅÅ-MM-DD.", "Give the date as YYYY-MM-DD."},
	"err.until.past": {"Datoen skal ligge efter i dag.", "The date must be after today."},
	"err.until.far":  {"Datoen må højst ligge et år frem.", "The date may be at most a year ahead."},
	"err.reason":     {"Angiv en begrundelse på 5–200 tegn (uden kontroltegn).", "Give a reason of 5–200 characters (no control characters)."},
	"err.notkept":    {"Personen er ikke på listen.", "The person is not on the list."},
	"err.notprimary": {"Personen har ikke en valgt primær institution.", "The person has no chosen primary institution."},
	"err.pwpolicy":   {"Adgangskoden opfylder ikke kravene i et af katalogerne. Intet er ændret.", "The password does not meet the rules of one of the directories. Nothing was changed."},
	"err.noaccount":  {"Eleven har ingen konto i katalogerne. Intet er ændret.", "The pupil has no account in the directories. Nothing was changed."},
	"pw.written":     {"Skrevet til:", "Written to:"},
	"pw.synced":      {"Hybrid opsætning – disse kataloger får adgangskoden gennem synkroniseringen og skrives ikke direkte:", "Hybrid set-up – these directories get the password through synchronisation and are not written directly:"},
	"err.change":     {"Ændringen kunne ikke logges, så den er ikke udført.", "The change could not be recorded, so it was not made."},
}
