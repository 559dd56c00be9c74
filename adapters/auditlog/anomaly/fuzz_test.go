package anomaly

import (
	"bytes"
	"testing"
)

// FuzzRead: any input gives events and actions or an error, never a
// panic; what Read returns can be analysed.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"seq":1,"prev":"x","type":"lookup","time":"2026-11-02T09:00:00Z","actor":"u","purpose":"export","persons":["p"],"count":1}` + "\n" +
		`{"seq":2,"prev":"y","time":"2026-11-02T09:01:00Z","actor":"u","phase":"outcome","key":"user/p"}`))
	f.Add([]byte("{}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, acts, err := Read(bytes.NewReader(b))
		if err == nil {
			Analyze(ev, acts, Directory{}, Config{})
		}
	})
}
