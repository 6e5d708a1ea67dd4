package http

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// The audit log as a page (/admin/audit, admins).

// adminAudit shows a page of the audit log, newest first, narrowed as GET
// /api/v1/audit narrows it (?action=, ?target=, ?cursor=).
func (s *Server) adminAudit(c *fiber.Ctx) error {
	d := &web.AuditData{Action: c.Query("action"), Target: c.Query("target"), Cursor: c.Query("cursor")}
	for _, a := range registry.AuditActions {
		d.Actions = append(d.Actions, string(a))
	}
	f, err := auditFilter(c)
	if err != nil {
		v := s.view(c, "admin", d)
		d.Form = formErrors(v, map[string][]string{"action": {d.Action}, "target": {d.Target}}, err, map[string]fieldMessage{
			"action": {"audit-action", "admin.audit.error.action", nil},
			"target": {"audit-target", "admin.audit.error.target", []any{registry.MaxAuditTarget}},
		})
		return s.render(c, fiber.StatusUnprocessableEntity, "audit", v)
	}
	page, err := s.store.AuditLog(c.UserContext(), f, registry.DefaultPageLimit, d.Cursor)
	if err != nil {
		return err
	}
	d.NextCursor = page.NextCursor
	for _, e := range page.Items {
		j := toAuditEntryJSON(e)
		t := j.Time.UTC()
		item := web.AuditItem{Seq: j.Seq, Time: t.Format("2006-01-02 15:04:05") + " UTC", Datetime: t.Format(time.RFC3339),
			ActorRole: j.Actor.Role, ActorHandle: j.Actor.Handle, ActorKind: j.Actor.Kind, ActorReviewer: j.Actor.Reviewer,
			Action: j.Action, Target: j.Target}
		for _, k := range slices.Sorted(maps.Keys(j.Detail)) {
			item.Detail = append(item.Detail, web.AuditDetail{Key: k, Value: detailValue(j.Detail[k])})
		}
		d.Items = append(d.Items, item)
	}
	return s.page(c, "admin", "audit", d)
}

// detailValue shows a value of an entry's detail: a string, a boolean,
// a number or a list of strings.
func detailValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []string:
		return strings.Join(x, ", ")
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = detailValue(p)
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}
