package mongodb

import "context"

// Hooks for the moderation tests (package mongodb_test).

// ClearQueueFlags removes the flags of every entry of a queue page and of
// its reviews, as entries written before the flags existed have none.
func ClearQueueFlags(ctx context.Context, s *Store, page int) error {
	p, err := s.readQueuePage(ctx, page)
	if err != nil || p == nil {
		return err
	}
	for i := range p.Entries {
		p.Entries[i].Flags = 0
	}
	_, err = s.writeQueuePage(ctx, p)
	return err
}
