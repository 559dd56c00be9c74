package auditlog_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
)

// A vendor's code records each read of persons on a user's behalf; the
// log is signed and verifies.
func ExampleLog_Lookup() {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)) // keep the real key outside the log
	var file, copies bytes.Buffer
	log := auditlog.New(auditlog.NewStreamSink(&file), auditlog.Options{Key: key, Copy: auditlog.NewStreamSink(&copies)})
	ctx := context.Background()
	err := log.Lookup(ctx, auditlog.Lookup{
		Time:     time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC),
		Actor:    auditlog.Actor{ID: "ulla7", Name: "Ulla Hansen"},
		Role:     "teacher",
		SourceIP: "10.1.2.3",
		Purpose:  "password reset",
		Query:    "0101101234",
		Criteria: auditlog.Criteria{CPR: "0101101234"},
		Persons:  []string{"p17"},
		Count:    1,
		Client:   "vendor-portal",
	})
	if err != nil {
		fmt.Println("do not show the data:", err)
		return
	}
	_ = log.Close(ctx) // a final signed checkpoint
	rep, err := auditlog.Verify(&file, auditlog.VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey), Copies: &copies, Final: true})
	fmt.Println(rep.Records, rep.Checkpoints, err)
	// Output: 2 1 <nil>
}
