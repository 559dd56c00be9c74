package broker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/orgsync/orgsync/adapters/stil"
	"github.com/orgsync/orgsync/orgmodel"
)

// MaxFetchTimes is the most fetch times a day STILSchedule accepts: STIL
// allows 4 exports per institution per day.
const MaxFetchTimes = stil.MaxFetchesPerDay

// STILSchedule fetches each institution's WS-17 export at the configured
// times of day, merges the latest export of every institution into one
// snapshot (an institution whose fetch fails keeps its last export) and
// gives it to Sources. Use a stil.Client with a stil.DailyQuota as Fetcher
// (or a DropFolder for exports saved into a folder). Drive it with Tick.
type STILSchedule struct {
	Fetcher stil.Fetcher
	// Institutions are the institution numbers to fetch.
	Institutions []string
	// Times are the times of day ("06:00"), at most MaxFetchTimes.
	Times   []string
	Sources *Sources
	// Merge are the options of stil.Result.Merge (Previous is set here).
	Merge stil.MergeOptions
	Clock func() time.Time

	mu      sync.Mutex
	last    time.Time               // the last slot fetched
	exports map[string]*stil.Export // latest usable export per institution
	errs    map[string]string       // last fetch error per institution
	prev    *orgmodel.Snapshot      // the last merged snapshot
}

// Validate checks the schedule's configuration; errors name the field.
func (s *STILSchedule) Validate() error {
	var errs []error
	if s.Fetcher == nil {
		errs = append(errs, errors.New("stil: fetcher: required"))
	}
	if len(s.Institutions) == 0 {
		errs = append(errs, errors.New("stil: institutions: at least one"))
	}
	if len(s.Times) == 0 || len(s.Times) > MaxFetchTimes {
		errs = append(errs, fmt.Errorf("stil: times: want 1 to %d times a day (STIL allows %d exports per institution per day), not %d", MaxFetchTimes, MaxFetchTimes, len(s.Times)))
	}
	for i, t := range s.Times {
		if _, err := time.Parse("15:04", t); err != nil {
			errs = append(errs, fmt.Errorf("stil: times[%d]: %q is not a time of day (HH:MM)", i, t))
		}
	}
	return errors.Join(errs...)
}

// due returns the latest slot at or before now that was not fetched yet.
func (s *STILSchedule) due(now time.Time) (time.Time, bool) {
	var best time.Time
	for _, day := range []time.Time{now.AddDate(0, 0, -1), now} {
		y, m, d := day.Date()
		for _, t := range s.Times {
			hm, err := time.Parse("15:04", t)
			if err != nil {
				continue
			}
			slot := time.Date(y, m, d, hm.Hour(), hm.Minute(), 0, 0, now.Location())
			if !slot.After(now) && slot.After(best) {
				best = slot
			}
		}
	}
	return best, !best.IsZero() && best.After(s.last)
}

// Tick fetches when a fetch time has come since the last fetch. The first
// Tick fetches at once (a broker that starts has nothing yet).
func (s *STILSchedule) Tick(ctx context.Context) error {
	now := s.clock()
	s.mu.Lock()
	slot, ok := s.due(now)
	first := s.last.IsZero()
	s.mu.Unlock()
	if !ok && !first {
		return nil
	}
	if first {
		slot = now
	}
	return s.fetch(ctx, slot)
}

func (s *STILSchedule) clock() time.Time {
	if s.Clock != nil {
		return s.Clock()
	}
	return time.Now()
}

// Errors returns each institution's last fetch error.
func (s *STILSchedule) Errors() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for k, v := range s.errs {
		out[k] = v
	}
	return out
}

func (s *STILSchedule) fetch(ctx context.Context, slot time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exports == nil {
		s.exports, s.errs = map[string]*stil.Export{}, map[string]string{}
	}
	s.last = slot
	var errs []error
	for _, inst := range s.Institutions {
		res, err := s.Fetcher.Fetch(ctx, inst)
		if err == nil && len(res.Exports) == 0 {
			err = errors.New("no export in the answer")
		}
		if err != nil {
			s.errs[inst] = err.Error()
			errs = append(errs, fmt.Errorf("stil: fetch %s: %w", inst, err))
			continue // keeps its last export
		}
		delete(s.errs, inst)
		for _, e := range res.Exports {
			s.exports[e.Institution.Number] = e
		}
	}
	if len(s.exports) == 0 {
		return errors.Join(errs...)
	}
	var all stil.Result
	for _, k := range sortedKeys(s.exports) {
		all.Exports = append(all.Exports, s.exports[k])
	}
	opt := s.Merge
	opt.Previous = s.prev
	snap, _ := all.Merge(opt)
	if _, err := s.Sources.SetSTIL(ctx, &snap); err != nil {
		return errors.Join(append(errs, err)...)
	}
	s.prev = &snap
	return errors.Join(errs...)
}

// DropFolder is a stil.Fetcher that reads exports saved into a folder
// (e.g. by a municipality that fetches through another system): the
// institution's file is <Dir>/<institution>.xml.
type DropFolder struct {
	Dir     string
	Options stil.Options
}

// Fetch implements stil.Fetcher.
func (d DropFolder) Fetch(_ context.Context, institution string) (*stil.Result, error) {
	if institution == "" || filepath.Base(institution) != institution {
		return nil, fmt.Errorf("drop folder: bad institution %q", institution)
	}
	f, err := os.Open(filepath.Join(d.Dir, institution+".xml"))
	if err != nil {
		return nil, fmt.Errorf("drop folder: %w", err)
	}
	defer f.Close()
	res, err := stil.Decode(f, d.Options)
	if err != nil {
		return nil, fmt.Errorf("drop folder %s: %w", f.Name(), err)
	}
	res.Exports = slices.DeleteFunc(res.Exports, func(e *stil.Export) bool { return e.Institution.Number != institution })
	return res, nil
}
