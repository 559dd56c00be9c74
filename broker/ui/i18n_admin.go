package ui

// adminMessages are the texts of the class-list workbook, the keep-alive
// and primary-institution forms and the pupil-password targets (Danish
// first, English second); tr looks here after messages.
var adminMessages = map[string][2]string{
	"xlsx": {"Hent som regneark (XLSX)", "Download spreadsheet (XLSX)"},
}
