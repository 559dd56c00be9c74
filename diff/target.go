package diff

import "context"

// Reader reads the actual state of a target: every object carrying
// orgsync's management mark under the target's configured root, plus the
// unmanaged objects that are candidates for a configured adoption match
// (with Managed false and an empty Key).
type Reader interface {
	Read(ctx context.Context) ([]Object, error)
}

// Applier carries out one change on a target. It must refuse (ErrUnmanaged)
// to change an object without the management mark, except by an Adopt
// change, and must write the mark in the same operation that creates an
// object, so that a crash never leaves an unmarked object behind.
// Implementations are called concurrently for the changes of one stage.
type Applier interface {
	Apply(ctx context.Context, c Change) error
}

// Target is a directory that can be read and changed.
type Target interface {
	Reader
	Applier
}
