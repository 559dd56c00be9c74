// Command quickstart shows orgsync end to end without any server: it
// generates a small synthetic municipality, plans and applies it to the
// embedded directory (a JSON file), runs again to show that nothing is left
// to do, shows a safety threshold refusing a source that lost most of a
// school, and then rolls the municipality into the next school year so that
// classes are renamed, not recreated.
//
//	go run ./examples/quickstart            # everything, in ./orgsync-quickstart
//	go run ./examples/quickstart -dry-run   # print the first plan only
//
// Flags: -dir (where the directory file, state and plans go), -size (tiny,
// small, medium), -seed, -dry-run, -v (structured logs).
//
// Every run tells the same story from the start: it first removes the
// files an earlier run left in its folder (directory.json, state.json,
// audit.jsonl, plan-*.txt) and nothing else. Without that, the first step
// would feed the pipeline a school year earlier than the one the state
// was left at, which the pipeline refuses (provision.ErrSchoolYearBackwards).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/internal/runner"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

func main() {
	dir := flag.String("dir", "orgsync-quickstart", "folder for the embedded directory file, the state and the rendered plans")
	size := flag.String("size", "tiny", "municipality size: tiny, small or medium")
	seed := flag.Int64("seed", 1, "seed of the synthetic municipality and the usernames")
	dry := flag.Bool("dry-run", false, "print the first plan and stop; nothing is written")
	verbose := flag.Bool("v", false, "structured logs on standard error")
	flag.Parse()
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	q := &quickstart{dir: *dir, size: *size, seed: *seed, dry: *dry, out: os.Stdout, log: log}
	if err := q.run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(runner.ExitCode(err))
	}
}

type quickstart struct {
	dir, size string
	seed      int64
	dry       bool
	out       io.Writer
	log       *slog.Logger
	// now is the instant of the current step: a school day of the
	// snapshot's school year (synth.ReferenceTime).
	now time.Time
}

func preset(size string) (synth.Config, error) {
	switch size {
	case "tiny":
		return synth.Tiny, nil
	case "small":
		return synth.Small, nil
	case "medium":
		return synth.Medium, nil
	}
	return synth.Config{}, fmt.Errorf("unknown -size %q: want tiny, small or medium", size)
}

func (q *quickstart) config() provision.Config {
	cfg := provision.Defaults()
	cfg.State = filepath.Join(q.dir, "state.json")
	cfg.AuditLog = filepath.Join(q.dir, "audit.jsonl")
	cfg.Usernames.Seed = q.seed
	cfg.Actor = "quickstart"
	return cfg
}

func (q *quickstart) step(title string) {
	fmt.Fprintf(q.out, "\n== %s\n", title)
}

func (q *quickstart) run(ctx context.Context) error {
	cfg, err := preset(q.size)
	if err != nil {
		return fmt.Errorf("%w: %w", provision.ErrConfig, err)
	}
	cfg.Seed = q.seed
	snap := synth.Generate(cfg)
	q.now = synth.ReferenceTime(snap.SchoolYear)
	q.step(fmt.Sprintf("Generated a synthetic municipality (%s): %s", q.size, describe(snap)))

	if q.dry {
		job := q.job(snap, memdir.New(), false)
		job.State = &provision.MemoryState{}
		job.Out = q.out
		_, err := job.Run(ctx)
		return err
	}

	if err := os.MkdirAll(q.dir, 0o755); err != nil {
		return err
	}
	if err := q.reset(); err != nil {
		return err
	}
	dirFile := filepath.Join(q.dir, "directory.json")
	d, err := memdir.Open(dirFile)
	if err != nil {
		return err
	}
	fmt.Fprintf(q.out, "Embedded directory: %s (%d objects before this run)\n", dirFile, d.Len())

	q.step("Run 1: plan and apply the municipality")
	if _, err := q.apply(ctx, snap, d, "plan-1.txt"); err != nil {
		return err
	}

	q.step("Run 2: the same source again")
	out, err := q.apply(ctx, snap, d, "plan-2.txt")
	if err != nil {
		return err
	}
	if !out.Plan.Empty() {
		return fmt.Errorf("run 2 planned %d changes; want 0", len(out.Plan.Changes))
	}
	fmt.Fprintln(q.out, "0 changes: the directory is in step with the source.")

	q.step("Safety rail: a broken source that lost most of a school")
	broken, school := loseMostOf(snap)
	before := d.Len()
	job := q.job(broken, d, true)
	var plan strings.Builder
	job.Out = &plan
	_, err = job.Run(ctx)
	if !errors.Is(err, diff.ErrThreshold) {
		return fmt.Errorf("the safety rail did not refuse a source that lost %s: %v", school, err)
	}
	fmt.Fprintf(q.out, "Source without most of %s: the plan was refused.\n%v\n", school, err)
	fmt.Fprintf(q.out, "Nothing was applied: the directory still holds %d objects (before: %d).\n", d.Len(), before)

	q.step("Next school year: classes move up and are renamed, not recreated")
	next := synth.NextYear(snap, q.seed+1)
	q.now = synth.ReferenceTime(next.SchoolYear)
	fmt.Fprintf(q.out, "%s -> %s: %s\n", snap.SchoolYear, next.SchoolYear, describe(next))
	fmt.Fprintln(q.out, "A new school year retires last year's 10th grade, more than the default threshold allows;\nthe administrator approves the year roll, so this run uses the override (-override in the starter binaries).")
	out, err = q.applyOverride(ctx, next, d, "plan-3.txt")
	if err != nil {
		return err
	}
	fmt.Fprintf(q.out, "Renamed: %d, created: %d, retired/disabled: %d.\n",
		count(out.Plan, diff.Rename), count(out.Plan, diff.Create), count(out.Plan, diff.Disable))
	for _, c := range firstRenames(out.Plan, 5) {
		fmt.Fprintf(q.out, "  rename %s: %q -> %q\n", c.Key, c.Before.Name, c.After.Name)
	}
	fmt.Fprintf(q.out, "The year-roll explanation (which class became which, and why) is at the top of %s.\n", filepath.Join(q.dir, "plan-3.txt"))

	q.step("Run 4: the new school year again")
	out, err = q.apply(ctx, next, d, "plan-4.txt")
	if err != nil {
		return err
	}
	if !out.Plan.Empty() {
		return fmt.Errorf("run 4 planned %d changes; want 0", len(out.Plan.Changes))
	}
	fmt.Fprintln(q.out, "0 changes: converged.")
	fmt.Fprintf(q.out, "\nFull plans, the state and the audit log are in %s/.\n", q.dir)
	return nil
}

// reset removes the files an earlier run of the quickstart left in its
// folder, and nothing else: the demo tells the same story every time. An
// earlier run ends in the next school year; starting the story again on
// top of it would feed the pipeline a school year that went backwards,
// which it refuses (provision.ErrSchoolYearBackwards).
func (q *quickstart) reset() error {
	files, err := filepath.Glob(filepath.Join(q.dir, "plan-*.txt"))
	if err != nil {
		return err
	}
	for _, n := range []string{"directory.json", "state.json", "audit.jsonl"} {
		files = append(files, filepath.Join(q.dir, n))
	}
	removed := 0
	for _, p := range files {
		err := os.Remove(p)
		switch {
		case err == nil:
			removed++
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("start afresh: %w", err)
		}
	}
	if removed > 0 {
		fmt.Fprintf(q.out, "Starting afresh: removed %d files of an earlier run from %s.\n", removed, q.dir)
	}
	return nil
}

func (q *quickstart) job(snap *orgmodel.Snapshot, d *memdir.Dir, apply bool) *provision.Job {
	return &provision.Job{Config: q.config(), Snapshot: snap, Target: d, Now: q.now, Apply: apply, Log: q.log}
}

func (q *quickstart) apply(ctx context.Context, snap *orgmodel.Snapshot, d *memdir.Dir, planFile string) (*provision.Outcome, error) {
	return q.runJob(ctx, q.job(snap, d, true), d, planFile)
}

// applyOverride is used for the year roll: a new school year legitimately
// retires the old 10th grade and a whole daycare generation, which a
// municipality approves explicitly; orgsync would otherwise refuse it.
func (q *quickstart) applyOverride(ctx context.Context, snap *orgmodel.Snapshot, d *memdir.Dir, planFile string) (*provision.Outcome, error) {
	job := q.job(snap, d, true)
	job.Override = true
	return q.runJob(ctx, job, d, planFile)
}

func (q *quickstart) runJob(ctx context.Context, job *provision.Job, d *memdir.Dir, planFile string) (*provision.Outcome, error) {
	f, err := os.Create(filepath.Join(q.dir, planFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	job.Out = f
	out, err := job.Run(ctx)
	if err != nil {
		return out, err
	}
	if err := d.Save(); err != nil {
		return out, err
	}
	fmt.Fprintf(q.out, "Plan: %s (full plan in %s)\n", out.Plan.Summary(), filepath.Join(q.dir, planFile))
	if out.Report != nil {
		fmt.Fprintf(q.out, "Applied %d changes, %d failed.\n", out.Report.Applied, out.Report.Failed)
	}
	return out, nil
}

// loseMostOf returns a copy of the snapshot in which the largest school has
// lost 80 % of its affiliations, as a broken export would look.
func loseMostOf(s *orgmodel.Snapshot) (*orgmodel.Snapshot, string) {
	count := map[string]int{}
	for _, a := range s.Affiliations {
		count[a.Institution]++
	}
	var school orgmodel.Institution
	for _, in := range s.Institutions {
		if in.Type == orgmodel.School && count[in.Number] > count[school.Number] {
			school = in
		}
	}
	c := *s
	c.Affiliations = nil
	seen := 0
	for _, a := range s.Affiliations {
		if a.Institution == school.Number {
			seen++
			if seen%5 != 0 {
				continue
			}
		}
		c.Affiliations = append(c.Affiliations, a)
	}
	c.Index()
	return &c, school.Name
}

func describe(s *orgmodel.Snapshot) string {
	types := map[orgmodel.InstitutionType]int{}
	for _, in := range s.Institutions {
		types[in.Type]++
	}
	classes := 0
	for _, g := range s.Groups {
		if g.Type == orgmodel.Hovedgruppe {
			classes++
		}
	}
	return fmt.Sprintf("%s, %s, %s, %s, school year %s",
		plural(types[orgmodel.School], "school"), plural(types[orgmodel.Daycare], "daycare"),
		plural(len(s.Persons), "person"), plural(classes, "class"), s.SchoolYear)
}

// plural writes n with the noun, adding "es" after s and "s" otherwise.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "s") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func count(p *diff.Plan, a diff.Action) int {
	n := 0
	for _, c := range p.Changes {
		if c.Action == a {
			n++
		}
	}
	return n
}

func firstRenames(p *diff.Plan, n int) []diff.Change {
	var out []diff.Change
	for _, c := range p.Changes {
		if c.Action == diff.Rename && c.Kind == diff.Container {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b diff.Change) int { return strings.Compare(a.Key, b.Key) })
	if len(out) > n {
		out = out[:n]
	}
	return out
}
