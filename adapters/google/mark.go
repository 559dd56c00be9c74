package google

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
	admin "google.golang.org/api/admin/directory/v1"
	"google.golang.org/api/googleapi"
)

// Kinds the Google adapter adds to diff's container, user and group.
const (
	// Drive is a shared drive. Its Members are group (or user) keys shared
	// into the drive with the role in attribute "role".
	Drive diff.Kind = "drive"
	// Folder is a folder in a shared drive; attribute "drive" holds the
	// drive's key.
	Folder diff.Kind = "folder"
)

// Attributes the adapter adds to users (see Prepare).
const (
	// AttrGAL is "true" or "false": includeInGlobalAddressList.
	AttrGAL = "includeInGlobalAddressList"
	// AttrLicence is "product/sku" of the user's licence, "" for none.
	AttrLicence = "licence"
	// AttrRole is the Drive role given to the members of a drive or folder.
	AttrRole = "role"
	// AttrDrive is the key of the shared drive a folder lives in. (A
	// folder's Parent stays "": diff allows only containers as parents.)
	AttrDrive = "drive"
)

// User attributes stored natively in the Directory user.
var nativeUserAttrs = []string{attr.GivenName, attr.FamilyName, attr.DisplayName, attr.Email, AttrGAL, AttrLicence}

// User attributes stored in the custom schema, with their field types.
// Every field is readable by administrators and the user only.
var schemaUserAttrs = []string{attr.Username, attr.Roles, attr.Institutions, attr.GlobalRole, attr.DisabledDate, attr.UNIID, attr.CPR, attr.Level, attr.StartYear, attr.Title}

// Schema fields that carry the mark itself.
const (
	fieldManaged = "managed"
	fieldKey     = "key"
	fieldName    = "name"
	fieldInst    = "institution"
	// fieldEmpty lists the names ("given", "family") that are empty in the
	// desired state and hold a stand-in in Google, which requires both.
	fieldEmpty = "emptyNames"
)

// userAttrKnown reports whether the adapter stores a user attribute.
func userAttrKnown(a string) bool {
	return slices.Contains(nativeUserAttrs, a) || slices.Contains(schemaUserAttrs, a)
}

// schemaDef is the custom schema the adapter creates when it is missing.
func (c *Client) schemaDef() *admin.Schema {
	f := func(name, typ string) *admin.SchemaFieldSpec {
		indexed := name == fieldManaged || name == fieldKey
		return &admin.SchemaFieldSpec{FieldName: name, FieldType: typ, ReadAccessType: "ADMINS_AND_SELF", Indexed: &indexed, DisplayName: name}
	}
	s := &admin.Schema{SchemaName: c.cfg.Mark, DisplayName: "orgsync"}
	s.Fields = append(s.Fields, f(fieldManaged, "BOOL"), f(fieldKey, "STRING"), f(fieldName, "STRING"), f(fieldInst, "STRING"), f(fieldEmpty, "STRING"))
	for _, a := range schemaUserAttrs {
		typ := "STRING"
		if a == diff.AttrDisabledDate {
			typ = "DATE"
		}
		s.Fields = append(s.Fields, f(a, typ))
	}
	return s
}

// userSchema is the custom schema value of a user: the mark, the key, the
// object name and the schema attributes of o. Attributes o lacks are sent
// as null so that a patch clears them.
func (c *Client) userSchema(o *diff.Object) map[string]googleapi.RawMessage {
	m := map[string]any{fieldManaged: true, fieldKey: o.Key, fieldName: o.Name, fieldInst: nil}
	if o.Institution != "" {
		m[fieldInst] = o.Institution
	}
	if _, _, empty := nativeNames(o); empty != "" {
		m[fieldEmpty] = empty
	} else {
		m[fieldEmpty] = nil
	}
	for _, a := range schemaUserAttrs {
		if v := o.Attrs.Get(a); v != "" {
			m[a] = v
		} else {
			m[a] = nil
		}
	}
	b, _ := json.Marshal(m)
	return map[string]googleapi.RawMessage{c.cfg.Mark: b}
}

// readUserSchema returns the key, name and attributes stored in a user's
// custom schema; ok is false when the user lacks the mark.
func (c *Client) readUserSchema(u *admin.User) (key, name, inst string, attrs diff.Attrs, ok bool) {
	raw, has := u.CustomSchemas[c.cfg.Mark]
	if !has {
		return "", "", "", nil, false
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return "", "", "", nil, false
	}
	managed, _ := m[fieldManaged].(bool)
	key, _ = m[fieldKey].(string)
	if !managed || key == "" {
		return "", "", "", nil, false
	}
	name, _ = m[fieldName].(string)
	inst, _ = m[fieldInst].(string)
	if empty, _ := m[fieldEmpty].(string); empty != "" {
		attrs.Set(fieldEmpty, empty)
	}
	for _, a := range schemaUserAttrs {
		if v, ok := m[a].(string); ok && v != "" {
			attrs.Set(a, v)
		}
	}
	return key, name, inst, attrs, true
}

// userExternalIDs returns a user's externalIds with orgsync's entry set to
// key (other entries kept).
func (c *Client) userExternalIDs(existing any, key string) []map[string]string {
	var out []map[string]string
	if b, err := json.Marshal(existing); err == nil {
		var cur []map[string]string
		_ = json.Unmarshal(b, &cur)
		for _, e := range cur {
			if !(e["type"] == "custom" && e["customType"] == c.cfg.Mark) {
				out = append(out, e)
			}
		}
	}
	return append(out, map[string]string{"type": "custom", "customType": c.cfg.Mark, "value": key})
}

// encodeMark writes key, parent and attributes into the text form kept in
// org unit, group and Drive descriptions: "<mark> key=…&parent=…&a=…".
func (c *Client) encodeMark(o *diff.Object) string {
	v := url.Values{}
	v.Set("key", o.Key)
	if o.Parent != "" {
		v.Set("parent", o.Parent)
	}
	if o.Institution != "" {
		v.Set("inst", o.Institution)
	}
	for k, val := range o.Attrs.All() {
		if val != "" && !reservedMark[k] {
			v.Set(k, val)
		}
	}
	return c.cfg.Mark + " " + v.Encode()
}

// decodeMark reads a description written by encodeMark.
func (c *Client) decodeMark(desc string) (m markData, ok bool) {
	rest, found := strings.CutPrefix(desc, c.cfg.Mark+" ")
	if !found {
		return m, false
	}
	v, err := url.ParseQuery(strings.TrimSpace(rest))
	if err != nil || v.Get("key") == "" {
		return m, false
	}
	m = markData{key: v.Get("key"), parent: v.Get("parent"), inst: v.Get("inst")}
	for k := range v {
		if !reservedMark[k] {
			m.attrs.Set(k, v.Get(k))
		}
	}
	return m, true
}

// markData is what a description mark holds.
type markData struct {
	key, parent, inst string
	attrs             diff.Attrs
}

// reservedMark are the parameter names of a mark that are not attributes.
var reservedMark = map[string]bool{"key": true, "parent": true, "inst": true}

// Drive property names of the mark.
func (c *Client) propManaged() string { return c.cfg.Mark + "Managed" }
func (c *Client) propKey() string     { return c.cfg.Mark + "Key" }
func (c *Client) propKind() string    { return c.cfg.Mark + "Kind" }

// nativeNames returns the given and family names to write to Google, which
// requires both: an empty one is stood in for by the other name, the
// username or "-". empty lists the stood-in names ("given", "family",
// "given,family") for the custom schema, so that Read reports them empty.
func nativeNames(o *diff.Object) (given, family, empty string) {
	given, family = o.Attrs.Get(attr.GivenName), o.Attrs.Get(attr.FamilyName)
	stand := func(other string) string {
		switch {
		case other != "":
			return other
		case o.Attrs.Get(diff.AttrUsername) != "":
			return o.Attrs.Get(diff.AttrUsername)
		}
		return "-"
	}
	var e []string
	if given == "" {
		given = stand(family)
		e = append(e, "given")
	}
	if family == "" {
		family = stand(o.Attrs.Get(attr.GivenName))
		e = append(e, "family")
	}
	return given, family, strings.Join(e, ",")
}
