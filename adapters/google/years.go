package google

import (
	"regexp"
	"strings"

	"github.com/orgsync/orgsync/diff"
)

// schoolYearRe matches the school year a yearly class folder's key ends
// with ("2025-2026", also "2025-26").
var schoolYearRe = regexp.MustCompile(`^(\d{4})-\d{2,4}$`)

// folderYear returns the first calendar year of the school year a folder
// key ends with, or "" for a folder without one.
func folderYear(key string) string {
	m := schoolYearRe.FindStringSubmatch(key[strings.LastIndex(key, "/")+1:])
	if m == nil {
		return ""
	}
	return m[1]
}

// hidePastYears leaves out of a read the yearly class folders of school
// years before the newest one read (DrivePerInstitution): a past year's
// folder is an archive that orgsync keeps as it is — named, placed and
// shared with its class as it was — and never deletes. Until the new
// year's folders exist (the run of the year roll) last year's are still
// read; they are then retired, which writes the date in their mark but
// leaves their name and sharing alone.
func hidePastYears(objs []diff.Object) []diff.Object {
	newest := ""
	for _, o := range objs {
		if o.Kind == Folder {
			if y := folderYear(o.Key); y > newest {
				newest = y
			}
		}
	}
	if newest == "" {
		return objs
	}
	out := objs[:0]
	for _, o := range objs {
		if o.Kind == Folder {
			if y := folderYear(o.Key); y != "" && y < newest {
				continue
			}
		}
		out = append(out, o)
	}
	return out
}
