package mongodb_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

// appendConcurrently appends total entries from workers goroutines at
// once; entry n has detail n, action auditActions[n%3] and the target
// target(n). It returns the entries as written, by n.
func appendConcurrently(t *testing.T, s *mongodb.Store, workers, total int, target func(n int) string) []registry.AuditEntry {
	t.Helper()
	out := make([]registry.AuditEntry, total)
	var wg sync.WaitGroup
	errs := make(chan error, total)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := w; n < total; n += workers {
				e := registry.AuditEntry{Actor: registry.AuditActor{Role: registry.RoleAdmin, Handle: "root"},
					Action: auditActions[n%3], Target: target(n), Detail: map[string]any{"n": n}}
				if err := s.AppendAudit(testCtx(t), &e); err != nil {
					errs <- fmt.Errorf("entry %d: %w", n, err)
					return
				}
				out[n] = e
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return out
}

// detailN is an entry's detail "n" as an int.
func detailN(t *testing.T, e registry.AuditEntry) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(fmt.Sprint(e.Detail["n"]), &n); err != nil {
		t.Fatalf("entry %d has no n: %#v", e.Seq, e.Detail)
	}
	return n
}

// TestAuditGroupCommit: entries appended at once from many goroutines,
// written in groups, each get one position in the whole log (1…total, once
// each, in the order of their times) and are listed exactly once in the
// whole log, in their action's listing and in their target's listing, at
// the position AppendAudit returned.
func TestAuditGroupCommit(t *testing.T) {
	t.Parallel()
	mongodbtest.NeedsAtomicWrites(t, "32 goroutines push positions into the same target buckets")
	s, _ := mongodbtest.Store(t, mongodb.Options{})
	const workers, total = 32, 400
	target := func(n int) string { return fmt.Sprintf("review:g%d", n%7) }
	written := appendConcurrently(t, s, workers, total, target)
	bySeq := map[int64]int{}
	for n, e := range written {
		if e.Seq < 1 || e.Seq > total {
			t.Fatalf("entry %d has position %d, outside 1…%d", n, e.Seq, total)
		}
		if m, dup := bySeq[e.Seq]; dup {
			t.Fatalf("entries %d and %d share position %d", m, n, e.Seq)
		}
		bySeq[e.Seq] = n
	}
	check := func(name string, f registry.AuditFilter, keep func(n int) bool) {
		t.Helper()
		listed := map[int]int{}
		for _, e := range listAudit(t, s, f, 100) {
			n := detailN(t, e)
			if written[n].Seq != e.Seq || e.Action != written[n].Action || e.Target != written[n].Target || !e.Time.Equal(written[n].Time) {
				t.Fatalf("%s: entry %d listed as %+v, written as %+v", name, n, e, written[n])
			}
			listed[n]++
		}
		for n := range total {
			want := 0
			if keep(n) {
				want = 1
			}
			if listed[n] != want {
				t.Errorf("%s: entry %d listed %d times, want %d", name, n, listed[n], want)
			}
		}
	}
	check("whole log", registry.AuditFilter{}, func(int) bool { return true })
	for i, a := range auditActions {
		check(string(a), registry.AuditFilter{Action: a}, func(n int) bool { return n%3 == i })
	}
	for r := range 7 {
		tg := fmt.Sprintf("review:g%d", r)
		check(tg, registry.AuditFilter{Target: tg}, func(n int) bool { return n%7 == r })
	}
	all := listAudit(t, s, registry.AuditFilter{}, 100)
	for i := 1; i < len(all); i++ {
		if all[i].Time.After(all[i-1].Time) {
			t.Fatalf("entry %d is dated after entry %d, which it precedes", all[i].Seq, all[i-1].Seq)
		}
	}
}

// TestAuditTargetBucketsRollOver: a target with more entries than a bucket
// holds, appended at once and one by one, gets new buckets: each holds at
// most a bucket's worth, bucket 0 records the newest, every entry is in
// exactly one bucket, and the listing by target has them all, newest
// first.
func TestAuditTargetBucketsRollOver(t *testing.T) {
	t.Parallel()
	mongodbtest.NeedsAtomicWrites(t, "16 goroutines push positions into the same target buckets")
	s, _ := mongodbtest.Store(t, mongodb.Options{})
	const hot = "product:hot"
	total := 2*mongodb.AuditBucketSize + 30
	target := func(n int) string {
		if n%5 == 4 {
			return "product:cold"
		}
		return hot
	}
	written := appendConcurrently(t, s, 16, total, target)
	for n := total; n < total+12; n++ { // one at a time, from a second store's hints too
		e := registry.AuditEntry{Actor: registry.AuditActor{Role: registry.RoleAdmin, Handle: "root"},
			Action: registry.AuditProductUpdate, Target: hot, Detail: map[string]any{"n": n}}
		if err := s.AppendAudit(testCtx(t), &e); err != nil {
			t.Fatal(err)
		}
		written = append(written, e)
	}
	var want []int64
	for _, e := range written {
		if e.Target == hot {
			want = append(want, e.Seq)
		}
	}
	slices.Sort(want)
	slices.Reverse(want)
	_, top, exists, err := mongodb.AuditBucket(testCtx(t), s, hot, 0)
	if err != nil || !exists {
		t.Fatalf("bucket 0: exists %v, %v", exists, err)
	}
	if min := (len(want) + mongodb.AuditBucketSize - 1) / mongodb.AuditBucketSize; top < min-1 {
		t.Fatalf("bucket 0 records bucket %d as the newest; %d positions need at least %d buckets", top, len(want), min)
	}
	var held []int64
	for b := 0; ; b++ {
		ps, _, exists, err := mongodb.AuditBucket(testCtx(t), s, hot, b)
		if err != nil {
			t.Fatal(err)
		}
		if !exists {
			if b != top+1 {
				t.Fatalf("buckets end at %d; bucket 0 records %d as the newest", b-1, top)
			}
			break
		}
		if len(ps) > mongodb.AuditBucketSize || len(ps) == 0 {
			t.Fatalf("bucket %d holds %d positions, want 1…%d", b, len(ps), mongodb.AuditBucketSize)
		}
		held = append(held, ps...)
	}
	slices.Sort(held)
	slices.Reverse(held)
	if !slices.Equal(held, want) {
		t.Fatalf("the buckets hold %d positions, want the %d of the target's entries once each", len(held), len(want))
	}
	got := seqs(listAudit(t, s, registry.AuditFilter{Target: hot}, 100))
	if !slices.Equal(got, want) {
		t.Fatalf("listed %d entries %v…, want %d %v…", len(got), got[:min(5, len(got))], len(want), want[:5])
	}
}

// TestAuditAbout: the entries about a set of targets, newest first, at
// most max, from targets with several buckets and targets with none.
func TestAuditAbout(t *testing.T) {
	t.Parallel()
	s, _ := mongodbtest.Store(t, mongodb.Options{})
	targets := []string{"review:a", "review:b", "review:c", "product:p"}
	total := mongodb.AuditBucketSize + 60
	written := appendConcurrently(t, s, 8, total, func(n int) string {
		if n < mongodb.AuditBucketSize+20 {
			return "review:a" // two buckets
		}
		return targets[n%4]
	})
	about := func(ts ...string) func(e registry.AuditEntry) bool {
		return func(e registry.AuditEntry) bool { return slices.Contains(ts, e.Target) }
	}
	newest := func(keep func(registry.AuditEntry) bool, max int) []int64 {
		var out []int64
		for _, e := range written {
			if keep(e) {
				out = append(out, e.Seq)
			}
		}
		slices.Sort(out)
		slices.Reverse(out)
		return out[:min(max, len(out))]
	}
	for _, c := range []struct {
		name    string
		targets []string
		max     int
	}{
		{"One", []string{"review:b"}, 0},
		{"Several", []string{"review:a", "product:p", "review:none", "review:a"}, 0},
		{"Bounded", []string{"review:a", "review:c"}, 30},
		{"BoundedWithinOne", []string{"review:a"}, mongodb.AuditBucketSize + 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.AuditAbout(testCtx(t), c.targets, c.max)
			if err != nil {
				t.Fatal(err)
			}
			max := c.max
			if max == 0 {
				max = registry.MaxAuditAbout
			}
			want := newest(about(c.targets...), max)
			if !slices.Equal(seqs(got), want) {
				t.Fatalf("got %d entries %v, want %d %v", len(got), seqs(got), len(want), want)
			}
			for _, e := range got {
				w := written[detailN(t, e)]
				if e.Seq != w.Seq || e.Target != w.Target || e.Action != w.Action || !e.Time.Equal(w.Time) {
					t.Fatalf("entry %d is %+v, written as %+v", e.Seq, e, w)
				}
			}
		})
	}
	t.Run("TooMany", func(t *testing.T) {
		many := make([]string, registry.MaxAuditAboutTargets+1)
		for i := range many {
			many[i] = fmt.Sprintf("review:%d", i)
		}
		if _, err := s.AuditAbout(testCtx(t), many, 10); registry.ErrorCode(err) != registry.EINVALID {
			t.Fatalf("err = %v, want EINVALID", err)
		}
	})
}

// TestAuditAuthorPseudonym: a review's author is stored as a pseudonym of
// their reference for that review: the same for two actions on one
// review, different for two reviews, and never the reference itself.
func TestAuditAuthorPseudonym(t *testing.T) {
	t.Parallel()
	s, _ := mongodbtest.Store(t, mongodb.Options{})
	const ref = "0123456789abcdef0123456789abcdef"
	write := func(a registry.AuditAction, target string) registry.AuditEntry {
		e := registry.AuditEntry{Actor: registry.AuditActor{Role: registry.RoleReviewer, Reviewer: ref}, Action: a, Target: target}
		if err := s.AppendAudit(testCtx(t), &e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	one := write(registry.AuditReviewSubmit, "review:one")
	again := write(registry.AuditReviewWithdraw, "review:one")
	two := write(registry.AuditReviewSubmit, "review:two")
	listed := listAudit(t, s, registry.AuditFilter{}, 10)
	if len(listed) != 3 {
		t.Fatalf("%d entries, want 3", len(listed))
	}
	for _, e := range listed {
		if e.Actor.Reviewer == "" || e.Actor.Reviewer == ref {
			t.Fatalf("entry %d names the author as %q", e.Seq, e.Actor.Reviewer)
		}
	}
	if one.Actor.Reviewer != again.Actor.Reviewer || listed[1].Actor.Reviewer != listed[2].Actor.Reviewer {
		t.Errorf("two actions on one review: %q and %q, want one pseudonym", one.Actor.Reviewer, again.Actor.Reviewer)
	}
	if one.Actor.Reviewer == two.Actor.Reviewer || listed[0].Actor.Reviewer == listed[1].Actor.Reviewer {
		t.Errorf("two reviews share the pseudonym %q", one.Actor.Reviewer)
	}
}
