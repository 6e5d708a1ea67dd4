package mongodb_test

import (
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/registry"
)

// filteredQueue pages through the moderation queue under a filter and
// returns the ids listed.
func filteredQueue(t *testing.T, s *mongodb.Store, f registry.QueueFilter, limit int) ([]string, error) {
	t.Helper()
	var ids []string
	cursor := ""
	for range 1000 {
		page, err := s.ModerationQueue(testCtx(t), f, limit, cursor)
		if err != nil {
			return ids, err
		}
		if len(page.Items) > limit {
			t.Fatalf("%d items, limit %d", len(page.Items), limit)
		}
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		if page.NextCursor == "" {
			return ids, nil
		}
		cursor = page.NextCursor
	}
	t.Fatal("the cursor never ended")
	return nil, nil
}

// moderationQueueFixture submits, in order, reviews that are clean,
// identifying, conflicted, both, over two queue pages, and returns their
// ids by kind.
func moderationQueueFixture(t *testing.T, s *mongodb.Store) (clean, named, conflicted, both []string) {
	t.Helper()
	r := defaultRubric(t)
	p := createProduct(t, s, "Filtered")
	for i := range 30 {
		rv := reviewOf(r, p.ID, "ref-"+strings.Repeat("x", i%3)+string(rune('a'+i)), variedContext(i), variedScores(i)...)
		kind := i % 4
		if kind == 1 || kind == 3 {
			rv.Answers[i%len(rv.Answers)].Comment = "Mr. O'Neill at Harris Academy Peckham set it up."
		}
		if kind >= 2 {
			rv.Conflict = registry.Conflict{Declared: true, Details: "I sold it."}
		}
		id := submit(t, s, rv).ID
		switch kind {
		case 0:
			clean = append(clean, id)
		case 1:
			named = append(named, id)
		case 2:
			conflicted = append(conflicted, id)
		default:
			both = append(both, id)
		}
	}
	return clean, named, conflicted, both
}

// merge returns the ids of the lists in queue (submission) order.
func merge(order []string, lists ...[]string) []string {
	var out []string
	for _, id := range order {
		for _, l := range lists {
			if slices.Contains(l, id) {
				out = append(out, id)
				break
			}
		}
	}
	return out
}

func TestModerationQueueFilters(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{Moderation: true})
	clean, named, conflicted, both := moderationQueueFixture(t, s)
	all := listQueue(t, s, 100)
	for _, tc := range []struct {
		name   string
		filter registry.QueueFilter
		want   []string
	}{
		{"None", registry.QueueFilter{}, all},
		{"Hints", registry.QueueFilter{Hints: true}, merge(all, named, both)},
		{"Conflict", registry.QueueFilter{Conflict: true}, merge(all, conflicted, both)},
		{"Both", registry.QueueFilter{Hints: true, Conflict: true}, both},
	} {
		for _, limit := range []int{1, 3, 20} {
			got, err := filteredQueue(t, s, tc.filter, limit)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s, limit %d: listed %v, want %v", tc.name, limit, got, tc.want)
			}
		}
	}
	if len(clean) == 0 || len(both) == 0 {
		t.Fatal("the fixture lacks a kind")
	}
}

// TestFilteredQueueReadsOnlyMatchingReviews: a filtered listing decides
// from the queue's pages and reads only the reviews that match. The other
// pending reviews are made unreadable: the unfiltered listing fails on
// them, the filtered ones do not.
func TestFilteredQueueReadsOnlyMatchingReviews(t *testing.T) {
	t.Parallel()
	s, db := openStore(t, mongodb.Options{Moderation: true})
	clean, named, conflicted, both := moderationQueueFixture(t, s)
	all := listQueue(t, s, 100)
	ctx := testCtx(t)
	for _, id := range clean {
		// A created time that is not a time cannot be decoded.
		set := bson.D{{Key: "$set", Value: bson.D{{Key: "ct", Value: "not a time"}}}}
		if _, err := db.Collection(mongodb.ColQueue).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, set); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := filteredQueue(t, s, registry.QueueFilter{}, 100); err == nil {
		t.Fatal("the unfiltered listing read the damaged reviews without failing: the check below proves nothing")
	}
	got, err := filteredQueue(t, s, registry.QueueFilter{Hints: true}, 100)
	if err != nil || !slices.Equal(got, merge(all, named, both)) {
		t.Errorf("?hints: %v, %v", got, err)
	}
	got, err = filteredQueue(t, s, registry.QueueFilter{Conflict: true}, 100)
	if err != nil || !slices.Equal(got, merge(all, conflicted, both)) {
		t.Errorf("?conflict: %v, %v", got, err)
	}
}

// TestQueueEntriesWithoutFlags: entries written before the flags existed
// have none; a filtered listing reads their reviews to decide.
func TestQueueEntriesWithoutFlags(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{Moderation: true})
	_, named, conflicted, both := moderationQueueFixture(t, s)
	all := listQueue(t, s, 100)
	ctx := testCtx(t)
	if err := mongodb.ClearQueueFlags(ctx, s, 0); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		filter registry.QueueFilter
		want   []string
	}{
		{registry.QueueFilter{Hints: true}, merge(all, named, both)},
		{registry.QueueFilter{Conflict: true}, merge(all, conflicted, both)},
		{registry.QueueFilter{}, all},
	} {
		got, err := filteredQueue(t, s, tc.filter, 4)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%+v: listed %v (%v), want %v", tc.filter, got, err, tc.want)
		}
	}
	// Reindex rebuilds the pages with the flags the reviews kept.
	if _, err := s.Reindex(ctx, nil); err != nil {
		t.Fatal(err)
	}
	got, err := filteredQueue(t, s, registry.QueueFilter{Hints: true, Conflict: true}, 100)
	if err != nil || !slices.Equal(got, both) {
		t.Errorf("after reindex: %v (%v), want %v", got, err, both)
	}
}

// TestPublishReviewRedacts: the review moves to the reviews collection with
// the redacted text and the list of fields; no document holds the original;
// a refused request changes nothing.
func TestPublishReviewRedacts(t *testing.T) {
	t.Parallel()
	s, db := openStore(t, mongodb.Options{Moderation: true})
	r := defaultRubric(t)
	p := createProduct(t, s, "Redacted")
	rv := reviewOf(r, p.ID, "author", variedContext(1), 2)
	const original = "Written by Bethan Rhys-Quarrell of Ysgol Redactiontest."
	rv.Summary = original
	rv.Conflict = registry.Conflict{Declared: true, Details: "I ran the pilot."}
	id := submit(t, s, rv).ID
	ctx := testCtx(t)
	req := registry.PublishRequest{Redactions: []registry.Redaction{{Field: "summary", Text: "A teacher's review."}},
		IfMatch: &registry.IfMatch{Versions: []int{1}}} // as submitted
	if _, err := s.PublishReview(ctx, id, "moderator", req); registry.ErrorCode(err) != registry.EINVALID {
		t.Fatalf("without the acknowledgement: %v", err)
	}
	if got, err := s.Review(ctx, id); err != nil || got.Status != registry.StatusPending || got.Summary != original {
		t.Fatalf("a refused publication changed the review: %+v, %v", got, err)
	}
	if _, err := s.PublishReview(ctx, id, "author", req); registry.ErrorCode(err) != registry.EFORBIDDEN {
		t.Fatalf("by its author: %v", err)
	}
	req.AcknowledgeConflict = true
	out, err := s.PublishReview(ctx, id, "moderator", req)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != registry.StatusPublished || out.Summary != "A teacher's review." || !slices.Equal(out.Redacted, []string{"summary"}) {
		t.Fatalf("published = %+v", out)
	}
	stored, err := s.Review(ctx, id)
	if err != nil || stored.Summary != "A teacher's review." || !slices.Equal(stored.Redacted, []string{"summary"}) {
		t.Fatalf("stored = %+v, %v", stored, err)
	}
	names, err := db.Database().ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		cur, err := db.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.Raw
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			if strings.Contains(d.String(), "Redactiontest") {
				t.Errorf("%s still holds the original: %s", name, d)
			}
		}
	}
	if _, err := s.PublishReview(ctx, id, "moderator", req); registry.ErrorCode(err) != registry.ECONFLICT {
		t.Errorf("published twice: %v", err)
	}
}
