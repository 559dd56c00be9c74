package sqlreplica

// Options configure the replica and its projection.
type Options struct {
	// WriteProtected writes the protected fields: CPR numbers, addresses
	// and the real names of name-protected persons (else their alias
	// names). It must come from an explicit, audited setting; off, the
	// cpr and address columns stay empty.
	WriteProtected bool
	// NoGroupCommit writes every change in a transaction of its own
	// instead of grouping the changes applied concurrently into one
	// transaction (slower; for comparison and debugging).
	NoGroupCommit bool
	// FullReadEvery makes every FullReadEvery-th Read a full read of every
	// table even when the replica_stamps show no foreign writes (see
	// delta.go); 0 means 100, 1 turns delta reads off.
	FullReadEvery int
}
