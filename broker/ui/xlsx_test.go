package ui

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/orgsync/orgsync/broker/api"
)

func TestClassListXLSX(t *testing.T) {
	e := newEnv(t)
	br := e.login(t, api.Teacher)
	path := "/ui/classes/" + e.inst + "/" + e.class + "?format=xlsx"
	req, _ := http.NewRequest("GET", e.ts.URL+path, nil)
	resp, err := br.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != xlsxType ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("xlsx: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	f, err := excelize.OpenReader(resp.Body)
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	defer f.Close()
	g, _ := e.snap.Group(e.inst, e.class)
	if got := f.GetSheetList(); len(got) != 1 || got[0] != sheetName(g.Name, "Klasse") {
		t.Errorf("sheets %q, want one named after the class %q", got, g.Name)
	}
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	want, _ := classMembers(e.snap, e.inst, e.class)
	if len(rows) != len(want)+1 || !slices.Equal(rows[0], classXLSXHeader) {
		t.Fatalf("%d rows (header %q), want %d members and the header", len(rows), rows[0], len(want))
	}
	for i, pr := range want {
		if got := rows[i+1]; got[0] != pr.ID || got[1] != pr.Name || got[2] != pr.Username {
			t.Errorf("row %d: %q, want %s %s %s", i+1, got, pr.ID, pr.Name, pr.Username)
		}
	}
	// The look-up is recorded as for the CSV, with the format.
	ls := e.rec.Lookups()
	if len(ls) != 1 || ls[0].Purpose != "class list" || !strings.Contains(ls[0].Query, "format=xlsx") || len(ls[0].Persons) != len(want) {
		t.Errorf("look-ups %+v", ls)
	}
	// Another school's class: refused, nothing recorded.
	if code, _ := br.get("/ui/classes/" + e.other + "/" + e.otherClass + "?format=xlsx"); code != http.StatusForbidden {
		t.Errorf("another school's class as xlsx: %d, want 403", code)
	}
	if n := len(e.rec.Lookups()); n != 1 {
		t.Errorf("%d look-ups after a refused download, want 1", n)
	}
}

// TestXLSXTextCells: values that a spreadsheet would turn into numbers,
// dates or formulas come back exactly, as text cells.
func TestXLSXTextCells(t *testing.T) {
	tricky := []personRow{
		{ID: "0101901234", Name: "=1+1", Username: "007", Roles: []string{"Elev"}},
		{ID: "1e5", Name: "2026-12-06", Username: "+4512345678", Roles: []string{"-1"}},
		{ID: "00000000000000000012", Name: "Åse \x01Øberg", Username: "0,5", Roles: nil},
	}
	var buf bytes.Buffer
	if err := writeClassXLSX(&buf, "5.A: [Dansk]/Matematik", tricky); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	if sheet != "5.A_ _Dansk__Matematik" {
		t.Errorf("sheet name %q", sheet)
	}
	for i, pr := range tricky {
		for c, want := range []string{pr.ID, xmlText(pr.Name), pr.Username, strings.Join(pr.Roles, " ")} {
			cell, _ := excelize.CoordinatesToCellName(c+1, i+2)
			got, err := f.GetCellValue(sheet, cell)
			if err != nil || got != want {
				t.Errorf("%s = %q (%v), want %q", cell, got, err, want)
			}
			if want == "" {
				continue
			}
			typ, err := f.GetCellType(sheet, cell)
			if err != nil || (typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString) {
				t.Errorf("%s has type %v (%v), want a text cell", cell, typ, err)
			}
			if fm, _ := f.GetCellFormula(sheet, cell); fm != "" {
				t.Errorf("%s holds a formula %q", cell, fm)
			}
		}
	}
}

func TestSheetName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"5.A", "5.A"},
		{"", "Klasse"},
		{"'''", "Klasse"},
		{"history", "Klasse"},
		{"'7.B'", "7.B"},
		{"a:b\\c/d?e*f[g]h", "a_b_c_d_e_f_g_h"},
		{strings.Repeat("x", 40), strings.Repeat("x", 31)},
		{strings.Repeat("x", 30) + "😀", strings.Repeat("x", 30)},
		{strings.Repeat("x", 30) + " 'y", strings.Repeat("x", 30)},
		{"tab\there", "tab_here"},
		{"bad\xffutf8", "bad_utf8"},
	} {
		if got := sheetName(c.in, "Klasse"); got != c.want {
			t.Errorf("sheetName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzSheetName: whatever the class is called, the name is one Excel (and
// excelize) accepts, and the workbook round-trips it.
func FuzzSheetName(f *testing.F) {
	for _, s := range []string{"5.A", "", "'", "History", "a:b", strings.Repeat("é", 40), "\x00\ufffe", "x😀'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 200 {
			return
		}
		got := sheetName(in, "Klasse")
		if !utf8.ValidString(got) || len(utf16.Encode([]rune(got))) > maxSheetName || got == "" {
			t.Fatalf("sheetName(%q) = %q", in, got)
		}
		wb := excelize.NewFile()
		defer wb.Close()
		if err := wb.SetSheetName(wb.GetSheetName(0), got); err != nil {
			t.Fatalf("excelize refuses %q (from %q): %v", got, in, err)
		}
		var buf bytes.Buffer
		if _, err := wb.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatalf("workbook with sheet %q does not open: %v", got, err)
		}
		defer back.Close()
		if l := back.GetSheetList(); len(l) != 1 || l[0] != got {
			t.Fatalf("sheet %q read back as %q", got, l)
		}
	})
}

// BenchmarkClassXLSX: writing a class of 28 pupils as a workbook.
func BenchmarkClassXLSX(b *testing.B) {
	rows := make([]personRow, 28)
	for i := range rows {
		rows[i] = personRow{ID: "0" + strings.Repeat("1", 9), Name: "Anna Andersen", Username: "anna0001", Roles: []string{"Elev"}}
	}
	for b.Loop() {
		var buf bytes.Buffer
		if err := writeClassXLSX(&buf, "5.A", rows); err != nil {
			b.Fatal(err)
		}
	}
}
