package naming_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/naming"
)

var vars = naming.Vars{
	InstitutionName:         "Søndervangskolen",
	InstitutionAbbreviation: "SVS",
	InstitutionNumber:       "280123",
	ClassName:               "3.A",
	ClassID:                 "g-4711",
	ClassLevel:              "3",
	ClassYear:               "2022",
	ClassLine:               "A",
	Type:                    "Skole",
	SchoolYear:              "2024-2025",
}

func TestTemplateExecute(t *testing.T) {
	tests := []struct {
		name, text string
		vars       naming.Vars
		want       string
	}{
		{"institution OU", "{INSTITUTION_NAME} ({INSTITUTION_NUMBER})", vars, "Søndervangskolen (280123)"},
		{"every placeholder", "{INSTITUTION_NAME}|{INSTITUTION_ABBREVIATION}|{INSTITUTION_NUMBER}|{CLASS_NAME}|{CLASS_ID}|{CLASS_LEVEL}|{CLASS_YEAR}|{CLASS_LINE}|{TYPE}|{SCHOOL_YEAR}", vars,
			"Søndervangskolen|SVS|280123|3.A|g-4711|3|2022|A|Skole|2024-2025"},
		{"last two of start year", "elever{CLASS_YEAR:-2}{CLASS_LINE:lower}", vars, "elever22a"},
		{"first characters", "{INSTITUTION_NAME:6}", vars, "Sønder"},
		{"chained modifiers", "{INSTITUTION_NAME:ascii:lower:8}", vars, "soendervangskolen"[:8]},
		{"upper", "{CLASS_LINE:lower:upper}", vars, "A"},
		{"slug", "{INSTITUTION_ABBREVIATION:slug}-{CLASS_NAME:slug}", vars, "svs-3-a"},
		{"literal braces", "{{{CLASS_NAME}}}", vars, "{3.A}"},
		{"empty value leaves no double space", "{CLASS_NAME} {CLASS_LINE} elever", naming.Vars{ClassName: "3"}, "3 elever"},
		{"empty value in brackets", "{INSTITUTION_NAME} ({INSTITUTION_NUMBER})", naming.Vars{InstitutionName: "Skolen"}, "Skolen"},
		{"dangling separator", "{INSTITUTION_ABBREVIATION}-{CLASS_NAME}", naming.Vars{ClassName: "3.A"}, "3.A"},
		{"values cleaned", "{CLASS_NAME}", naming.Vars{ClassName: " 3.\u200BA\u00A0 "}, "3.A"},
		{"decomposed value", "{INSTITUTION_NAME}", naming.Vars{InstitutionName: "A\u030Ager Skole"}, "Åger Skole"},
		{"cut keeps letter whole", "{INSTITUTION_NAME:2}", naming.Vars{InstitutionName: "Ae\u0301b"}, "Aé"},
		{"last characters longer than value", "{CLASS_YEAR:-10}", vars, "2022"},
		{"empty template", "", vars, ""},
		{"blank template", "   ", vars, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := naming.ParseTemplate(tt.name, tt.text)
			if err != nil {
				t.Fatalf("ParseTemplate: %v", err)
			}
			if diff := cmp.Diff(tt.want, tpl.Execute(tt.vars)); diff != "" {
				t.Errorf("Execute (-want +got):\n%s", diff)
			}
			if got, want := tpl.Empty(), strings.TrimSpace(tt.text) == ""; got != want {
				t.Errorf("Empty() = %v, want %v", got, want)
			}
		})
	}
}

func TestParseTemplateErrors(t *testing.T) {
	tests := []struct {
		name, text string
		want       []naming.TemplateProblem
	}{
		{"unknown placeholder", "{SCHOOL}", []naming.TemplateProblem{{Offset: 0, Msg: "unknown placeholder {SCHOOL}; known: INSTITUTION_NAME, INSTITUTION_ABBREVIATION, INSTITUTION_NUMBER, CLASS_NAME, CLASS_ID, CLASS_LEVEL, CLASS_YEAR, CLASS_LINE, TYPE, SCHOOL_YEAR"}}},
		{"lower-case placeholder gets a hint", "x{class_name}", []naming.TemplateProblem{{Offset: 1, Msg: "unknown placeholder {class_name} (did you mean {CLASS_NAME}?); known: INSTITUTION_NAME, INSTITUTION_ABBREVIATION, INSTITUTION_NUMBER, CLASS_NAME, CLASS_ID, CLASS_LEVEL, CLASS_YEAR, CLASS_LINE, TYPE, SCHOOL_YEAR"}}},
		{"bad modifier", "{CLASS_YEAR:last2}", []naming.TemplateProblem{{Offset: 0, Msg: `placeholder {CLASS_YEAR}: bad modifier "last2": want N or -N (1 to 1000 characters), lower, upper, ascii or slug`}}},
		{"zero modifier", "{CLASS_YEAR:0}", []naming.TemplateProblem{{Offset: 0, Msg: `placeholder {CLASS_YEAR}: bad modifier "0": want N or -N (1 to 1000 characters), lower, upper, ascii or slug`}}},
		{"empty modifier", "{CLASS_YEAR:}", []naming.TemplateProblem{{Offset: 0, Msg: "placeholder {CLASS_YEAR}: empty modifier"}}},
		{"unclosed brace", "ab{CLASS_NAME", []naming.TemplateProblem{{Offset: 2, Msg: "unclosed '{' (write {{ for a literal brace)"}}},
		{"unmatched close", "a}b", []naming.TemplateProblem{{Offset: 1, Msg: "unmatched '}' (write }} for a literal brace)"}}},
		{"every problem at once", "{X} {CLASS_NAME:9999} }", []naming.TemplateProblem{
			{Offset: 0, Msg: "unknown placeholder {X}; known: INSTITUTION_NAME, INSTITUTION_ABBREVIATION, INSTITUTION_NUMBER, CLASS_NAME, CLASS_ID, CLASS_LEVEL, CLASS_YEAR, CLASS_LINE, TYPE, SCHOOL_YEAR"},
			{Offset: 4, Msg: `placeholder {CLASS_NAME}: bad modifier "9999": want N or -N (1 to 1000 characters), lower, upper, ascii or slug`},
			{Offset: 22, Msg: "unmatched '}' (write }} for a literal brace)"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := naming.ParseTemplate("ad.ou.class", tt.text)
			if err == nil {
				t.Fatalf("ParseTemplate(%q) = %v, want error", tt.text, tpl)
			}
			if !errors.Is(err, naming.ErrTemplate) {
				t.Errorf("error %v is not ErrTemplate", err)
			}
			var te *naming.TemplateError
			if !errors.As(err, &te) {
				t.Fatalf("error %T is not *TemplateError", err)
			}
			if te.Template != "ad.ou.class" || te.Text != tt.text {
				t.Errorf("error names template %q text %q", te.Template, te.Text)
			}
			if diff := cmp.Diff(tt.want, te.Problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTemplateErrorMessage(t *testing.T) {
	_, err := naming.ParseTemplate("google.group.class", "{X}")
	want := `parse template "google.group.class": offset 0: unknown placeholder {X}; known: INSTITUTION_NAME, INSTITUTION_ABBREVIATION, INSTITUTION_NUMBER, CLASS_NAME, CLASS_ID, CLASS_LEVEL, CLASS_YEAR, CLASS_LINE, TYPE, SCHOOL_YEAR`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant    %s", err, want)
	}
}

func TestClassTemplate(t *testing.T) {
	noYear := vars
	noYear.ClassYear = ""
	noLine := vars
	noLine.ClassLine = " "
	tests := []struct {
		name              string
		primary, fallback string
		vars              naming.Vars
		want              string
		empty             bool
	}{
		{"primary", "{CLASS_YEAR}{CLASS_LINE} {INSTITUTION_ABBREVIATION}", "{CLASS_NAME} {INSTITUTION_ABBREVIATION}", vars, "2022A SVS", false},
		{"no start year uses fallback", "{CLASS_YEAR}{CLASS_LINE} {INSTITUTION_ABBREVIATION}", "{CLASS_NAME} {INSTITUTION_ABBREVIATION}", noYear, "3.A SVS", false},
		{"blank line uses fallback", "{CLASS_YEAR}{CLASS_LINE}", "{CLASS_NAME}", noLine, "3.A", false},
		{"primary not using the missing value", "{CLASS_NAME}", "fallback", noYear, "3.A", false},
		{"no fallback configured", "{CLASS_YEAR} {CLASS_NAME}", "", noYear, "3.A", false},
		{"empty primary: not created", "", "{CLASS_NAME}", noYear, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, err := naming.ParseClassTemplate("ad.group.class", tt.primary, tt.fallback)
			if err != nil {
				t.Fatal(err)
			}
			if got := ct.Execute(tt.vars); got != tt.want {
				t.Errorf("Execute = %q, want %q", got, tt.want)
			}
			if ct.Empty() != tt.empty {
				t.Errorf("Empty() = %v, want %v", ct.Empty(), tt.empty)
			}
		})
	}
}

func TestParseClassTemplateReportsBoth(t *testing.T) {
	_, err := naming.ParseClassTemplate("ad.group.class", "{NOPE}", "{ALSO_NOPE}")
	var te *naming.TemplateError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	for _, want := range []string{`"ad.group.class"`, `"ad.group.class.fallback"`, "{NOPE}", "{ALSO_NOPE}"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %s", msg, want)
		}
	}
}

func TestNilTemplate(t *testing.T) {
	var tpl *naming.Template
	if !tpl.Empty() || tpl.Execute(vars) != "" || tpl.Uses(naming.PlaceClassYear) || tpl.Name() != "" || tpl.String() != "" {
		t.Error("nil template is not the empty template")
	}
	var ct naming.ClassTemplate
	if !ct.Empty() || ct.Execute(vars) != "" {
		t.Error("zero ClassTemplate is not empty")
	}
}
