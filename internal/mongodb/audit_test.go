package mongodb_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

// auditActions are the actions the store tests write, in turn.
var auditActions = []registry.AuditAction{registry.AuditReviewPublish, registry.AuditReviewReject, registry.AuditTokenRevoke}

// appendAudit writes entry n of a test log: action n mod 3, target n mod
// 4, and returns it as written.
func appendAudit(t testing.TB, s *mongodb.Store, n int) registry.AuditEntry {
	t.Helper()
	e := registry.AuditEntry{
		Actor:  registry.AuditActor{Role: registry.RoleModerator, Handle: "mod-1"},
		Action: auditActions[n%len(auditActions)],
		Target: fmt.Sprintf("review:r%d", n%4),
		Detail: map[string]any{"n": n, "fields": []string{"summary", "answers[3].comment"}, "ok": true},
	}
	if err := s.AppendAudit(testCtx(t), &e); err != nil {
		t.Fatalf("append %d: %v", n, err)
	}
	return e
}

// listAudit pages through the log with f and limit, and returns the
// entries in the order listed; it fails the test if a page is longer than
// limit, if an entry is listed twice, or if the whole log's positions do
// not go down (a filtered listing is in the order entries reached its
// chain, which concurrent writers may make differ by a few).
func listAudit(t testing.TB, s *mongodb.Store, f registry.AuditFilter, limit int) []registry.AuditEntry {
	t.Helper()
	var out []registry.AuditEntry
	seen := map[int64]bool{}
	cursor := ""
	for range 10000 {
		page, err := s.AuditLog(testCtx(t), f, limit, cursor)
		if err != nil {
			t.Fatalf("list %+v after %d: %v", f, len(out), err)
		}
		if len(page.Items) > limit {
			t.Fatalf("a page of %d entries, limit %d", len(page.Items), limit)
		}
		for _, e := range page.Items {
			if n := len(out); n > 0 && e.Seq >= out[n-1].Seq && f == (registry.AuditFilter{}) {
				t.Fatalf("entry %d listed after %d: not newest first", e.Seq, out[n-1].Seq)
			}
			if seen[e.Seq] {
				t.Fatalf("entry %d listed twice", e.Seq)
			}
			seen[e.Seq] = true
			out = append(out, e)
		}
		if page.NextCursor == "" {
			return out
		}
		cursor = page.NextCursor
	}
	t.Fatal("the listing does not end")
	return nil
}

func seqs(es []registry.AuditEntry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}

// TestAuditLogPaging: entries are listed newest first, each once, across
// pages of the store and of the listing, whole and filtered by action, by
// target and by both, as they were written.
func TestAuditLogPaging(t *testing.T) {
	t.Parallel()
	clock, _ := tickingClock()
	s, _ := mongodbtest.Store(t, mongodb.Options{Now: clock})
	if page, err := s.AuditLog(testCtx(t), registry.AuditFilter{}, 10, ""); err != nil || len(page.Items) != 0 || page.NextCursor != "" {
		t.Fatalf("an empty log lists %+v, %v", page, err)
	}
	total := 2*mongodb.AuditPageSize + 7
	written := make([]registry.AuditEntry, total)
	for n := range total {
		written[n] = appendAudit(t, s, n)
		if written[n].Seq != int64(n+1) {
			t.Fatalf("entry %d has Seq %d", n, written[n].Seq)
		}
	}
	want := func(keep func(n int) bool) []int64 {
		var out []int64
		for n := total - 1; n >= 0; n-- {
			if keep(n) {
				out = append(out, int64(n+1))
			}
		}
		return out
	}
	cases := []struct {
		name string
		f    registry.AuditFilter
		keep func(n int) bool
	}{
		{"All", registry.AuditFilter{}, func(int) bool { return true }},
		{"Action", registry.AuditFilter{Action: registry.AuditReviewReject}, func(n int) bool { return n%3 == 1 }},
		{"Target", registry.AuditFilter{Target: "review:r2"}, func(n int) bool { return n%4 == 2 }},
		{"Both", registry.AuditFilter{Action: registry.AuditTokenRevoke, Target: "review:r1"}, func(n int) bool { return n%3 == 2 && n%4 == 1 }},
		{"NoMatch", registry.AuditFilter{Action: registry.AuditSessionCreate}, func(int) bool { return false }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, limit := range []int{1, 7, 100} {
				got := listAudit(t, s, c.f, limit)
				if !slices.Equal(seqs(got), want(c.keep)) {
					t.Fatalf("limit %d: listed %v, want %v", limit, seqs(got), want(c.keep))
				}
			}
		})
	}
	t.Run("AsWritten", func(t *testing.T) {
		got := listAudit(t, s, registry.AuditFilter{}, 100)
		for _, e := range got {
			w := written[e.Seq-1]
			if !e.Time.Equal(w.Time) || e.Time.IsZero() || e.Action != w.Action || e.Target != w.Target || e.Actor != w.Actor {
				t.Fatalf("entry %d listed as %+v, written as %+v", e.Seq, e, w)
			}
			if fmt.Sprint(e.Detail["fields"]) != "[summary answers[3].comment]" || e.Detail["ok"] != true || fmt.Sprint(e.Detail["n"]) != fmt.Sprint(e.Seq-1) {
				t.Fatalf("entry %d detail %#v", e.Seq, e.Detail)
			}
		}
	})
}

// TestAuditCursor: a cursor is taken back only by a listing with the
// filters it was made for; anything else is EINVALID naming the cursor.
func TestAuditCursor(t *testing.T) {
	t.Parallel()
	s, _ := mongodbtest.Store(t, mongodb.Options{})
	for n := range 6 {
		appendAudit(t, s, n)
	}
	page, err := s.AuditLog(testCtx(t), registry.AuditFilter{Target: "review:r1"}, 1, "")
	if err != nil || page.NextCursor == "" {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	good := page.NextCursor
	if _, err := s.AuditLog(testCtx(t), registry.AuditFilter{Target: "review:r1"}, 1, good); err != nil {
		t.Fatalf("its own cursor: %v", err)
	}
	for name, c := range map[string]struct {
		f      registry.AuditFilter
		cursor string
	}{
		"Garbage":       {registry.AuditFilter{Target: "review:r1"}, "zz"},
		"OtherTarget":   {registry.AuditFilter{Target: "review:r2"}, good},
		"WholeLog":      {registry.AuditFilter{}, good},
		"ActionFilter":  {registry.AuditFilter{Action: registry.AuditReviewPublish}, good},
		"Truncated":     {registry.AuditFilter{Target: "review:r1"}, good[:len(good)-2]},
		"UnknownAction": {registry.AuditFilter{Action: "review.eat"}, ""},
		"LongTarget":    {registry.AuditFilter{Target: strings.Repeat("x", registry.MaxAuditTarget+1)}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.AuditLog(testCtx(t), c.f, 1, c.cursor)
			fields := registry.ErrorFields(err)
			if registry.ErrorCode(err) != registry.EINVALID || len(fields) != 1 {
				t.Fatalf("err = %v, want EINVALID with one field", err)
			}
			want := "cursor"
			if c.cursor == "" {
				want = map[bool]string{true: "action", false: "target"}[c.f.Action != ""]
			}
			if fields[0].Field != want {
				t.Errorf("field %q, want %q", fields[0].Field, want)
			}
		})
	}
}

// TestAuditAppendRules: an entry that breaks the log's rules is refused as
// the calling code's mistake (EINTERNAL), and nothing of it is stored.
func TestAuditAppendRules(t *testing.T) {
	t.Parallel()
	s, db := mongodbtest.Store(t, mongodb.Options{})
	actor := registry.AuditActor{Role: registry.RoleAdmin, Kind: registry.CredentialBootstrap}
	for name, e := range map[string]registry.AuditEntry{
		"UnknownAction": {Actor: actor, Action: "review.eat", Target: "review:x"},
		"NoActor":       {Action: registry.AuditTokenRevoke, Target: "token:x"},
		"NoTarget":      {Actor: actor, Action: registry.AuditTokenRevoke},
		"LongTarget":    {Actor: actor, Action: registry.AuditTokenRevoke, Target: strings.Repeat("x", registry.MaxAuditTarget+1)},
		"ControlTarget": {Actor: actor, Action: registry.AuditTokenRevoke, Target: "token:\n"},
		"DetailMap":     {Actor: actor, Action: registry.AuditTokenRevoke, Target: "token:x", Detail: map[string]any{"m": map[string]any{"$set": 1}}},
		"DetailKey":     {Actor: actor, Action: registry.AuditTokenRevoke, Target: "token:x", Detail: map[string]any{"$set": "x"}},
		"LongList":      {Actor: actor, Action: registry.AuditTokenRevoke, Target: "token:x", Detail: map[string]any{"l": make([]string, registry.MaxRedactions+1)}},
		"TooLarge":      {Actor: actor, Action: registry.AuditTokenRevoke, Target: "token:x", Detail: map[string]any{"s": strings.Repeat("x", registry.MaxAuditEntryBytes)}},
	} {
		t.Run(name, func(t *testing.T) {
			if err := s.AppendAudit(testCtx(t), &e); registry.ErrorCode(err) != registry.EINTERNAL {
				t.Fatalf("err = %v, want EINTERNAL", err)
			}
		})
	}
	n, err := db.Collection(mongodb.ColAudit).CountDocuments(testCtx(t), bson.D{})
	if err != nil || n != 0 {
		t.Fatalf("%d documents stored (%v), want none", n, err)
	}
}

// TestAuditConcurrentAppends: entries appended at once from many
// goroutines and from two stores on one database (two nodes) each get one
// position in the whole log and are listed once in each chain.
func TestAuditConcurrentAppends(t *testing.T) {
	t.Parallel()
	mongodbtest.NeedsAtomicWrites(t, "16 goroutines append to the same audit pages")
	s, db := mongodbtest.Store(t, mongodb.Options{})
	other := mongodbtest.OpenStore(t, db, mongodb.Options{})
	const workers, each = 16, 12
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := []*mongodb.Store{s, other}[w%2]
			for i := range each {
				n := w*each + i
				e := registry.AuditEntry{Actor: registry.AuditActor{Role: registry.RoleAdmin, Handle: "root"},
					Action: auditActions[n%3], Target: fmt.Sprintf("review:r%d", n%4), Detail: map[string]any{"n": n}}
				if err := st.AppendAudit(testCtx(t), &e); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := workers * each
	all := listAudit(t, s, registry.AuditFilter{}, 100)
	ns := map[string]bool{}
	for i, e := range all {
		if e.Seq != int64(total-i) {
			t.Fatalf("position %d holds entry %d: the positions are not 1..%d once each", i, e.Seq, total)
		}
		ns[fmt.Sprint(e.Detail["n"])] = true
	}
	if len(ns) != total {
		t.Fatalf("%d distinct entries of %d", len(ns), total)
	}
	for _, a := range auditActions {
		got := listAudit(t, other, registry.AuditFilter{Action: a}, 100)
		if len(got) != total/3 {
			t.Errorf("%s: %d entries, want %d", a, len(got), total/3)
		}
	}
	for r := range 4 {
		got := listAudit(t, s, registry.AuditFilter{Target: fmt.Sprintf("review:r%d", r)}, 100)
		if len(got) != total/4 {
			t.Errorf("review:r%d: %d entries, want %d", r, len(got), total/4)
		}
	}
}

// TestAuditConflictRetried: under the conditional policy another node's
// append lands between a page's read and its write; the write is tried
// again and both entries are in the log once, at distinct positions.
func TestAuditConflictRetried(t *testing.T) {
	t.Parallel()
	s, db := openConditional(t, mongodb.Options{})
	other := otherNode(t, db, mongodb.Options{})
	for n := range mongodb.AuditPageSize - 1 { // the next append fills a page
		appendAudit(t, s, n)
	}
	landed := 0
	mongodb.SetBeforeConditionalWrite(s, func(coll, id string) {
		if coll == mongodb.ColAudit && landed < 2 {
			landed++
			appendAudit(t, other, 1000+landed)
		}
	})
	appendAudit(t, s, 999)
	mongodb.SetBeforeConditionalWrite(s, nil)
	if landed != 2 {
		t.Fatalf("the hook landed %d writes, want 2 (the whole log, the index)", landed)
	}
	all := listAudit(t, s, registry.AuditFilter{}, 100)
	if len(all) != mongodb.AuditPageSize+2 || all[0].Seq != int64(len(all)) {
		t.Fatalf("%d entries, newest %d; want %d", len(all), all[0].Seq, mongodb.AuditPageSize+2)
	}
	found := map[string]int{}
	for _, e := range all {
		found[fmt.Sprint(e.Detail["n"])]++
	}
	for _, n := range []string{"999", "1001", "1002"} {
		if found[n] != 1 {
			t.Errorf("entry %s listed %d times", n, found[n])
		}
	}
}

// TestAuditListingBounded: a listing by target and action reads a bounded
// number of documents (here 3: the target's bucket 0, the look past it,
// and one page of the whole log), however many of the target's entries
// are of other actions or on other pages, and hands back a cursor that
// goes on; a listing of the whole log reads a bounded number of pages, and
// one by action only the pages that hold it.
func TestAuditListingBounded(t *testing.T) {
	t.Parallel()
	s, _ := mongodbtest.Store(t, mongodb.Options{})
	const bound = 3
	mongodb.SetAuditTargetReads(s, bound)
	actor := registry.AuditActor{Role: registry.RoleAdmin, Kind: registry.CredentialBootstrap}
	add := func(a registry.AuditAction, target string) {
		e := registry.AuditEntry{Actor: actor, Action: a, Target: target}
		if err := s.AppendAudit(testCtx(t), &e); err != nil {
			t.Fatal(err)
		}
	}
	add(registry.AuditProductCreate, "product:busy")
	const updates = 3 // each on a page of its own
	for range updates {
		for range mongodb.AuditPageSize - 1 {
			add(registry.AuditTokenRevoke, "token:other")
		}
		add(registry.AuditProductUpdate, "product:busy")
	}
	f := registry.AuditFilter{Action: registry.AuditProductCreate, Target: "product:busy"}
	page, err := s.AuditLog(testCtx(t), f, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 0 || page.NextCursor == "" {
		t.Fatalf("first page: %d items, cursor %q; want none and a cursor (the match is past the bound)", len(page.Items), page.NextCursor)
	}
	got := listAudit(t, s, f, 10)
	if len(got) != 1 || got[0].Seq != 1 {
		t.Fatalf("listed %v, want [1]", seqs(got))
	}
	// Without the action: one entry per page read, all of them in the end.
	all := registry.AuditFilter{Target: "product:busy"}
	if page, err = s.AuditLog(testCtx(t), all, 100, ""); err != nil || len(page.Items) != 1 || page.NextCursor == "" {
		t.Fatalf("first page by target: %d items, cursor %q, %v; want one and a cursor", len(page.Items), page.NextCursor, err)
	}
	want := []int64{3*int64(mongodb.AuditPageSize) + 1, 2*int64(mongodb.AuditPageSize) + 1, int64(mongodb.AuditPageSize) + 1, 1}
	if got := listAudit(t, s, all, 100); !slices.Equal(seqs(got), want) {
		t.Fatalf("listed %v, want %v", seqs(got), want)
	}
	// The whole log and an action's chain read at most 2 pages per request.
	mongodb.SetAuditScanPages(s, 2)
	whole := registry.AuditFilter{}
	if page, err = s.AuditLog(testCtx(t), whole, 100, ""); err != nil || len(page.Items) > 2*mongodb.AuditPageSize || page.NextCursor == "" {
		t.Fatalf("first page of the whole log: %d items, cursor %q, %v", len(page.Items), page.NextCursor, err)
	}
	if got := listAudit(t, s, whole, 100); len(got) != 1+updates*mongodb.AuditPageSize {
		t.Fatalf("the whole log lists %d entries, want %d", len(got), 1+updates*mongodb.AuditPageSize)
	}
	// A listing by action reads the tail and then only the pages holding
	// the action: the one product.create, three pages back, in one request
	// of two pages.
	rare := registry.AuditFilter{Action: registry.AuditProductCreate}
	if page, err = s.AuditLog(testCtx(t), rare, 100, ""); err != nil || len(page.Items) != 1 || page.Items[0].Seq != 1 || page.NextCursor != "" {
		t.Fatalf("by a rare action: %+v, %v; want entry 1 and no cursor", page, err)
	}
	updated := registry.AuditFilter{Action: registry.AuditProductUpdate}
	if got := listAudit(t, s, updated, 1); !slices.Equal(seqs(got), want[:updates]) {
		t.Fatalf("by action, one at a time: %v, want %v", seqs(got), want[:updates])
	}
}
