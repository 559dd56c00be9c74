package sqlreplica

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/orgsync/orgsync/diff"
)

// ErrSchema: the database's schema is newer than this program.
var ErrSchema = errors.New("sqlreplica: schema version")

// Replica is the SQL replica as a diff.Target: Read returns every row as a
// diff.Object, Apply carries out one change in one transaction.
type Replica struct {
	db  *sql.DB
	opt Options

	// What Read remembers between runs (delta.go).
	memMu        sync.Mutex
	mem          *memory
	forgetReason string
	lastRead     ReadStats

	mu       sync.Mutex
	pending  []*pending // changes waiting for the next batch
	flushing bool       // a leader is running batches

	internMu sync.Mutex
	interned map[string]string
}

var (
	_ diff.Target   = (*Replica)(nil)
	_ diff.Preparer = (*Replica)(nil)
)

// Open migrates the schema (see Migrate) and returns the replica.
func Open(ctx context.Context, db *sql.DB, opt Options) (*Replica, error) {
	if err := Migrate(ctx, db); err != nil {
		return nil, err
	}
	return &Replica{db: db, opt: opt}, nil
}

// Prepare drops the attributes a row does not store (protected columns
// when Options.WriteProtected is off, and anything the table lacks) and
// objects of kinds the replica has no table for. The objects it returns
// share their Members and unchanged Attrs with the input (neither is ever
// modified in place).
func (r *Replica) Prepare(desired []diff.Object) []diff.Object {
	out := make([]diff.Object, 0, len(desired))
	for _, o := range desired {
		t := tableOf[o.Kind]
		if t == nil {
			continue
		}
		drop := func(a diff.Attr) bool {
			if a.Name == diff.AttrDisabledDate {
				return false
			}
			c, ok := t.col(a.Name)
			return !ok || c.protected && !r.opt.WriteProtected
		}
		if slices.ContainsFunc(o.Attrs, drop) {
			o.Attrs = slices.DeleteFunc(slices.Clone(o.Attrs), drop)
		}
		out = append(out, o) // Members and unchanged Attrs are shared with desired
	}
	return out
}

// readMembers returns the members of the groups (all, or those the
// where clause selects), each group's sorted.
func (r *Replica) readMembers(ctx context.Context, where string, args []any) (map[string][]string, error) {
	members := map[string][]string{}
	rows, err := r.db.QueryContext(ctx, "SELECT group_key, member_key FROM memberships "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlreplica: read memberships: %w", temporary(err))
	}
	defer rows.Close()
	var g, m sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&g, &m); err != nil {
			return nil, fmt.Errorf("sqlreplica: read memberships: %w", err)
		}
		k := r.intern(g)
		members[k] = append(members[k], string(m))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlreplica: read memberships: %w", temporary(err))
	}
	for _, ms := range members {
		slices.Sort(ms)
	}
	return members, nil
}

// readTable reads the rows of t (all, or those the where clause selects).
func (r *Replica) readTable(ctx context.Context, t *table, where string, args []any) ([]diff.Object, error) {
	cols := []string{"id", "obj_key", "name", "institution", "disabled", "disabled_date", "managed"}
	for _, c := range t.cols {
		cols = append(cols, c.name)
	}
	rows, err := r.db.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+t.name+" "+where+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("sqlreplica: read %s: %w", t.name, err)
	}
	defer rows.Close()
	var out []diff.Object
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("sqlreplica: read %s: %w", t.name, err)
		}
		o := diff.Object{Kind: t.kind, ID: string(vals[0]), Key: string(vals[1]), Name: string(vals[2]),
			Institution: r.intern(vals[3]), Disabled: string(vals[4]) == "1", Managed: string(vals[6]) == "1"}
		if vals[1] == nil {
			o.Managed = false
		}
		attrs := make(diff.Attrs, 0, len(t.cols)+1)
		if d := dateOut(vals[5]); d != "" {
			attrs = append(attrs, diff.Attr{Name: diff.AttrDisabledDate, Value: d})
		}
		for i, c := range t.cols {
			v := vals[7+i]
			var s string
			switch c.typ {
			case date:
				s = dateOut(v)
			case boolean:
				s = "false"
				if string(v) == "1" {
					s = "true"
				}
			default:
				s = string(v)
			}
			if s != "" {
				attrs = append(attrs, diff.Attr{Name: c.attr, Value: s})
			}
		}
		slices.SortFunc(attrs, func(a, b diff.Attr) int { return strings.Compare(a.Name, b.Name) })
		o.Attrs = attrs
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlreplica: read %s: %w", t.name, err)
	}
	return out, nil
}

func dateOut(v sql.RawBytes) string {
	if len(v) == 0 {
		return ""
	}
	return string(v[:min(len(v), 10)])
}

// intern returns a shared string for the short, much repeated values
// (institution numbers) so that a read of a large replica does not hold
// one copy per row.
func (r *Replica) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	r.internMu.Lock()
	defer r.internMu.Unlock()
	if s, ok := r.interned[string(b)]; ok {
		return s
	}
	if r.interned == nil {
		r.interned = map[string]string{}
	}
	s := string(b)
	r.interned[s] = s
	return s
}

// value converts an attribute to its SQL value.
func value(c column, v string) (any, error) {
	switch c.typ {
	case date:
		if v == "" {
			return nil, nil
		}
		if _, err := time.Parse(diff.DateLayout, v); err != nil {
			return nil, fmt.Errorf("%w: %s %q is not a date YYYY-MM-DD", diff.ErrConstraint, c.attr, v)
		}
		return v, nil
	case boolean:
		switch v {
		case "true":
			return 1, nil
		case "false", "":
			return 0, nil
		}
		return nil, fmt.Errorf("%w: %s %q is not true or false", diff.ErrConstraint, c.attr, v)
	case str:
		if len([]rune(v)) > 255 {
			return nil, fmt.Errorf("%w: %s is longer than 255 characters", diff.ErrConstraint, c.attr)
		}
	}
	return v, nil
}

func disabledDate(o *diff.Object) (any, error) {
	v := o.Attrs.Get(diff.AttrDisabledDate)
	if v == "" {
		return nil, nil
	}
	if _, err := time.Parse(diff.DateLayout, v); err != nil {
		return nil, fmt.Errorf("%w: %s %q is not a date", diff.ErrConstraint, diff.AttrDisabledDate, v)
	}
	return v, nil
}

// Apply carries out one change. Changes applied concurrently are written
// together in one transaction (group commit, see batch.go) unless
// Options.NoGroupCommit is set; a change that fails is rolled back alone.
func (r *Replica) Apply(ctx context.Context, c diff.Change) error {
	t := tableOf[c.Kind]
	if t == nil {
		return fmt.Errorf("sqlreplica: %s %s: %w: no table for kind %q", c.Action, c.Key, diff.ErrConstraint, c.Kind)
	}
	if c.Action != diff.Create && c.Action != diff.Adopt && c.Before != nil && (!c.Before.Managed || c.Before.Key == "") {
		return fmt.Errorf("sqlreplica: %s %s %q: %w", c.Action, t.name, c.Before.Name, diff.ErrUnmanaged)
	}
	var err error
	if r.opt.NoGroupCommit {
		err = r.applyAlone(ctx, t, c)
	} else {
		err = r.enqueue(ctx, t, c)
	}
	r.remember(t, c, err)
	return err
}

// applyAlone carries out one change in a transaction of its own.
func (r *Replica) applyAlone(ctx context.Context, t *table, c diff.Change) error {
	tx, err := r.begin(ctx)
	if err != nil {
		return fmt.Errorf("sqlreplica: %s %s: %w", c.Action, c.Key, temporary(err))
	}
	defer r.rollback(tx)
	if err := r.apply(ctx, tx, t, c); err != nil {
		return fmt.Errorf("sqlreplica: %s %s %s: %w", c.Action, t.name, c.Key, err)
	}
	if err := r.commit(tx); err != nil {
		return fmt.Errorf("sqlreplica: %s %s %s: commit: %w", c.Action, t.name, c.Key, temporary(err))
	}
	return nil
}

// temporary marks errors of the connection (not of the statement) as
// diff.ErrTemporary so that Apply retries them.
func temporary(err error) error {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1205, 1213: // lock wait timeout, deadlock
			return errors.Join(diff.ErrTemporary, err)
		}
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return errors.Join(diff.ErrTemporary, err)
}

func (r *Replica) apply(ctx context.Context, tx *wtx, t *table, c diff.Change) error {
	switch c.Action {
	case diff.Create:
		if c.After == nil {
			return fmt.Errorf("%w: create without After", diff.ErrInvalidPlan)
		}
		if c.After.Parent != "" {
			return fmt.Errorf("%w: parent %q (the replica has no containers)", diff.ErrNotFound, c.After.Parent)
		}
		return r.insert(ctx, tx, t, c.After, c.Key, true)
	case diff.Adopt:
		if c.Before == nil || c.After == nil || c.Before.ID == "" {
			return fmt.Errorf("%w: adopt needs Before with an id and After", diff.ErrInvalidPlan)
		}
		sets, args, err := r.assignments(t, c.After, true)
		if err != nil {
			return err
		}
		args = append(append([]any{c.Key}, args...), c.Before.ID)
		res, err := tx.ExecContext(ctx, "UPDATE "+t.name+" SET obj_key = ?, managed = 1, "+strings.Join(sets, ", ")+" WHERE id = ? AND managed = 0", args...)
		if err != nil {
			return exists(temporary(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: no unmanaged row with id %s", diff.ErrNotFound, c.Before.ID)
		}
		if t.kind == diff.Group {
			return r.setMembers(ctx, tx, c.Key, c.After.Members)
		}
		return nil
	case diff.Update, diff.Rename, diff.Enable, diff.Disable, diff.Move:
		if c.After == nil && c.Action != diff.Update {
			return fmt.Errorf("%w: %s without After", diff.ErrInvalidPlan, c.Action)
		}
		if c.After != nil && c.After.Parent != "" {
			return fmt.Errorf("%w: parent %q (the replica has no containers)", diff.ErrNotFound, c.After.Parent)
		}
		var sets []string
		var args []any
		switch c.Action {
		case diff.Update:
			for _, ac := range c.Attrs {
				if ac.Name == diff.AttrDisabledDate {
					v, err := value(column{attr: ac.Name, typ: date}, ac.After)
					if err != nil {
						return err
					}
					sets, args = append(sets, "disabled_date = ?"), append(args, v)
					continue
				}
				col, ok := t.col(ac.Name)
				if !ok || col.protected && !r.opt.WriteProtected {
					return fmt.Errorf("%w: %s has no column %q", diff.ErrConstraint, t.name, ac.Name)
				}
				v, err := value(col, ac.After)
				if err != nil {
					return err
				}
				sets, args = append(sets, col.name+" = ?"), append(args, v)
			}
		case diff.Rename:
			sets, args = []string{"name = ?"}, []any{c.After.Name}
		case diff.Enable, diff.Disable:
			d, err := disabledDate(c.After)
			if err != nil {
				return err
			}
			sets, args = []string{"disabled = ?", "disabled_date = ?"}, []any{c.After.Disabled, d}
		case diff.Move:
			sets = []string{"id = id"}
		}
		if len(sets) == 0 {
			return nil
		}
		args = append(args, c.Key)
		res, err := tx.ExecContext(ctx, "UPDATE "+t.name+" SET "+strings.Join(sets, ", ")+" WHERE obj_key = ? AND managed = 1", args...)
		if err != nil {
			return temporary(err)
		}
		return r.affected(ctx, tx, t, c.Key, res)
	case diff.Delete:
		res, err := tx.ExecContext(ctx, "DELETE FROM "+t.name+" WHERE obj_key = ? AND managed = 1", c.Key)
		if err != nil {
			return temporary(err)
		}
		if err := r.affected(ctx, tx, t, c.Key, res); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM memberships WHERE group_key = ? OR member_key = ?", c.Key, c.Key); err != nil {
			return temporary(err)
		}
		return nil
	case diff.AddMember, diff.RemoveMember:
		if t.kind != diff.Group {
			return fmt.Errorf("%w: %s on a %s", diff.ErrInvalidPlan, c.Action, t.kind)
		}
		if err := r.managedRow(ctx, tx, t, c.Key); err != nil {
			return err
		}
		if c.Action == diff.RemoveMember {
			_, err := tx.ExecContext(ctx, "DELETE FROM memberships WHERE group_key = ? AND member_key = ?", c.Key, c.Member)
			return temporary0(err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM persons WHERE obj_key = ?) + (SELECT COUNT(*) FROM org_groups WHERE obj_key = ?)", c.Member, c.Member).Scan(&n); err != nil {
			return temporary(err)
		}
		if n == 0 {
			return fmt.Errorf("%w: member %s", diff.ErrNotFound, c.Member)
		}
		_, err := tx.ExecContext(ctx, "INSERT IGNORE INTO memberships (group_key, member_key) VALUES (?, ?)", c.Key, c.Member)
		return temporary0(err)
	}
	return fmt.Errorf("%w: action %s", diff.ErrInvalidPlan, c.Action)
}

func temporary0(err error) error {
	if err == nil {
		return nil
	}
	return temporary(err)
}

// affected turns "no row changed" into ErrNotFound or ErrUnmanaged, or nil
// when the row exists and already had the values.
func (r *Replica) affected(ctx context.Context, tx *wtx, t *table, key string, res sql.Result) error {
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		return nil
	}
	return r.managedRow(ctx, tx, t, key)
}

func (r *Replica) managedRow(ctx context.Context, tx *wtx, t *table, key string) error {
	var managed bool
	err := tx.QueryRowContext(ctx, "SELECT managed FROM "+t.name+" WHERE obj_key = ?", key).Scan(&managed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%w: %s", diff.ErrNotFound, key)
	case err != nil:
		return temporary(err)
	case !managed:
		return diff.ErrUnmanaged
	}
	return nil
}

// assignments returns "col = ?" for name, institution, the disabled state
// and every column of the table, with their values.
func (r *Replica) assignments(t *table, o *diff.Object, all bool) ([]string, []any, error) {
	d, err := disabledDate(o)
	if err != nil {
		return nil, nil, err
	}
	sets := []string{"name = ?", "institution = ?", "disabled = ?", "disabled_date = ?"}
	args := []any{o.Name, o.Institution, o.Disabled, d}
	for _, a := range o.Attrs {
		if a.Name == diff.AttrDisabledDate {
			continue
		}
		c, ok := t.col(a.Name)
		if !ok || c.protected && !r.opt.WriteProtected {
			return nil, nil, fmt.Errorf("%w: %s has no column %q", diff.ErrConstraint, t.name, a.Name)
		}
		v, err := value(c, a.Value)
		if err != nil {
			return nil, nil, err
		}
		sets, args = append(sets, c.name+" = ?"), append(args, v)
	}
	return sets, args, nil
}

// insert writes one new row (and a group's memberships).
func (r *Replica) insert(ctx context.Context, tx *wtx, t *table, o *diff.Object, key string, managed bool) error {
	sets, args, err := r.assignments(t, o, true)
	if err != nil {
		return err
	}
	var k any = key
	if key == "" {
		k = nil
	}
	q := "INSERT INTO " + t.name + " SET obj_key = ?, managed = ?, " + strings.Join(sets, ", ")
	res, err := tx.ExecContext(ctx, q, append([]any{k, managed}, args...)...)
	if err != nil {
		return exists(temporary(err))
	}
	if id, err := res.LastInsertId(); err == nil && key != "" {
		tx.inserted(key, id)
	}
	if t.kind == diff.Group && key != "" {
		return r.setMembers(ctx, tx, key, o.Members)
	}
	return nil
}

func exists(err error) error {
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1062 {
		return errors.Join(diff.ErrExists, err)
	}
	return err
}

func (r *Replica) setMembers(ctx context.Context, tx *wtx, key string, members []string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM memberships WHERE group_key = ?", key); err != nil {
		return temporary(err)
	}
	for start := 0; start < len(members); start += 500 {
		batch := members[start:min(start+500, len(members))]
		q := "INSERT IGNORE INTO memberships (group_key, member_key) VALUES " + strings.TrimSuffix(strings.Repeat("(?, ?),", len(batch)), ",")
		args := make([]any, 0, 2*len(batch))
		for _, m := range batch {
			args = append(args, key, m)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return temporary(err)
		}
	}
	return nil
}

// SeedUnmanaged inserts a row without orgsync's mark, as someone would by
// hand (for tests and for adoption).
func (r *Replica) SeedUnmanaged(ctx context.Context, o diff.Object) error {
	t := tableOf[o.Kind]
	if t == nil {
		return fmt.Errorf("sqlreplica: no table for kind %q", o.Kind)
	}
	stx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &wtx{Tx: stx}
	defer tx.Rollback() //nolint:errcheck
	if err := r.insert(ctx, tx, t, &o, "", false); err != nil {
		return err
	}
	return tx.Commit()
}
