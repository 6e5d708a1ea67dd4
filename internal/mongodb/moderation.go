package mongodb

import (
	"github.com/edtech-registry/registry/internal/hints"
	"github.com/edtech-registry/registry/internal/registry"
)

// Flags of a queue entry (queueEntry.Flags, reviewDoc.QFlags): what a
// filtered listing of the moderation queue needs to know of a pending
// review without reading it. They are computed once, when the review is
// submitted; the hints themselves are not stored but found again when the
// queue is listed (docs/storage.md, "The moderation queue's filters").
const (
	// flagKnown says the other flags were computed: entries written
	// before flags existed have none, and a filtered listing reads their
	// review to decide.
	flagKnown = 1 << iota
	// flagHints: the review's free text has identity hints (package hints).
	flagHints
	// flagConflict: the reviewer declared a conflict of interest.
	flagConflict
)

// maxFilteredQueuePages bounds how many pages without a matching entry one
// filtered listing reads before it returns what it has and a cursor. A page
// is one small read by _id, and a filter may match few reviews, so the bound
// is larger than maxEmptyQueuePages.
const maxFilteredQueuePages = 100

// queueFlags computes the flags of a pending review's queue entry.
func queueFlags(r *registry.Review) int {
	f := flagKnown
	if hasHints(r) {
		f |= flagHints
	}
	if r.Conflict.Declared {
		f |= flagConflict
	}
	return f
}

// hasHints reports whether any free-text field of r has an identity hint.
func hasHints(r *registry.Review) bool {
	for _, f := range registry.TextFields(r) {
		if f.Text != "" && len(hints.Detect(f.Text)) > 0 {
			return true
		}
	}
	return false
}

// filtered reports whether the filter narrows the queue at all.
func filtered(f registry.QueueFilter) bool { return f.Hints || f.Conflict }

// mayMatch reports whether an entry with these flags may be listed under
// the filter: it matches, or its flags are unknown (0) and its review must
// be read to tell.
func mayMatch(f registry.QueueFilter, flags int) bool {
	if flags == 0 {
		return true
	}
	return (!f.Hints || flags&flagHints != 0) && (!f.Conflict || flags&flagConflict != 0)
}
