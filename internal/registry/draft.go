package registry

import (
	"context"
	"time"
)

// Drafts: a review form saved on the server before it is submitted, so
// that a closed tab loses nothing. A draft is its author's alone: it is
// never public, never read by moderators, never counted anywhere; it is
// listed in its author's export and deleted with their account.
const (
	// DraftRetention is how long a draft is kept after it was last saved.
	DraftRetention = 90 * 24 * time.Hour
	// MaxDrafts is the most drafts one account may hold at once (one per
	// product).
	MaxDrafts = 100
	// MaxDraftFields is the most form fields one draft holds.
	MaxDraftFields = 1000
	// MaxDraftBytes bounds a draft's size: the bytes of its field names
	// and values together.
	MaxDraftBytes = 512 << 10
)

// Draft is a saved review form: its fields by name, as they were entered
// (valid or not).
type Draft struct {
	ProductID string
	Values    map[string]string
	SavedAt   time.Time
}

// DraftSize returns the size of a draft's values as MaxDraftBytes counts
// it.
func DraftSize(values map[string]string) int {
	n := 0
	for k, v := range values {
		n += len(k) + len(v)
	}
	return n
}

// DraftService keeps each account's review drafts, one per product.
type DraftService interface {
	// SaveDraft stores values as the draft of p's account (p.AccountID)
	// for the product productID, replacing the one it had, for
	// DraftRetention from now. Returns ENOTFOUND when p has no account (a
	// credential made without an account keeps no drafts) or the product
	// does not exist, ETOOLARGE when values has more than MaxDraftFields
	// fields or MaxDraftBytes bytes (nothing is stored), ETOOMANY when the
	// account already holds MaxDrafts drafts of other products, and
	// EUNAUTHORIZED when the account is being deleted or no longer exists
	// (what was written is deleted again: a draft never outlives its
	// account's deletion).
	SaveDraft(ctx context.Context, p *Principal, productID string, values map[string]string) error
	// Draft returns the account's draft for the product. Returns
	// ENOTFOUND when there is none, or it is older than DraftRetention.
	Draft(ctx context.Context, accountID, productID string) (*Draft, error)
	// DeleteDraft deletes the account's draft for the product; deleting a
	// draft that does not exist is not an error.
	DeleteDraft(ctx context.Context, accountID, productID string) error
}
