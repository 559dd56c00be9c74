package ui

import (
	"context"

	"github.com/orgsync/orgsync/adapters/auditlog"
)

// PagePurposes are the purposes the pages record on their own (the search
// records the one the user chose). An accountability log the UI writes to
// must have them on its purpose list (auditlog.Options.Purposes).
var PagePurposes = []string{"pending changes", "keep-alive list", "primary institutions", "class list", "own children"}

// AuditRecorder writes the UI's look-ups to the accountability log (an
// *auditlog.Log, or an *auditlog.Memory in tests). A look-up the log
// refuses (a purpose not on its list) is not shown.
type AuditRecorder struct {
	Log auditlog.Recorder
	// Client names the UI in the records (default "broker-ui").
	Client string
}

// Record implements Recorder.
func (a AuditRecorder) Record(ctx context.Context, l Lookup) error {
	client := a.Client
	if client == "" {
		client = "broker-ui"
	}
	persons := l.Persons
	if persons == nil {
		persons = []string{}
	}
	return a.Log.Lookup(ctx, auditlog.Lookup{
		Time:     l.At.UTC(),
		Actor:    auditlog.Actor{ID: l.Actor},
		Role:     string(l.Role),
		SourceIP: l.SourceIP,
		Purpose:  l.Purpose,
		Query:    l.Query,
		Persons:  persons,
		Count:    len(persons),
		Client:   client,
	})
}
