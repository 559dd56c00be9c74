package ad_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/diff"
)

// Dial a domain controller, read what orgsync manages, plan a desired
// state against it and apply the plan.
func ExampleDial() {
	ctx := context.Background()
	c, err := ad.Dial(ctx, ad.Config{
		URL:       "ldaps://dc1.kommune.dk",
		BindDN:    "svc-orgsync@kommune.dk",
		Password:  os.Getenv("ORGSYNC_AD_PASSWORD"),
		CAFile:    "/etc/orgsync/ad-ca.pem",
		Base:      "OU=Skoledata,DC=kommune,DC=dk",
		UPNDomain: "kommune.dk",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	actual, err := c.Read(ctx)
	if err != nil {
		log.Fatal(err)
	}
	var desired []diff.Object // from diff/desired's Projection.Build
	plan, err := diff.Compute(c.Prepare(desired), actual, diff.Options{})
	if err != nil {
		log.Fatal(err)
	}
	report, err := diff.Apply(ctx, c, plan, diff.ApplyOptions{Concurrency: 16})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(report.Applied, "changes applied")
}
