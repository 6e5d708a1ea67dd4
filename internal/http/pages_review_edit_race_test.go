package http

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// readHookStore is the store with a hook after each OwnReview of one
// review: the edit page's check of the version read is such a read, so an
// edit the hook makes lands after the check and before the page's write.
type readHookStore struct {
	Store
	mu    sync.Mutex
	id    string
	after func()
}

func (s *readHookStore) OwnReview(ctx context.Context, id, authorRef string) (*registry.OwnReview, error) {
	own, err := s.Store.OwnReview(ctx, id, authorRef)
	s.mu.Lock()
	fn := s.after
	if id != s.id {
		fn = nil
	}
	s.after = nil // once
	s.mu.Unlock()
	if fn != nil {
		fn()
	}
	return own, err
}

// arm makes fn run once, after the next read of review id.
func (s *readHookStore) arm(id string, fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.id, s.after = id, fn
}

// TestReviewPageEditRacedByAPI: the page's version check and its write
// are two steps, and an edit through the API between them (the page read
// the review, then the API edited it, then the page's post passed its own
// check) makes the page's edit 412 as a stale form's is, showing the
// version saved now; the API's edit stays. The store checks the version
// where it writes, under either write policy.
func TestReviewPageEditRacedByAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hook := &readHookStore{Store: e.store}
	e.srv = New(Config{Store: hook, Rubrics: e.rubrics, Logger: e.srv.log})

	for _, published := range []bool{false, true} {
		name := "Pending"
		if published {
			name = "Published"
		}
		t.Run(name, func(t *testing.T) {
			pid := e.createProduct(t, name+" Raced Tutor")
			w := e.writer(t, "raced-"+strings.ToLower(name))
			id := e.submit(t, pid, w.token, e.reviewBody(2))
			if published {
				e.publish(t, id)
			}
			_, form := e.editFormOf(t, w, id)
			read := form.Get(web.FieldVersion)
			form.Set("summary", "The page's edit, read before the API's.")
			const apiText = "The API's edit, made after the page was read."
			landed := false
			hook.arm(id, func() {
				landed = true
				e.must(t, 200, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: w.token, Body: editedBody(e, 3, apiText)})
			})
			r := w.b.post(t, "/me/reviews/"+id+"/edit", form)
			if !landed {
				t.Fatal("the API's edit never ran between the page's check and its write")
			}
			if r.Status != 412 {
				t.Fatalf("the page's edit after the API's: %d %s", r.Status, r.text())
			}
			checkPageHeaders(t, r)
			text := r.text()
			for _, want := range []string{"This review changed after you opened it", "The version saved now", apiText, "The page's edit, read before the API's."} {
				if !strings.Contains(text, want) {
					t.Errorf("the refusal lacks %q", want)
				}
			}
			got := e.ownReviewOf(t, w.member, id)
			saved, now := got.Summary, id+".2"
			if published {
				if got.Revision == nil {
					t.Fatalf("no revision after the API's edit: %+v", got)
				}
				saved, now = got.Revision.Summary, got.Revision.ID+".1"
				if got.Summary != "Useful for practice, but the data terms are unclear." {
					t.Errorf("the published text changed: %q", got.Summary)
				}
			}
			if saved != apiText {
				t.Fatalf("the page's stale edit overwrote the API's: %q", saved)
			}
			if v := hidden(t, r, web.FieldVersion); v != now || v == read {
				t.Errorf("version shown after the refusal %q, want %q (read %q)", v, now, read)
			}
			if n := e.revisionEntries(t, id); n != 1 {
				t.Errorf("%d edit entries in the audit log, want the API's alone", n)
			}
		})
	}
}
