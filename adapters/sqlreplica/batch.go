package sqlreplica

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/orgsync/orgsync/diff"
)

// Group commit. diff.Apply calls Apply concurrently for the independent
// changes of one stage. Rather than one transaction (and one log flush)
// per change, the calls that arrive while a transaction is running wait
// and are then carried out together in the next one, with the new rows of
// one table written by one multi-row INSERT. When anything in a batch
// fails, the batch is rolled back and each of its changes is carried out
// again alone, in its own transaction, so that every change gets its own
// outcome and a failure never takes another change with it.

type pending struct {
	c    diff.Change
	t    *table
	done chan error
}

// enqueue adds the change to the next batch and returns its outcome. The
// first caller that finds no batch running runs batches until none is
// left (the leader).
func (r *Replica) enqueue(ctx context.Context, t *table, c diff.Change) error {
	p := &pending{c: c, t: t, done: make(chan error, 1)}
	r.mu.Lock()
	r.pending = append(r.pending, p)
	if r.flushing {
		r.mu.Unlock()
		return <-p.done
	}
	r.flushing = true
	for {
		batch := r.pending
		r.pending = nil
		r.mu.Unlock()
		r.runBatch(ctx, batch)
		r.mu.Lock()
		if len(r.pending) == 0 {
			r.flushing = false
			r.mu.Unlock()
			break
		}
	}
	return <-p.done
}

func (r *Replica) runBatch(ctx context.Context, batch []*pending) {
	if len(batch) == 1 {
		batch[0].done <- r.applyAlone(ctx, batch[0].t, batch[0].c)
		return
	}
	if err := r.tryBatch(ctx, batch); err == nil {
		for _, p := range batch {
			p.done <- nil
		}
		return
	}
	for _, p := range batch {
		p.done <- r.applyAlone(ctx, p.t, p.c)
	}
}

// tryBatch carries out the whole batch in one transaction, or nothing.
func (r *Replica) tryBatch(ctx context.Context, batch []*pending) error {
	tx, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer r.rollback(tx)
	creates := map[*table][]*diff.Object{}
	var order []*table
	var adds, removes []diff.Change
	updates := map[updateShape][]diff.Change{}
	var shapes []updateShape
	for _, p := range batch {
		if p.t.kind == diff.Group && p.c.Action == diff.AddMember {
			adds = append(adds, p.c)
			continue
		}
		if p.t.kind == diff.Group && p.c.Action == diff.RemoveMember {
			removes = append(removes, p.c)
			continue
		}
		if p.c.Action == diff.Create && p.c.After != nil && p.c.After.Parent == "" && p.c.After.Key == p.c.Key {
			if creates[p.t] == nil {
				order = append(order, p.t)
			}
			creates[p.t] = append(creates[p.t], p.c.After)
			continue
		}
		if p.c.Action == diff.Update && len(p.c.Attrs) > 0 {
			sh := updateShape{p.t, shapeOf(p.c)}
			if updates[sh] == nil {
				shapes = append(shapes, sh)
			}
			updates[sh] = append(updates[sh], p.c)
			continue
		}
		if err := r.apply(ctx, tx, p.t, p.c); err != nil {
			return err
		}
	}
	for _, sh := range shapes {
		if err := r.updateMany(ctx, tx, sh.t, updates[sh]); err != nil {
			return err
		}
	}
	for _, t := range order {
		if err := r.insertMany(ctx, tx, t, creates[t]); err != nil {
			return err
		}
		if t.kind == diff.Group {
			if err := insertMembers(ctx, tx, creates[t]); err != nil {
				return err
			}
		}
	}
	if err := memberChanges(ctx, tx, adds, removes); err != nil {
		return err
	}
	return r.commit(tx)
}

// updateShape groups the Updates of a batch that set the same columns of
// the same table.
type updateShape struct {
	t    *table
	cols string // the attribute names, comma-separated
}

func shapeOf(c diff.Change) string {
	names := make([]string, len(c.Attrs))
	for i, a := range c.Attrs {
		names[i] = a.Name
	}
	return strings.Join(names, ",")
}

// updateMany carries out Updates that set the same columns of the same
// table with one statement per 1,000 rows instead of one per row: a
// locking count checks that every row is there and managed (else the
// batch fails and its changes are applied alone, which names the one
// missing), then one UPDATE sets each column with a CASE over obj_key.
func (r *Replica) updateMany(ctx context.Context, tx *wtx, t *table, cs []diff.Change) error {
	if len(cs) == 1 {
		return r.apply(ctx, tx, t, cs[0])
	}
	for start := 0; start < len(cs); start += 1000 {
		chunk := cs[start:min(start+1000, len(cs))]
		keys := make(map[string]bool, len(chunk))
		for _, c := range chunk {
			if c.After != nil && c.After.Parent != "" {
				return fmt.Errorf("%w: parent %q (the replica has no containers)", diff.ErrNotFound, c.After.Parent)
			}
			keys[c.Key] = true
		}
		if len(keys) != len(chunk) { // a key twice: let each change go alone
			return fmt.Errorf("%w: a key is updated twice in one batch", diff.ErrInvalidPlan)
		}
		if n, err := countKeys(ctx, tx, "SELECT COUNT(*) FROM "+t.name+" WHERE managed = 1 AND obj_key IN ", keys, " FOR UPDATE"); err != nil || n != len(keys) {
			return fmt.Errorf("%w: a row of the batch is missing or unmanaged (%v)", diff.ErrNotFound, err)
		}
		var sets []string
		var args []any
		for i, ac := range chunk[0].Attrs {
			col := column{attr: ac.Name, name: "disabled_date", typ: date}
			if ac.Name != diff.AttrDisabledDate {
				var ok bool
				if col, ok = t.col(ac.Name); !ok || col.protected && !r.opt.WriteProtected {
					return fmt.Errorf("%w: %s has no column %q", diff.ErrConstraint, t.name, ac.Name)
				}
			}
			var b strings.Builder
			b.WriteString(col.name + " = CASE obj_key")
			for _, c := range chunk {
				v, err := value(col, c.Attrs[i].After)
				if err != nil {
					return err
				}
				b.WriteString(" WHEN ? THEN ?")
				args = append(args, c.Key, v)
			}
			b.WriteString(" END")
			sets = append(sets, b.String())
		}
		in := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ") + ")"
		for _, c := range chunk {
			args = append(args, c.Key)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE "+t.name+" SET "+strings.Join(sets, ", ")+" WHERE managed = 1 AND obj_key IN "+in, args...); err != nil {
			return temporary(err)
		}
	}
	return nil
}

// memberChanges carries out AddMember and RemoveMember changes together:
// one query checks that every group is a managed row, one that every new
// member exists, then one statement adds and one removes. Any check that
// fails is an error, and the caller then applies each change alone to find
// which.
func memberChanges(ctx context.Context, tx *wtx, adds, removes []diff.Change) error {
	if len(adds)+len(removes) == 0 {
		return nil
	}
	groups := map[string]bool{}
	members := map[string]bool{}
	for _, c := range adds {
		groups[c.Key] = true
		members[c.Member] = true
	}
	for _, c := range removes {
		groups[c.Key] = true
	}
	if n, err := countKeys(ctx, tx, "SELECT COUNT(*) FROM org_groups WHERE managed = 1 AND obj_key IN ", groups); err != nil || n != len(groups) {
		return fmt.Errorf("%w: a group of the batch is missing or unmanaged (%v)", diff.ErrNotFound, err)
	}
	if len(members) > 0 {
		n, err := countKeys(ctx, tx, "SELECT (SELECT COUNT(*) FROM persons WHERE obj_key IN %[1]s) + (SELECT COUNT(*) FROM org_groups WHERE obj_key IN %[1]s)", members)
		if err != nil || n != len(members) {
			return fmt.Errorf("%w: a member of the batch is missing (%v)", diff.ErrNotFound, err)
		}
	}
	for start := 0; start < len(adds); start += 10000 {
		chunk := adds[start:min(start+10000, len(adds))]
		args := make([]any, 0, 2*len(chunk))
		for _, c := range chunk {
			args = append(args, c.Key, c.Member)
		}
		q := "INSERT IGNORE INTO memberships (group_key, member_key) VALUES " + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(chunk)), ", ")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return temporary(err)
		}
	}
	for start := 0; start < len(removes); start += 10000 {
		chunk := removes[start:min(start+10000, len(removes))]
		args := make([]any, 0, 2*len(chunk))
		for _, c := range chunk {
			args = append(args, c.Key, c.Member)
		}
		q := "DELETE FROM memberships WHERE (group_key, member_key) IN (" + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(chunk)), ", ") + ")"
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return temporary(err)
		}
	}
	return nil
}

// countKeys runs a COUNT query over a set of keys: q either ends in "IN "
// (the list is appended, then tail) or holds %[1]s where the list goes.
func countKeys(ctx context.Context, tx *wtx, q string, keys map[string]bool, tail ...string) (int, error) {
	list := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(keys)), ", ") + ")"
	args := make([]any, 0, len(keys))
	for k := range keys {
		args = append(args, k)
	}
	if strings.Contains(q, "%[1]s") {
		q = fmt.Sprintf(q, list)
		args = append(args, args...)
	} else {
		q += list + strings.Join(tail, "")
	}
	var n int
	err := tx.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}

// insertMany writes new managed rows with multi-row INSERTs.
func (r *Replica) insertMany(ctx context.Context, tx *wtx, t *table, objs []*diff.Object) error {
	cols := []string{"obj_key", "managed", "name", "institution", "disabled", "disabled_date"}
	for _, c := range t.cols {
		cols = append(cols, c.name)
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	per := max(1, 60000/len(cols))
	for start := 0; start < len(objs); start += per {
		chunk := objs[start:min(start+per, len(objs))]
		args := make([]any, 0, len(chunk)*len(cols))
		for _, o := range chunk {
			d, err := disabledDate(o)
			if err != nil {
				return err
			}
			args = append(args, o.Key, true, o.Name, o.Institution, o.Disabled, d)
			for _, a := range o.Attrs {
				if a.Name == diff.AttrDisabledDate {
					continue
				}
				if c, ok := t.col(a.Name); !ok || c.protected && !r.opt.WriteProtected {
					return fmt.Errorf("%w: %s has no column %q", diff.ErrConstraint, t.name, a.Name)
				}
			}
			for _, c := range t.cols {
				v, err := value(c, o.Attrs.Get(c.attr))
				if err != nil {
					return err
				}
				if c.typ != date && v == nil {
					v = ""
				}
				args = append(args, v)
			}
		}
		q := "INSERT INTO " + t.name + " (" + strings.Join(cols, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", len(chunk)), ", ")
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return exists(temporary(err))
		}
		if err := insertedIDs(ctx, tx, t, res, chunk); err != nil {
			return err
		}
	}
	return nil
}

// insertedIDs records the ids of the rows a multi-row INSERT wrote. The
// database gives the first id (LAST_INSERT_ID); the others are not
// necessarily consecutive (innodb_autoinc_lock_mode 2,
// auto_increment_increment), but all are at least the first, so one range
// scan of the primary key finds them, and rows of others in that range
// are told apart by obj_key.
func insertedIDs(ctx context.Context, tx *wtx, t *table, res sql.Result, objs []*diff.Object) error {
	first, err := res.LastInsertId()
	if err != nil {
		return nil // the rows are read again by key (see remember)
	}
	want := make(map[string]bool, len(objs))
	for _, o := range objs {
		want[o.Key] = true
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, obj_key FROM "+t.name+" WHERE id >= ?", first)
	if err != nil {
		return temporary(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var key sql.NullString
		if err := rows.Scan(&id, &key); err != nil {
			return err
		}
		if want[key.String] {
			tx.inserted(key.String, id)
		}
	}
	return temporary0(rows.Err())
}

// insertMembers writes the memberships of new groups.
func insertMembers(ctx context.Context, tx *wtx, groups []*diff.Object) error {
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		q := "INSERT IGNORE INTO memberships (group_key, member_key) VALUES " + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(args)/2), ", ")
		_, err := tx.ExecContext(ctx, q, args...)
		args = args[:0]
		return temporary0(err)
	}
	for _, g := range groups {
		for _, m := range g.Members {
			args = append(args, g.Key, m)
			if len(args) >= 20000 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}
