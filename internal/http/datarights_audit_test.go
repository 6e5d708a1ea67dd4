package http

import (
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// TestAccountExportAudit: the export holds the audit log's entries about
// the account's reviews — its own submission under the review's pseudonym,
// and a moderator's decision with the moderator by role only — and a
// staff account's entries about itself.
func TestAccountExportAudit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withHasher(lightHasher()))
	pid := e.createProduct(t, "Audited Export")
	modHandle := e.signUp(t, registry.RoleModerator, "export-moderator")
	mod := e.signIn(t, modHandle, strongPassword)
	t.Run("Reviewer", func(t *testing.T) {
		t.Parallel()
		session := e.signIn(t, e.signUp(t, registry.RoleReviewer, "export-audited"), strongPassword)
		published := e.submit(t, pid, session, e.reviewBody(3))
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + published + "/publish", Token: mod, Headers: e.readTag(t, published)})
		x := e.exportOf(t, session)
		actions := map[string]auditEntryJSON{}
		for _, a := range x.Audit {
			if a.Target != "review:"+published {
				t.Errorf("an entry about something else: %+v", a)
			}
			actions[a.Action] = a
		}
		sub, pub := actions[string(registry.AuditReviewSubmit)], actions[string(registry.AuditReviewPublish)]
		if sub.Actor.Reviewer == "" || pub.Actor.Role != registry.RoleModerator || len(x.Audit) != 2 {
			t.Errorf("audit = %+v; want the submission (by the review's pseudonym) and the publication (by a moderator)", x.Audit)
		}
		if body := string(e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/export", Token: session}).Body); strings.Contains(body, modHandle) {
			t.Errorf("the export names the moderator: %s", body)
		}
		if x.Limits.MaxAudit != registry.MaxAuditAbout || x.Limits.AuditTruncated {
			t.Errorf("limits = %+v", x.Limits)
		}
	})
	t.Run("ReusedHandle", func(t *testing.T) {
		t.Parallel()
		// A deleted staff account's handle is free again: the next
		// account with it must not receive the first one's entries. (No
		// credential cache: under the conditional policy a deletion's last
		// step waits for every node's cache to forget the account.)
		e := newEnv(t, withHasher(lightHasher()), withCacheTTL)
		handle := e.signUp(t, registry.RoleOfficer, "export-reused")
		first := e.signIn(t, handle, strongPassword)
		e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/me", Token: first, Body: map[string]any{"reviews": "keep", "password": strongPassword}})
		e.signUp(t, registry.RoleOfficer, handle)
		x := e.exportOf(t, e.signIn(t, handle, strongPassword))
		counts := map[string]int{}
		for _, a := range x.Audit {
			counts[a.Action]++
		}
		if counts[string(registry.AuditAccountDelete)] != 0 || counts[string(registry.AuditAccountCreate)] != 1 || counts[string(registry.AuditSessionCreate)] != 1 {
			t.Errorf("the export of the second account with the handle holds %v; want its own creation and sign-in only", counts)
		}
	})
	t.Run("Staff", func(t *testing.T) {
		t.Parallel()
		handle := e.signUp(t, registry.RoleOfficer, "export-officer")
		session := e.signIn(t, handle, strongPassword)
		x := e.exportOf(t, session)
		found := false
		for _, a := range x.Audit {
			found = found || (a.Action == string(registry.AuditAccountCreate) && a.Target == "account:"+handle && a.Actor.Handle == handle)
		}
		if !found {
			t.Errorf("audit = %+v; want the account's creation, by its handle", x.Audit)
		}
	})
}
