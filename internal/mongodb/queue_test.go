package mongodb_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

// tickingClock returns a clock that moves on a millisecond at every reading
// (so submissions get distinct, increasing times) and a function that moves
// it on further.
func tickingClock() (func() time.Time, func(time.Duration)) {
	var mu sync.Mutex
	now := fixedNow()
	return func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			now = now.Add(time.Millisecond)
			return now
		}, func(d time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			now = now.Add(d)
		}
}

// listQueue pages through the moderation queue with the given page size
// and returns the ids in the order listed, failing the test if one is
// listed twice, if a page is longer than limit, or if the times go back.
func listQueue(t testing.TB, s *mongodb.Store, limit int) []string {
	t.Helper()
	var ids []string
	seen := map[string]bool{}
	var last time.Time
	cursor := ""
	for range 1000 {
		page, err := s.Queue(testCtx(t), limit, cursor)
		if err != nil {
			t.Fatalf("Queue(cursor %q): %v", cursor, err)
		}
		if len(page.Items) > limit {
			t.Fatalf("Queue returned %d items, limit %d", len(page.Items), limit)
		}
		for _, it := range page.Items {
			if seen[it.ID] {
				t.Fatalf("Queue lists review %s twice", it.ID)
			}
			if it.Status != registry.StatusPending {
				t.Fatalf("Queue lists review %s, %s", it.ID, it.Status)
			}
			if it.CreatedAt.Before(last) {
				t.Fatalf("Queue lists review %s (%s) after a newer one (%s)", it.ID, it.CreatedAt, last)
			}
			last = it.CreatedAt
			seen[it.ID] = true
			ids = append(ids, it.ID)
		}
		if page.NextCursor == "" {
			return ids
		}
		cursor = page.NextCursor
	}
	t.Fatal("Queue: the cursor never ended")
	return nil
}

// without returns ids without the ones in drop, in order.
func without(ids []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return slices.Contains(drop, id) })
}

// TestQueuePages checks the moderation queue kept in pages: every pending
// review is listed once, oldest first, in pages of any size; a review that
// leaves the queue (published, rejected, withdrawn) leaves the listing; and
// the head moves past pages whose reviews have all left.
func TestQueuePages(t *testing.T) {
	t.Parallel()
	clock, _ := tickingClock()
	s, _ := openStore(t, mongodb.Options{Moderation: true, Now: clock})
	ctx := testCtx(t)
	r := defaultRubric(t)
	products := []*registry.Product{createProduct(t, s, "Queue Pages A"), createProduct(t, s, "Queue Pages B")}
	const n = 2*mongodb.QueuePageSize + 5 // two full pages and part of a third
	ids := make([]string, n)
	refs := make([]string, n)
	for i := range n {
		refs[i] = fmt.Sprintf("queue-pages-%02d", i)
		ids[i] = submit(t, s, reviewOf(r, products[i%2].ID, refs[i], variedContext(i), 2)).ID
	}
	for _, limit := range []int{1, 7, 20, 100} {
		if got := listQueue(t, s, limit); !slices.Equal(got, ids) {
			t.Fatalf("limit %d: queue lists %d reviews, want the %d submitted in order\ngot  %v\nwant %v", limit, len(got), n, got, ids)
		}
	}
	if first, tail, err := mongodb.QueueHead(ctx, s); err != nil || first != 0 || tail != 2 {
		t.Fatalf("queue head: first %d, tail %d, %v; want 0 and 2", first, tail, err)
	}

	t.Run("LeavingTheQueue", func(t *testing.T) {
		left := []string{ids[3], ids[21], ids[44], ids[0]}
		if _, err := s.Transition(ctx, ids[3], registry.StatusPublished, "", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Transition(ctx, ids[21], registry.StatusRejected, "", "spam"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Transition(ctx, ids[44], registry.StatusWithdrawn, refs[44], ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Transition(ctx, ids[0], registry.StatusPublished, "", ""); err != nil {
			t.Fatal(err)
		}
		want := without(ids, left...)
		for _, limit := range []int{3, 20} {
			if got := listQueue(t, s, limit); !slices.Equal(got, want) {
				t.Fatalf("limit %d: queue lists %v, want %v", limit, got, want)
			}
		}
		entries, err := mongodb.QueueEntries(ctx, s, 0)
		if err != nil {
			t.Fatal(err)
		}
		if entries[0] != "" || entries[3] != "" || entries[1] != ids[1] {
			t.Errorf("page 0 entries %v: the two reviews that left are not marked gone", entries)
		}
	})

	t.Run("HeadPassesEmptiedPages", func(t *testing.T) {
		// Moderate the rest of the first two pages, newest first: the head
		// moves only once the first page is emptied, and then past both.
		for i := 2*mongodb.QueuePageSize - 1; i >= 0; i-- {
			if _, err := s.Transition(ctx, ids[i], registry.StatusRejected, "", "off-topic"); err != nil && registry.ErrorCode(err) != registry.ECONFLICT {
				t.Fatal(err)
			}
			if i == mongodb.QueuePageSize {
				if first, _, _ := mongodb.QueueHead(ctx, s); first != 0 {
					t.Fatalf("head's first page is %d while page 0 has pending reviews, want 0", first)
				}
			}
		}
		if first, tail, err := mongodb.QueueHead(ctx, s); err != nil || first != 2 || tail != 2 {
			t.Fatalf("queue head: first %d, tail %d, %v; want 2 and 2", first, tail, err)
		}
		var want []string // what is still pending of the third page
		for _, id := range ids[2*mongodb.QueuePageSize:] {
			if rv, err := s.Review(ctx, id); err != nil || rv.Status == registry.StatusPending {
				want = append(want, id)
			}
		}
		if got := listQueue(t, s, 20); !slices.Equal(got, want) {
			t.Fatalf("queue lists %v, want %v", got, want)
		}
	})

	t.Run("NewSubmissionsAppend", func(t *testing.T) {
		before := listQueue(t, s, 100)
		rv := submit(t, s, reviewOf(r, products[0].ID, "queue-pages-late", variedContext(1), 3))
		if got := listQueue(t, s, 100); !slices.Equal(got, append(before, rv.ID)) {
			t.Fatalf("queue lists %v, want %v and the new review last", got, before)
		}
	})

	t.Run("ErrInvalidCursor", func(t *testing.T) {
		for _, c := range []string{"bm90LWEtY3Vyc29y", "MA", "LTE", "%%%"} {
			if _, err := s.Queue(ctx, 5, c); registry.ErrorCode(err) != registry.EINVALID {
				t.Errorf("cursor %q: %v, want EINVALID", c, err)
			}
		}
	})
}

// TestQueuePastEmptiedPages lists a queue whose oldest page still has
// pending reviews while the next pages were emptied (moderators took newer
// reviews first): a listing reads a bounded number of emptied pages and
// hands back a cursor rather than end the list early, and once the oldest
// page empties the head moves past them all.
func TestQueuePastEmptiedPages(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{Moderation: true})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p := &registry.Product{ID: "long-queue", Name: "Long Queue", Category: "other"}
	const pages = 31
	reviews := make([]*registry.Review, pages*mongodb.QueuePageSize)
	for i := range reviews {
		at := fixedNow().Add(time.Duration(i) * time.Second)
		rv := reviewOf(r, p.ID, fmt.Sprintf("long-%03d", i), variedContext(i), 2)
		rv.Status, rv.CreatedAt, rv.UpdatedAt = registry.StatusPending, at, at
		reviews[i] = rv
	}
	if _, err := s.Seed(ctx, []*registry.Product{p}, reviews); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	var all []string
	for _, rv := range reviews {
		all = append(all, rv.ID)
	}
	if got := listQueue(t, s, 100); !slices.Equal(got, all) {
		t.Fatalf("seeded queue lists %d reviews, want %d in order", len(got), len(all))
	}

	// Pages 1 … pages-2 emptied, the first and the last still full.
	for page := 1; page < pages-1; page++ {
		if err := mongodb.UnqueuePage(ctx, s, page); err != nil {
			t.Fatal(err)
		}
	}
	size := mongodb.QueuePageSize
	want := append(slices.Clone(all[:size]), all[(pages-1)*size:]...)
	first, err := s.Queue(ctx, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Items) != size || first.NextCursor == "" {
		t.Fatalf("first request: %d items, cursor %q; want the %d of page 0 and a cursor past the emptied pages it read",
			len(first.Items), first.NextCursor, size)
	}
	if got := listQueue(t, s, 100); !slices.Equal(got, want) {
		t.Fatalf("listed %d reviews past the emptied pages, want %d", len(got), len(want))
	}

	// Moderating page 0 empties it: the head moves past every emptied page.
	for _, id := range all[:size] {
		if _, err := s.Transition(ctx, id, registry.StatusRejected, "", "duplicate"); err != nil {
			t.Fatal(err)
		}
	}
	if f, _, err := mongodb.QueueHead(ctx, s); err != nil || f != pages-1 {
		t.Fatalf("head's first page %d, %v; want %d", f, err, pages-1)
	}
	page, err := s.Queue(ctx, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != size || page.NextCursor != "" {
		t.Fatalf("after the head moved: %d items, cursor %q; want the last page's %d and no cursor", len(page.Items), page.NextCursor, size)
	}
}

// TestReindexRebuildsQueuePages loses the queue's pages and checks that
// reindex, and a store opened on a database without them (one written
// before the queue had pages), rebuild them from the queue, oldest first.
func TestReindexRebuildsQueuePages(t *testing.T) {
	t.Parallel()
	clock, _ := tickingClock()
	s, db := openStore(t, mongodb.Options{Moderation: true, Now: clock})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p := createProduct(t, s, "Rebuilt Queue")
	var ids []string
	for i := range 25 {
		ids = append(ids, submit(t, s, reviewOf(r, p.ID, fmt.Sprintf("rebuilt-%02d", i), variedContext(i), 1)).ID)
	}
	if _, err := s.Transition(ctx, ids[2], registry.StatusPublished, "", ""); err != nil {
		t.Fatal(err)
	}
	want := without(ids, ids[2])
	lose := func(t testing.TB) {
		t.Helper()
		if _, err := db.Collection(mongodb.ColQueuePages).DeleteMany(ctx, bson.D{}); err != nil {
			t.Fatal(err)
		}
		if got := listQueue(t, s, 10); len(got) != 0 {
			t.Fatalf("queue lists %d reviews without its pages", len(got))
		}
	}

	t.Run("Reindex", func(t *testing.T) {
		lose(t)
		if _, err := s.Reindex(ctx, nil); err != nil {
			t.Fatalf("Reindex: %v", err)
		}
		if got := listQueue(t, s, 10); !slices.Equal(got, want) {
			t.Fatalf("after reindex the queue lists %v, want %v", got, want)
		}
		// The rebuilt pages work as before: a review leaves, another joins.
		if _, err := s.Transition(ctx, ids[7], registry.StatusRejected, "", "spam"); err != nil {
			t.Fatal(err)
		}
		late := submit(t, s, reviewOf(r, p.ID, "rebuilt-late", variedContext(3), 1)).ID
		want = append(without(want, ids[7]), late)
		if got := listQueue(t, s, 10); !slices.Equal(got, want) {
			t.Fatalf("queue lists %v, want %v", got, want)
		}
	})

	t.Run("OpenWithoutHead", func(t *testing.T) {
		lose(t)
		again := mongodbtest.OpenStore(t, db, mongodb.Options{Moderation: true, Now: clock})
		if got := listQueue(t, again, 10); !slices.Equal(got, want) {
			t.Fatalf("a store opened without queue pages lists %v, want %v", got, want)
		}
	})
}
