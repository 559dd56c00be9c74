package stil

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/orgmodel"
)

// v7Fields reads testdata/v7-fields.txt: every element and attribute path
// of the schema ("P/" expanded to both kinds of person element).
func v7Fields(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "v7-fields.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const ip = "UNILoginExportFullMyndighed/Institution/InstitutionPerson/"
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		path, _, _ := strings.Cut(line, "\t")
		if rest, ok := strings.CutPrefix(path, "P/"); ok {
			out = append(out, ip+"Person/"+rest, ip+"Student/ContactPerson/Person/"+rest)
			continue
		}
		out = append(out, path)
	}
	slices.Sort(out)
	return out
}

// xmlPairs returns every "path=value" of an XML document (attributes as
// path/@name, text of elements without child elements) and the set of
// element and attribute paths.
func xmlPairs(t *testing.T, r io.Reader) (pairs []string, paths map[string]bool) {
	t.Helper()
	paths = map[string]bool{}
	dec := xml.NewDecoder(r)
	var stack []string
	var text []string
	var hasChild []bool
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if len(hasChild) > 0 {
				hasChild[len(hasChild)-1] = true
			}
			stack = append(stack, x.Name.Local)
			p := strings.Join(stack, "/")
			paths[p] = true
			for _, a := range x.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
					continue
				}
				paths[p+"/@"+a.Name.Local] = true
				pairs = append(pairs, p+"/@"+a.Name.Local+"="+a.Value)
			}
			text, hasChild = append(text, ""), append(hasChild, false)
		case xml.CharData:
			if len(text) > 0 {
				text[len(text)-1] += string(x)
			}
		case xml.EndElement:
			n := len(stack) - 1
			if v := strings.TrimSpace(text[n]); !hasChild[n] && v != "" {
				pairs = append(pairs, strings.Join(stack, "/")+"="+v)
			}
			stack, text, hasChild = stack[:n], text[:n], hasChild[:n]
		}
	}
	slices.Sort(pairs)
	return pairs, paths
}

// jsonPairs returns every "path=value" of ExportJSON's output.
func jsonPairs(v any, path string, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			switch {
			case k == "#text":
				jsonPairs(c, path, out)
			default:
				p := k
				if path != "" {
					p = path + "/" + k
				}
				jsonPairs(c, p, out)
			}
		}
	case []any:
		for _, c := range x {
			jsonPairs(c, path, out)
		}
	case string:
		*out = append(*out, path+"="+x)
	}
}

// TestRoundTripEveryField: testdata/every-field.xml uses every element and
// attribute of the v7 schema (testdata/v7-fields.txt), and export ->
// snapshot (through its JSON) -> ExportJSON gives every value back.
func TestRoundTripEveryField(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "every-field.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want, paths := xmlPairs(t, bytes.NewReader(raw))
	var used []string
	for p := range paths {
		used = append(used, p)
	}
	slices.Sort(used)
	if diff := cmp.Diff(v7Fields(t), used); diff != "" {
		t.Fatalf("every-field.xml does not use exactly the v7 fields (-schema +file):\n%s", diff)
	}

	res, err := Decode(bytes.NewReader(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Problems(); len(p) != 0 {
		t.Fatalf("problems: %v", p)
	}
	snap, probs, err := res.Build(MergeOptions{})
	if err != nil || len(probs) != 0 {
		t.Fatalf("Build: %v %v", err, probs)
	}
	b, err := json.Marshal(&snap)
	if err != nil {
		t.Fatal(err)
	}
	var back orgmodel.Snapshot
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	out, err := ExportJSON(&back)
	if err != nil {
		t.Fatal(err)
	}
	var docs []any
	if err := json.Unmarshal(out, &docs); err != nil {
		t.Fatal(err)
	}
	var got []string
	jsonPairs(docs, "", &got)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip lost or changed values (-export +round trip):\n%s", diff)
	}
}
