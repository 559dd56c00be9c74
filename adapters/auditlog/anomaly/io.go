package anomaly

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteCSV writes one row per finding: kind, actor, person, why and the
// records (seq numbers separated by spaces).
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"kind", "actor", "person", "why", "records"})
	for _, f := range r.Findings {
		recs := make([]string, len(f.Records))
		for i, s := range f.Records {
			recs[i] = strconv.FormatInt(s, 10)
		}
		_ = cw.Write([]string{f.Kind, f.Actor, f.Person, f.Why, strings.Join(recs, " ")})
	}
	cw.Flush()
	return cw.Error()
}

// Read reads the look-ups and actions of a log (verify it first with
// auditlog.Verify). Actions are applied change records (diff's, with an
// actor) and look-ups of a person's page; the person of a change is the
// last part of its key ("user/p17" is p17).
func Read(r io.Reader) ([]Event, []Action, error) {
	var (
		events  []Event
		actions []Action
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for n := 1; sc.Scan(); n++ {
		var l struct {
			Seq   int64     `json:"seq"`
			Type  string    `json:"type"`
			Phase string    `json:"phase"`
			Time  time.Time `json:"time"`
			Actor string    `json:"actor"`
			Key   string    `json:"key"`
			Err   string    `json:"err"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, nil, fmt.Errorf("anomaly: line %d: %w", n, err)
		}
		switch {
		case l.Type == auditlog.TypeLookup:
			e := Event{Seq: l.Seq}
			if err := json.Unmarshal(sc.Bytes(), &e.Lookup); err != nil {
				return nil, nil, fmt.Errorf("anomaly: line %d: %w", n, err)
			}
			events = append(events, e)
		case l.Type == "" && l.Phase != "intent" && l.Err == "" && l.Key != "":
			actions = append(actions, Action{Seq: l.Seq, Time: l.Time, Actor: l.Actor, Person: l.Key[strings.LastIndex(l.Key, "/")+1:]})
		}
	}
	return events, actions, sc.Err()
}

// SpotCheck draws a reproducible random sample of n look-ups of a period
// for a supervisor to review (stikprøve). The draw ranks every event of
// the period by an HMAC of the period and its seq under secret and takes
// the n lowest: the same log, period and secret give the same sample, and
// nobody without the secret can tell which look-ups will be drawn. Record
// the review's outcome with an auditlog.Review (Period and Records set)
// appended to the log. in reports whether an event belongs to the period.
func SpotCheck(events []Event, period string, in func(time.Time) bool, n int, secret []byte) []Event {
	type ranked struct {
		rank uint64
		e    Event
	}
	var rs []ranked
	for _, e := range events {
		if !in(e.Time) {
			continue
		}
		m := hmac.New(sha256.New, secret)
		fmt.Fprintf(m, "%s\x00%d", period, e.Seq)
		rs = append(rs, ranked{binary.BigEndian.Uint64(m.Sum(nil)), e})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].rank < rs[j].rank })
	if len(rs) > n {
		rs = rs[:n]
	}
	out := make([]Event, len(rs))
	for i, r := range rs {
		out[i] = r.e
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// Month returns the period test of a month written "2006-01" in loc, for
// SpotCheck.
func Month(period string, loc *time.Location) (func(time.Time) bool, error) {
	start, err := time.ParseInLocation("2006-01", period, loc)
	if err != nil {
		return nil, fmt.Errorf("anomaly: period %q: want YYYY-MM", period)
	}
	end := start.AddDate(0, 1, 0)
	return func(t time.Time) bool { return !t.Before(start) && t.Before(end) }, nil
}
