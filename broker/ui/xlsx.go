package ui

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// xlsxType is the media type of a workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// maxSheetName is Excel's limit on a sheet name, in UTF-16 code units.
const maxSheetName = 31

// sheetName makes name usable as an Excel sheet name: the characters
// Excel refuses (: \ / ? * [ ]), control characters, characters XML
// cannot carry and invalid UTF-8 become "_"; apostrophes and spaces at
// either end are dropped; the name is cut to 31 UTF-16 code units without
// splitting a character. An empty result, and Excel's reserved name
// "History", become fallback.
func sheetName(name, fallback string) string {
	var b strings.Builder
	for i, w := 0, 0; i < len(name); i += w {
		r, size := utf8.DecodeRuneInString(name[i:])
		w = size
		switch {
		case r == utf8.RuneError && size <= 1,
			strings.ContainsRune(`:\/?*[]`, r),
			unicode.IsControl(r), !xmlChar(r),
			unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.Trim(b.String(), "' \u00a0")
	units := 0
	for i, r := range s {
		n := utf16.RuneLen(r)
		if units+n > maxSheetName {
			s = strings.TrimRight(s[:i], "' \u00a0")
			break
		}
		units += n
	}
	if s == "" || strings.EqualFold(s, "History") {
		return fallback
	}
	return s
}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// xmlText replaces the characters XML cannot carry with U+FFFD, so that a
// cell never makes the workbook unreadable.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !xmlChar(r) {
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// classXLSXHeader is the header row of the class list's workbook, as in
// its CSV.
var classXLSXHeader = []string{"id", "name", "username", "roles"}

// writeClassXLSX writes the class list as a workbook of one sheet named
// after the class. Every cell is a text cell and the columns are formatted
// as text ("@"), so identifiers with leading zeros or CPR-like digits stay
// as they are and no value is read as a number, date or formula.
func writeClassXLSX(w io.Writer, sheet string, rows []personRow) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	name := sheetName(sheet, "Klasse")
	if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
		return fmt.Errorf("class list xlsx: sheet %q: %w", name, err)
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // 49 is the built-in "@" (text) format
	if err != nil {
		return fmt.Errorf("class list xlsx: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("class list xlsx: %w", err)
	}
	last, _ := excelize.ColumnNumberToName(len(classXLSXHeader))
	if err := f.SetColStyle(name, "A:"+last, text); err != nil {
		return fmt.Errorf("class list xlsx: %w", err)
	}
	put := func(r int, vals []string, style int) error {
		for c, v := range vals {
			cell, _ := excelize.CoordinatesToCellName(c+1, r)
			if err := f.SetCellStr(name, cell, xmlText(v)); err != nil {
				return fmt.Errorf("class list xlsx: cell %s: %w", cell, err)
			}
		}
		a, _ := excelize.CoordinatesToCellName(1, r)
		b, _ := excelize.CoordinatesToCellName(len(vals), r)
		return f.SetCellStyle(name, a, b, style)
	}
	if err := put(1, classXLSXHeader, bold); err != nil {
		return err
	}
	for i, pr := range rows {
		if err := put(i+2, []string{pr.ID, pr.Name, pr.Username, strings.Join(pr.Roles, " ")}, text); err != nil {
			return err
		}
	}
	if err := f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("class list xlsx: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("class list xlsx: %w", err)
	}
	return nil
}
