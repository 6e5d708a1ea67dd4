package http

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

// The audit log. Every handler that changes state calls s.audit after the
// store's change succeeded and before it answers, so an acknowledged change
// always has its entry; when the entry cannot be written the request fails
// (5xx) although the change was made. A crash between the change and its
// entry likewise leaves a change without an entry, never acknowledged. A
// retried request is a new request and is written as one when it changes
// something: a repeated revocation is 404 and writes nothing, a product
// created again without an id is another product with its own entry; a
// submission retried with the same Idempotency-Key writes the entry only if
// the review has none yet (auditSubmission). So the log may miss a change
// whose answer was an error, and never holds an entry of a change that was
// not made.
//
// Who the actor is (registry.AuditActor): staff by role and handle (or by
// role and kind for a token made without an account); a review's author,
// whatever their role, by the pseudonymous reviewer reference only; a
// reviewer's own account, session and token events by role only, with the
// target's kind but not its id (auditTargetOf), so that no entry links a
// reviewer reference to a handle, a token, an invitation or a sign-in.

// audit writes the entry of a change the request made: action on target,
// by the request's principal. It is EINTERNAL (500) or EUNAVAILABLE (503)
// when the entry cannot be written.
func (s *Server) audit(c *fiber.Ctx, action registry.AuditAction, target string, detail map[string]any) error {
	return s.auditAs(c, principal(c), action, target, detail)
}

// auditAs is audit for a request whose actor is not (or not yet) its
// principal: the account just made, or just signed in.
func (s *Server) auditAs(c *fiber.Ctx, p *registry.Principal, action registry.AuditAction, target string, detail map[string]any) error {
	if p == nil {
		return registry.Errorf(registry.EINTERNAL, "audit %s: no actor", action)
	}
	e := &registry.AuditEntry{Actor: auditActor(p, action), Action: action, Target: target, Detail: detail}
	if err := s.store.AppendAudit(c.UserContext(), e); err != nil {
		s.log.Error("audit entry not written", "action", string(action), "error", err)
		return err
	}
	return nil
}

// auditActor is how p appears in the entry of action.
func auditActor(p *registry.Principal, action registry.AuditAction) registry.AuditActor {
	switch {
	case action.ByAuthor():
		return registry.AuditActor{Role: registry.RoleReviewer, Reviewer: p.ReviewerRef}
	case p.Role == registry.RoleReviewer:
		return registry.AuditActor{Role: registry.RoleReviewer}
	case p.Handle != "":
		return registry.AuditActor{Role: p.Role, Handle: p.Handle}
	case p.Kind == registry.CredentialBootstrap:
		return registry.AuditActor{Role: p.Role, Kind: registry.CredentialBootstrap}
	}
	return registry.AuditActor{Role: p.Role, Kind: registry.CredentialToken}
}

// auditTargetOf names an object of an account whose role is role in an
// entry: "<kind>:<id>" for staff, only the kind for a reviewer.
func auditTargetOf(role, kind, id string) string {
	if role == registry.RoleReviewer || id == "" {
		return kind
	}
	return kind + ":" + id
}

// auditEntryJSON is an entry of the audit log.
type auditEntryJSON struct {
	Seq    int64          `json:"seq"`
	Time   time.Time      `json:"time"`
	Actor  auditActorJSON `json:"actor"`
	Action string         `json:"action"`
	Target string         `json:"target"`
	Detail map[string]any `json:"detail"`
}

type auditActorJSON struct {
	Role     string `json:"role"`
	Handle   string `json:"handle,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Reviewer string `json:"reviewer,omitempty"`
}

func toAuditEntryJSON(e registry.AuditEntry) auditEntryJSON {
	detail := e.Detail
	if detail == nil {
		detail = map[string]any{}
	}
	return auditEntryJSON{Seq: e.Seq, Time: e.Time, Action: string(e.Action), Target: e.Target, Detail: detail,
		Actor: auditActorJSON{Role: e.Actor.Role, Handle: e.Actor.Handle, Kind: e.Actor.Kind, Reviewer: e.Actor.Reviewer}}
}

// auditFilter reads the audit log's filters, ?action= and ?target=: the
// API's listing and the admin page read them alike (EINVALID naming the
// filter that is wrong).
func auditFilter(c *fiber.Ctx) (registry.AuditFilter, error) {
	var errs registry.FieldErrors
	f := registry.AuditFilter{Action: registry.AuditAction(c.Query("action")), Target: c.Query("target")}
	if f.Action != "" && !f.Action.Valid() {
		names := make([]string, len(registry.AuditActions))
		for i, a := range registry.AuditActions {
			names[i] = string(a)
		}
		errs.Add("action", "must be one of: "+strings.Join(names, ", "))
	}
	if len(f.Target) > registry.MaxAuditTarget {
		errs.Add("target", fmt.Sprintf("must be at most %d bytes", registry.MaxAuditTarget))
	}
	return f, errs.Err("The audit log cannot be listed as asked.")
}

// listAudit lists the audit log for admins, newest first, narrowed by
// action, target or both.
func (s *Server) listAudit(c *fiber.Ctx) error {
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	page, err := s.store.AuditLog(c.UserContext(), f, limit, c.Query("cursor"))
	if err != nil {
		return err
	}
	items := make([]auditEntryJSON, 0, len(page.Items))
	for _, e := range page.Items {
		items = append(items, toAuditEntryJSON(e))
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"items": items, "nextCursor": cursorJSON(page.NextCursor)})
}

// auditSubmission writes the entry of a stored submission (JSON or a form
// upload). A retry with the same Idempotency-Key writes one only when the
// review has none yet (the first answer failed for want of it), so that a
// submission acknowledged only on its retry has its entry too, and an
// ordinary retry changes nothing.
func (s *Server) auditSubmission(c *fiber.Ctx, r *registry.Review, retry bool) error {
	action := registry.AuditReviewSubmit
	if strings.HasSuffix(c.Path(), "/import") {
		action = registry.AuditReviewImport
	}
	target := "review:" + r.ID
	detail := map[string]any{"product": r.ProductID, "status": r.Status}
	if retry {
		page, err := s.store.AuditLog(c.UserContext(), registry.AuditFilter{Target: target}, registry.MaxPageLimit, "")
		if err != nil {
			return err
		}
		for _, e := range page.Items {
			if e.Action == registry.AuditReviewSubmit || e.Action == registry.AuditReviewImport {
				return nil
			}
		}
		detail["retry"] = true
	}
	return s.audit(c, action, target, detail)
}

// patchedFields lists the members a product patch sets or removes, by
// name, in order.
func patchedFields(patch map[string]json.RawMessage) []string {
	out := make([]string, 0, len(patch))
	for k := range patch {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
