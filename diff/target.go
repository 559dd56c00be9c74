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

// Preparer is implemented by targets that adapt a desired state before it
// is planned against them: they drop the attributes they do not store
// (which would otherwise be planned as updates on every run), shorten
// names to their limits, add target-specific attributes, or add objects
// of their own kinds (Google's shared drives). Whoever plans for a target
// runs the desired objects through it (see Prepare); the pipeline in
// package provision and the conformance suite diff/targettest do.
//
// Prepare returns new objects, must not change its input, and gives the
// same output for the same input (diff/targettest checks both).
type Preparer interface {
	Prepare(desired []Object) []Object
}

// Prepare returns desired as target t prepares it when t implements
// Preparer, and desired unchanged otherwise.
func Prepare(t any, desired []Object) []Object {
	if p, ok := t.(Preparer); ok {
		return p.Prepare(desired)
	}
	return desired
}
