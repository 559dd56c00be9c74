package sqlreplica

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/orgsync/orgsync/diff"
	"golang.org/x/sync/errgroup"
)

// Delta reads. A replica of a 60,000-person municipality holds some
// 300,000 rows; reading them all for every run costs more than the few
// hundred changes of an ordinary day. So the Replica remembers the rows as
// they are after its own writes (the rows it read, with every change it
// applied folded in) and, on the next Read, returns them instead of
// reading the tables again, when it can be sure nobody else has written:
//
//   - Triggers (migration 3) count, per table, the rows written by anyone
//     who is not orgsync, in replica_stamps. orgsync's transactions set
//     the session variable @orgsync_replica, which the triggers skip.
//   - orgsync counts its own committed transactions in the row "~orgsync"
//     of replica_stamps, and the Replica knows how many it committed
//     itself; a difference is another orgsync process.
//
// Read reads replica_stamps first; when a counter differs from what the
// Replica expects, or Options.FullReadEvery reads have been delta reads,
// it reads every table again (a full read). Otherwise it re-reads only
// the rows whose outcome it does not know (a change that failed, an
// Update, whose result depends on the database's conversions) and returns
// the remembered rows. A Create is folded in as the row the INSERT wrote;
// a member change as the membership row; a Delete removes the row and its
// memberships.
//
// A change whose outcome is unknown (the connection broke during the
// commit) makes the next Read a full read. Read may run while changes are
// applied (a preview of the plan during a run): the counters then differ
// from what the Replica expects and the read is a full one, never a wrong
// one.

// stampOrgsync is the replica_stamps row of orgsync's own transactions.
const stampOrgsync = "~orgsync"

// defaultFullReadEvery is Options.FullReadEvery's default.
const defaultFullReadEvery = 100

// ReadStats describe the last Read.
type ReadStats struct {
	// Full is true when every table was read; false for a delta read.
	Full bool
	// Reason says why a full read was needed ("first read", "foreign
	// writes to persons", "schedule", ...); "" for a delta read.
	Reason string
	// Rows is the number of objects returned.
	Rows int
	// Reread is the number of rows a delta read read again by key.
	Reread int
}

// tableRows are the remembered rows of one table.
type tableRows struct {
	managed   []diff.Object  // managed rows; sorted by Key unless dirty
	idx       map[string]int // Key -> index in managed
	unmanaged []diff.Object  // rows without orgsync's mark, by id
	unsorted  bool           // managed needs compaction and sorting
}

func (tr *tableRows) put(o diff.Object) {
	if i, ok := tr.idx[o.Key]; ok {
		tr.managed[i] = o
		return
	}
	tr.idx[o.Key] = len(tr.managed)
	tr.managed = append(tr.managed, o)
	tr.unsorted = true
}

func (tr *tableRows) remove(key string) {
	if i, ok := tr.idx[key]; ok {
		tr.managed[i].Key = "" // compacted by rows
		delete(tr.idx, key)
		tr.unsorted = true
	}
}

func (tr *tableRows) get(key string) (diff.Object, bool) {
	i, ok := tr.idx[key]
	if !ok {
		return diff.Object{}, false
	}
	return tr.managed[i], true
}

// rows returns the unmanaged rows, then the managed rows sorted by Key:
// the order of a full read.
func (tr *tableRows) rows(dst []diff.Object) []diff.Object {
	if tr.unsorted {
		tr.managed = slices.DeleteFunc(tr.managed, func(o diff.Object) bool { return o.Key == "" })
		slices.SortFunc(tr.managed, func(a, b diff.Object) int { return strings.Compare(a.Key, b.Key) })
		for i := range tr.managed {
			tr.idx[tr.managed[i].Key] = i
		}
		tr.unsorted = false
	}
	dst = append(dst, tr.unmanaged...)
	return append(dst, tr.managed...)
}

// memory is what the Replica remembers between runs. It is guarded by
// Replica.memMu.
type memory struct {
	stamps map[string]int64 // replica_stamps as of the last read
	own    int64            // orgsync transactions committed since
	tables map[*table]*tableRows
	// reread are the rows whose state is unknown and are read again by key
	// on the next delta read (members too, for groups).
	reread map[*table]map[string]bool
	// created are the ids of rows inserted by committed transactions, by
	// obj_key, until remember takes them.
	created map[string]string
	// deleted are keys whose rows were deleted: their memberships (as
	// member) go too.
	deleted map[string]bool
	deltas  int // delta reads since the last full read
}

// forget makes the next Read a full read.
func (r *Replica) forget(reason string) {
	r.memMu.Lock()
	defer r.memMu.Unlock()
	r.mem = nil
	r.forgetReason = reason
}

// ForgetRows makes the next Read a full read.
func (r *Replica) ForgetRows() { r.forget("asked to") }

// LastRead describes the last Read.
func (r *Replica) LastRead() ReadStats {
	r.memMu.Lock()
	defer r.memMu.Unlock()
	return r.lastRead
}

// readStamps returns the counters of replica_stamps.
func (r *Replica) readStamps(ctx context.Context) (map[string]int64, error) {
	rows, err := r.db.QueryContext(ctx, "SELECT tbl, writes FROM replica_stamps")
	if err != nil {
		return nil, fmt.Errorf("sqlreplica: read replica_stamps: %w", temporary(err))
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var t string
		var n int64
		if err := rows.Scan(&t, &n); err != nil {
			return nil, fmt.Errorf("sqlreplica: read replica_stamps: %w", err)
		}
		m[t] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlreplica: read replica_stamps: %w", temporary(err))
	}
	return m, nil
}

// staleReason compares the stamps read now with the remembered ones and
// says why the memory cannot be used, or "".
func (m *memory) staleReason(now map[string]int64) string {
	for _, t := range stampTables() {
		if now[t] != m.stamps[t] {
			return "foreign writes to " + t
		}
	}
	if now[stampOrgsync] != m.stamps[stampOrgsync]+m.own {
		return "another orgsync process wrote"
	}
	return ""
}

// Read returns every row of every table as an object: managed rows sorted
// by Key, each table's unmanaged rows (added by hand, not by orgsync;
// empty Key, with their id) before its managed ones. It returns the rows
// the Replica remembers when nobody else has written since (a delta read,
// see delta.go) and reads every table otherwise. The objects share memory
// with what the Replica remembers: callers must not modify them in place
// (diff.Compute does not).
func (r *Replica) Read(ctx context.Context) ([]diff.Object, error) {
	r.memMu.Lock()
	defer r.memMu.Unlock()
	stamps, err := r.readStamps(ctx)
	if err != nil {
		return nil, err
	}
	every := r.opt.FullReadEvery
	if every == 0 {
		every = defaultFullReadEvery
	}
	reason := ""
	switch m := r.mem; {
	case m == nil:
		reason = r.forgetReason
		if reason == "" {
			reason = "first read"
		}
	case every <= 1:
		reason = "delta reads off"
	case m.deltas+1 >= every:
		reason = "schedule"
	default:
		reason = m.staleReason(stamps)
	}
	if reason != "" {
		return r.fullRead(ctx, stamps, reason)
	}
	return r.deltaRead(ctx, stamps)
}

// fullRead reads every table. The stamps were read before the tables, so
// a foreign write that lands during the read makes the next Read a full
// one again.
func (r *Replica) fullRead(ctx context.Context, stamps map[string]int64, reason string) ([]diff.Object, error) {
	r.mem = nil
	objs, members, err := r.readAll(ctx)
	if err != nil {
		return nil, err
	}
	m := &memory{stamps: stamps, tables: map[*table]*tableRows{}, reread: map[*table]map[string]bool{}, deleted: map[string]bool{}, created: map[string]string{}}
	n := 0
	for i, t := range tables {
		tr := &tableRows{idx: map[string]int{}}
		for _, o := range objs[i] {
			if o.Kind == diff.Group && o.Key != "" {
				o.Members = members[o.Key]
			}
			if o.Managed {
				tr.idx[o.Key] = len(tr.managed)
				tr.managed = append(tr.managed, o)
			} else {
				tr.unmanaged = append(tr.unmanaged, o)
			}
		}
		tr.unsorted = true
		m.tables[t] = tr
		n += len(objs[i])
	}
	out := make([]diff.Object, 0, n)
	for _, t := range tables {
		out = m.tables[t].rows(out)
	}
	r.mem, r.forgetReason = m, ""
	r.lastRead = ReadStats{Full: true, Reason: reason, Rows: len(out)}
	return out, nil
}

// readAll reads every table and the memberships, at the same time, each
// on its own connection.
func (r *Replica) readAll(ctx context.Context) ([][]diff.Object, map[string][]string, error) {
	var members map[string][]string
	objs := make([][]diff.Object, len(tables))
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		var err error
		members, err = r.readMembers(gctx, "", nil)
		return err
	})
	for i, t := range tables {
		g.Go(func() error {
			var err error
			objs[i], err = r.readTable(gctx, t, "", nil)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	return objs, members, nil
}

// deltaRead re-reads the rows marked for it and returns the remembered
// rows.
func (r *Replica) deltaRead(ctx context.Context, stamps map[string]int64) ([]diff.Object, error) {
	m := r.mem
	reread := 0
	for _, t := range tables {
		keys := slices.Sorted(maps.Keys(m.reread[t]))
		reread += len(keys)
		for start := 0; start < len(keys); start += 1000 {
			chunk := keys[start:min(start+1000, len(keys))]
			in := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ") + ")"
			args := make([]any, len(chunk))
			for i, k := range chunk {
				args[i] = k
			}
			got, err := r.readTable(ctx, t, "WHERE obj_key IN "+in, args)
			if err != nil {
				r.mem = nil
				return nil, err
			}
			var members map[string][]string
			if t.kind == diff.Group {
				if members, err = r.readMembers(ctx, "WHERE group_key IN "+in, args); err != nil {
					r.mem = nil
					return nil, err
				}
			}
			tr := m.tables[t]
			for _, k := range chunk {
				tr.remove(k)
			}
			tr.unmanaged = slices.DeleteFunc(tr.unmanaged, func(o diff.Object) bool { return o.Key != "" && slices.Contains(chunk, o.Key) })
			for _, o := range got {
				if o.Kind == diff.Group {
					o.Members = members[o.Key]
				}
				if o.Managed {
					tr.put(o)
				} else {
					tr.unmanaged = append(tr.unmanaged, o)
				}
			}
		}
		m.reread[t] = nil
	}
	if len(m.deleted) > 0 {
		gr := m.tables[tableOf[diff.Group]]
		for i := range gr.managed {
			g := &gr.managed[i]
			if slices.ContainsFunc(g.Members, func(k string) bool { return m.deleted[k] }) {
				g.Members = slices.DeleteFunc(slices.Clone(g.Members), func(k string) bool { return m.deleted[k] })
			}
		}
		m.deleted = map[string]bool{}
	}
	n := 0
	for _, tr := range m.tables {
		n += len(tr.unmanaged) + len(tr.idx)
	}
	out := make([]diff.Object, 0, n)
	for _, t := range tables {
		out = m.tables[t].rows(out)
	}
	m.stamps, m.own = stamps, 0
	m.deltas++
	r.lastRead = ReadStats{Rows: len(out), Reread: reread}
	return out, nil
}

// remember folds the outcome of one applied change into the memory.
func (r *Replica) remember(t *table, c diff.Change, err error) {
	r.memMu.Lock()
	defer r.memMu.Unlock()
	m := r.mem
	if m == nil {
		return
	}
	if err != nil {
		if errors.Is(err, diff.ErrTemporary) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			// The commit may or may not have happened.
			r.mem, r.forgetReason = nil, "a change with unknown outcome"
			return
		}
		m.markReread(t, c.Key)
		return
	}
	tr := m.tables[t]
	switch c.Action {
	case diff.Create:
		id, ok := m.created[c.Key]
		if !ok {
			m.markReread(t, c.Key)
			return
		}
		delete(m.created, c.Key)
		o := r.canonical(t, c.Key, c.After)
		o.ID = id
		tr.put(o)
	case diff.AddMember, diff.RemoveMember:
		g, ok := tr.get(c.Key)
		if !ok {
			m.markReread(t, c.Key)
			return
		}
		i, found := slices.BinarySearch(g.Members, c.Member)
		switch {
		case c.Action == diff.AddMember && !found:
			g.Members = slices.Insert(slices.Clip(g.Members), i, c.Member)
		case c.Action == diff.RemoveMember && found:
			g.Members = slices.Delete(slices.Clone(g.Members), i, i+1)
		}
		tr.put(g)
	case diff.Delete:
		tr.remove(c.Key)
		m.deleted[c.Key] = true
	default:
		// Update, Rename, Enable, Disable, Move and Adopt: the row is read
		// again, as the database stored it.
		if c.Action == diff.Adopt && c.Before != nil {
			tr.unmanaged = slices.DeleteFunc(tr.unmanaged, func(o diff.Object) bool { return o.ID == c.Before.ID })
		}
		m.markReread(t, c.Key)
	}
}

func (m *memory) markReread(t *table, key string) {
	if m.reread[t] == nil {
		m.reread[t] = map[string]bool{}
	}
	m.reread[t][key] = true
}

// canonical returns the object as Read returns the row an INSERT of o
// wrote (see insert and insertMany): every column, booleans as
// "true"/"false", no empty attributes, sorted, managed; the caller sets
// the id.
func (r *Replica) canonical(t *table, key string, o *diff.Object) diff.Object {
	c := diff.Object{Kind: t.kind, Key: key, Name: o.Name, Institution: o.Institution, Disabled: o.Disabled, Managed: true}
	attrs := make(diff.Attrs, 0, len(t.cols)+1)
	if d := o.Attrs.Get(diff.AttrDisabledDate); d != "" {
		attrs = append(attrs, diff.Attr{Name: diff.AttrDisabledDate, Value: d})
	}
	for _, col := range t.cols {
		v := o.Attrs.Get(col.attr)
		if col.typ == boolean {
			v = map[bool]string{true: "true", false: "false"}[v == "true"]
		}
		if v != "" {
			attrs = append(attrs, diff.Attr{Name: col.attr, Value: v})
		}
	}
	slices.SortFunc(attrs, func(a, b diff.Attr) int { return strings.Compare(a.Name, b.Name) })
	c.Attrs = attrs
	if t.kind == diff.Group && len(o.Members) > 0 {
		c.Members = slices.Compact(slices.Sorted(slices.Values(o.Members)))
	}
	return c
}

// wtx is a write transaction; ids are the ids of the rows it inserted,
// by obj_key.
type wtx struct {
	*sql.Tx
	ids map[string]string
}

// inserted records the id of a row the transaction inserted.
func (tx *wtx) inserted(key string, id int64) {
	if tx.ids == nil {
		tx.ids = map[string]string{}
	}
	tx.ids[key] = strconv.FormatInt(id, 10)
}

// begin starts one of orgsync's write transactions: the session variable
// @orgsync_replica keeps the triggers from counting its rows as foreign,
// and the transaction counts itself in replica_stamps' "~orgsync" row.
func (r *Replica) begin(ctx context.Context) (*wtx, error) {
	stx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	tx := &wtx{Tx: stx}
	if _, err := tx.ExecContext(ctx, "SET @orgsync_replica = 1"); err != nil {
		tx.Rollback() //nolint:errcheck
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO replica_stamps (tbl, writes) VALUES (?, 1) ON DUPLICATE KEY UPDATE writes = writes + 1", stampOrgsync); err != nil {
		r.end(tx)
		tx.Rollback() //nolint:errcheck
		return nil, err
	}
	return tx, nil
}

// end clears @orgsync_replica before the connection goes back to the
// pool, where others may write through it.
func (r *Replica) end(tx *wtx) {
	tx.ExecContext(context.Background(), "SET @orgsync_replica = NULL") //nolint:errcheck
}

// rollback ends and rolls back one of orgsync's write transactions (a
// no-op after commit).
func (r *Replica) rollback(tx *wtx) {
	r.end(tx)
	tx.Rollback() //nolint:errcheck
}

// commit ends and commits one of orgsync's write transactions and counts
// it.
func (r *Replica) commit(tx *wtx) error {
	r.end(tx)
	if err := tx.Commit(); err != nil {
		return err
	}
	r.memMu.Lock()
	if r.mem != nil {
		r.mem.own++
		maps.Copy(r.mem.created, tx.ids)
	}
	r.memMu.Unlock()
	return nil
}
