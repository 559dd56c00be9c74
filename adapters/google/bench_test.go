package google_test

import (
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/adapters/google/googlefake"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// BenchmarkSync syncs a generated municipality into an empty fake Google
// Workspace (licences, one drive per staff and class group) and then
// re-reads and re-plans it. It reports the calls made per API, the wall
// time against the fake (no pacing) and the time the same calls take at
// the Directory API's quota of 2,400 queries per minute, which is what a
// real first sync is bounded by: the Google Go client has no batch support.
//
//	go test ./adapters/google -run '^$' -bench 'BenchmarkSync/60k' -benchtime 1x
func BenchmarkSync(b *testing.B) {
	for _, tc := range []struct {
		name string
		size synth.Config
	}{{"5k", synth.Small}, {"60k", synth.Medium}} {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				f := googlefake.New(googlefake.Options{Seed: 1})
				gcfg := google.Config{Domain: "skole.test", Licences: eduLicences, Drives: google.DriveConfig{Model: google.DrivePerGroup}, Concurrency: 16}
				m := newMunicipality(b, tc.size, desired.InstitutionsFirst, gcfg)
				c := newClient(b, f, gcfg)
				want := m.desired(b)
				b.StartTimer()

				start := time.Now()
				p := m.sync(b, c, want)
				wall := time.Since(start)
				st := f.Stats()
				f.ResetStats()
				start = time.Now()
				p2, _ := m.plan(b, c, want)
				reread := time.Since(start)
				rst := f.Stats()
				b.StopTimer()
				if !p2.Empty() {
					b.Fatalf("second plan has %d changes", len(p2.Changes))
				}
				dir, lic, drv := st.CallsOf("directory"), st.CallsOf("licensing"), st.CallsOf("drive")
				b.ReportMetric(float64(len(p.Changes)), "changes")
				b.ReportMetric(float64(st.Total()), "calls")
				b.ReportMetric(float64(dir), "directory-calls")
				b.ReportMetric(float64(lic), "licensing-calls")
				b.ReportMetric(float64(drv), "drive-calls")
				b.ReportMetric(wall.Seconds(), "sync-s")
				b.ReportMetric(float64(dir)/2400, "quota-min")
				b.ReportMetric(float64(rst.Total()), "reread-calls")
				b.ReportMetric(reread.Seconds(), "reread-s")
				f.Close()
			}
		})
	}
}
