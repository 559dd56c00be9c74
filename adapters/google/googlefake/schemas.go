package googlefake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"unicode/utf8"
)

// Directory API custom schemas and the typed check of their field values.

// ---- schemas ----

var fieldTypes = map[string]bool{"STRING": true, "INT64": true, "BOOL": true, "DOUBLE": true, "EMAIL": true, "PHONE": true, "DATE": true}

var fieldNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

func (sc *schema) field(name string) *schemaField {
	for _, f := range sc.Fields {
		if f.FieldName == name {
			return f
		}
	}
	return nil
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// check validates one custom field value and returns it decoded.
func (f *schemaField) check(raw json.RawMessage) (any, error) {
	if f.MultiValued {
		var arr []struct {
			Type       string          `json:"type,omitempty"`
			CustomType string          `json:"customType,omitempty"`
			Value      json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(raw, &arr); err != nil {
			return nil, fmt.Errorf("multi-valued field needs [{value}]")
		}
		out := make([]any, 0, len(arr))
		for _, e := range arr {
			v, err := f.one(e.Value)
			if err != nil {
				return nil, err
			}
			out = append(out, map[string]any{"value": v})
		}
		return out, nil
	}
	return f.one(raw)
}

func (f *schemaField) one(raw json.RawMessage) (any, error) {
	switch f.FieldType {
	case "BOOL":
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, fmt.Errorf("want a boolean")
		}
		return b, nil
	case "INT64", "DOUBLE":
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, fmt.Errorf("want a number")
			}
			return s, nil
		}
		return n.String(), nil
	default:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("want a string")
		}
		if f.FieldType == "DATE" && s != "" && !dateRE.MatchString(s) {
			return nil, fmt.Errorf("want a date yyyy-mm-dd")
		}
		if utf8.RuneCountInString(s) > 500 {
			return nil, fmt.Errorf("value longer than 500 characters")
		}
		return s, nil
	}
}

func (s *store) listSchemas(r *http.Request, _ []byte) (int, any, error) {
	if !s.customer(r.PathValue("customerId")) {
		return 0, nil, errf(400, "badRequest", "Bad Request")
	}
	names := make([]string, 0, len(s.schemas))
	for n := range s.schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	list := make([]any, len(names))
	for i, n := range names {
		list[i] = s.schemas[n]
	}
	return 200, map[string]any{"kind": "admin#directory#schemas", "schemas": list}, nil
}

func (s *store) schemaByKey(k string) *schema {
	if sc, ok := s.schemas[k]; ok {
		return sc
	}
	for _, sc := range s.schemas {
		if sc.SchemaID == k {
			return sc
		}
	}
	return nil
}

func (s *store) getSchema(r *http.Request, _ []byte) (int, any, error) {
	if !s.customer(r.PathValue("customerId")) {
		return 0, nil, errf(400, "badRequest", "Bad Request")
	}
	sc := s.schemaByKey(r.PathValue("schemaKey"))
	if sc == nil {
		return 0, nil, notFound("Resource Not Found: schemaKey")
	}
	return 200, sc, nil
}

// decodeSchema validates a schema body against an existing schema (nil for
// an insert), keeping the ids of fields that stay.
func (s *store) decodeSchema(body []byte, old *schema) (*schema, error) {
	var in schema
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, errf(400, "parseError", "Invalid JSON payload received.")
	}
	if old != nil && in.SchemaName == "" {
		in.SchemaName = old.SchemaName
	}
	if !fieldNameRE.MatchString(in.SchemaName) {
		return nil, invalid("Invalid Input: schemaName")
	}
	if len(in.Fields) == 0 {
		return nil, invalid("Invalid Input: fields")
	}
	seen := map[string]bool{}
	for _, f := range in.Fields {
		if !fieldNameRE.MatchString(f.FieldName) || seen[f.FieldName] {
			return nil, invalid("Invalid Input: fieldName %q", f.FieldName)
		}
		seen[f.FieldName] = true
		if !fieldTypes[f.FieldType] {
			return nil, invalid("Invalid Input: fieldType %q", f.FieldType)
		}
		if f.ReadAccessType == "" {
			f.ReadAccessType = "ALL_DOMAIN_USERS"
		}
		if f.Indexed == nil {
			t := true
			f.Indexed = &t
		}
		f.Kind = "admin#directory#schema#fieldspec"
		f.FieldID = ""
		if old != nil {
			if of := old.field(f.FieldName); of != nil {
				f.FieldID = of.FieldID
			}
		}
		if f.FieldID == "" {
			f.FieldID = s.newID("f")
		}
		f.Etag = fmt.Sprintf("\"%s\"", f.FieldID)
	}
	in.Kind = "admin#directory#schema"
	return &in, nil
}

func (s *store) insertSchema(r *http.Request, body []byte) (int, any, error) {
	if !s.customer(r.PathValue("customerId")) {
		return 0, nil, errf(400, "badRequest", "Bad Request")
	}
	sc, err := s.decodeSchema(body, nil)
	if err != nil {
		return 0, nil, err
	}
	if s.schemas[sc.SchemaName] != nil {
		return 0, nil, duplicate("Entity already exists.")
	}
	sc.SchemaID = s.newID("s")
	sc.Etag = fmt.Sprintf("\"%s/%d\"", sc.SchemaID, s.seq)
	s.schemas[sc.SchemaName] = sc
	return 200, sc, nil
}

func (s *store) updateSchema(r *http.Request, body []byte) (int, any, error) {
	if !s.customer(r.PathValue("customerId")) {
		return 0, nil, errf(400, "badRequest", "Bad Request")
	}
	old := s.schemaByKey(r.PathValue("schemaKey"))
	if old == nil {
		return 0, nil, notFound("Resource Not Found: schemaKey")
	}
	sc, err := s.decodeSchema(body, old)
	if err != nil {
		return 0, nil, err
	}
	if sc.SchemaName != old.SchemaName {
		return 0, nil, invalid("Invalid Input: schemaName cannot change")
	}
	sc.SchemaID = old.SchemaID
	sc.Etag = fmt.Sprintf("\"%s/%d\"", sc.SchemaID, s.seq)
	s.schemas[sc.SchemaName] = sc
	return 200, sc, nil
}
