package mongodb

import (
	"context"
	"sort"
	"strconv"

	"github.com/edtech-registry/registry/internal/registry"
)

// maxEmptyPages bounds how many page documents one listing request reads
// beyond what it needs, when withdrawals have left pages empty.
const maxEmptyPages = 10

// PublishedReviews returns a page of a product's public listing: releases
// newest first, each release's entries in descending order of their random
// ids. It reads the product's release state and the page documents it
// needs by _id: its cost follows the page size, not the registry's size.
func (s *Store) PublishedReviews(ctx context.Context, productID string, limit int, cursor string) (*registry.ReviewPage, error) {
	if _, err := s.Product(ctx, productID); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = registry.DefaultPageLimit
	}
	idx, err := s.index(ctx, productID)
	if err != nil {
		return nil, err
	}
	before := idx.Seq + 1 // list sequence numbers below this
	if cursor != "" {
		n, err := s.positionCursor(cursor)
		if err != nil {
			return nil, err
		}
		before = min(n, before)
	}
	var found []entryDoc
	empty := 0
	resume := 0 // when the empty-page budget runs out: list below this next time
	for page := (before - 2) / pageSize; before > 1 && page >= 0 && len(found) <= limit; page-- {
		items, err := s.readPage(ctx, productID+"|"+strconv.Itoa(page))
		if err != nil {
			return nil, err
		}
		sort.Slice(items, func(i, j int) bool { return items[i].Seq > items[j].Seq })
		got := 0
		for _, it := range items {
			if it.Seq < before {
				found = append(found, it)
				got++
			}
		}
		if got == 0 {
			if empty++; empty > maxEmptyPages {
				resume = page * pageSize // the last sequence number below this page
				break
			}
		}
	}
	out := &registry.ReviewPage{Items: []registry.PublicReview{}}
	for i, it := range found {
		if i == limit {
			out.NextCursor = s.encodeCursor(strconv.Itoa(found[i-1].Seq))
			break
		}
		out.Items = append(out.Items, it.public())
	}
	if out.NextCursor == "" && resume > 0 {
		// Older pages were not read: the list goes on from there, even if
		// this page is short or empty.
		out.NextCursor = s.encodeCursor(strconv.Itoa(resume + 1))
	}
	return out, nil
}
