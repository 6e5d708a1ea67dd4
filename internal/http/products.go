package http

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

// productRequest is the body of POST /products, and the shape a PATCH must
// leave the product in.
type productRequest struct {
	ID            string        `json:"id,omitempty" validate:"omitempty,slug"`
	Name          string        `json:"name" validate:"required,limit=productName"`
	Vendor        string        `json:"vendor" validate:"required,limit=productName"`
	Website       string        `json:"website" validate:"required,weblink,limit=website"`
	Category      string        `json:"category" validate:"required,enum=category"`
	Description   string        `json:"description" validate:"limit=description"`
	AIFeatures    []string      `json:"aiFeatures" validate:"limit=productList,unique,dive,enum=aiFeature"`
	UsedBy        []string      `json:"usedBy" validate:"limit=productList,unique,dive,enum=user"`
	AgeRange      *ageRangeJSON `json:"ageRange,omitempty"`
	DataProcessed []string      `json:"dataProcessed" validate:"limit=productList,unique,dive,enum=data"`
	Hosting       string        `json:"hosting" validate:"limit=hosting"`
	Status        string        `json:"status,omitempty" validate:"omitempty,enum=productStatus"`
}

type ageRangeJSON struct {
	Min int `json:"min" validate:"min=0,limit=age"`
	Max int `json:"max" validate:"min=0,limit=age,gtefield=Min"`
}

type productJSON struct {
	ID            string        `json:"id"`
	Name          string        `json:"name"`
	Vendor        string        `json:"vendor"`
	Website       string        `json:"website"`
	Category      string        `json:"category"`
	Description   string        `json:"description"`
	AIFeatures    []string      `json:"aiFeatures"`
	UsedBy        []string      `json:"usedBy"`
	AgeRange      *ageRangeJSON `json:"ageRange"`
	DataProcessed []string      `json:"dataProcessed"`
	Hosting       string        `json:"hosting"`
	Status        string        `json:"status"`
	Revision      int           `json:"revision"`
	CreatedAt     time.Time     `json:"createdAt"`
	UpdatedAt     time.Time     `json:"updatedAt"`
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (r *productRequest) apply(p *registry.Product) {
	p.Name, p.Vendor, p.Website, p.Category = r.Name, r.Vendor, r.Website, r.Category
	p.Description, p.Hosting = r.Description, r.Hosting
	p.AIFeatures, p.UsedBy, p.DataProcessed = orEmpty(r.AIFeatures), orEmpty(r.UsedBy), orEmpty(r.DataProcessed)
	p.AgeRange = nil
	if r.AgeRange != nil {
		p.AgeRange = &registry.AgeRange{Min: r.AgeRange.Min, Max: r.AgeRange.Max}
	}
	if r.Status != "" {
		p.Status = r.Status
	}
}

func fromProduct(p *registry.Product) productRequest {
	r := productRequest{Name: p.Name, Vendor: p.Vendor, Website: p.Website, Category: p.Category,
		Description: p.Description, AIFeatures: p.AIFeatures, UsedBy: p.UsedBy,
		DataProcessed: p.DataProcessed, Hosting: p.Hosting, Status: p.Status}
	if p.AgeRange != nil {
		r.AgeRange = &ageRangeJSON{Min: p.AgeRange.Min, Max: p.AgeRange.Max}
	}
	return r
}

func toProductJSON(p *registry.Product) productJSON {
	out := productJSON{ID: p.ID, Name: p.Name, Vendor: p.Vendor, Website: p.Website, Category: p.Category,
		Description: p.Description, AIFeatures: orEmpty(p.AIFeatures), UsedBy: orEmpty(p.UsedBy),
		DataProcessed: orEmpty(p.DataProcessed), Hosting: p.Hosting, Status: p.Status, Revision: p.Revision,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if p.AgeRange != nil {
		out.AgeRange = &ageRangeJSON{Min: p.AgeRange.Min, Max: p.AgeRange.Max}
	}
	return out
}

func etag(revision int) string { return `"` + strconv.Itoa(revision) + `"` }

func (s *Server) createProduct(c *fiber.Ctx) error {
	var req productRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	p := &registry.Product{ID: req.ID}
	req.apply(p)
	if err := s.store.CreateProduct(c.UserContext(), p); err != nil {
		return err
	}
	if err := s.audit(c, registry.AuditProductCreate, "product:"+p.ID, nil); err != nil {
		return err
	}
	c.Location("/api/v1/products/" + p.ID)
	c.Set(fiber.HeaderETag, etag(p.Revision))
	return c.Status(fiber.StatusCreated).JSON(toProductJSON(p))
}

func (s *Server) getProduct(c *fiber.Ctx) error {
	p, err := s.store.Product(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(p.Revision))
	return c.JSON(toProductJSON(p))
}

func (s *Server) listProducts(c *fiber.Ctx) error {
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	f := registry.ProductFilter{Query: c.Query("q"), Category: c.Query("category"), Limit: limit, Cursor: c.Query("cursor")}
	if f.Category != "" && theValidator().Var(f.Category, "enum=category") != nil {
		return registry.Invalid("Unknown category.", registry.FieldError{Field: "category", Message: "must be one of: " + strings.Join(registry.Categories, ", ")})
	}
	if !searchShort(f.Query) {
		return registry.Invalid("The search text is too long.", registry.FieldError{Field: "q", Message: fmt.Sprintf("must be at most %d characters", registry.MaxSearchLength)})
	}
	if !searchText(f.Query) {
		return registry.Invalid("The search text is not valid text.", registry.FieldError{Field: "q", Message: "must be UTF-8 text without NUL characters"})
	}
	page, err := s.store.Products(c.UserContext(), f)
	if err != nil {
		return err
	}
	items := make([]productJSON, 0, len(page.Items))
	for _, p := range page.Items {
		items = append(items, toProductJSON(p))
	}
	return c.JSON(fiber.Map{"items": items, "nextCursor": cursorJSON(page.NextCursor)})
}

// patchProduct applies a JSON Merge Patch (RFC 7386) to a product. It needs
// If-Match with the product's ETag: 428 without it, 412 when stale. If-Match
// compares strongly (RFC 9110, 13.1.1): a weak tag (W/"3") never matches,
// and "*" matches the product whatever its revision.
func (s *Server) patchProduct(c *fiber.Ctx) error {
	ifMatch := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if ifMatch == "" {
		return registry.Errorf(registry.EPRECONDREQ, "Send If-Match with the product's ETag, so that no one else's change is overwritten.")
	}
	star, revs, ok := parseIfMatch(ifMatch)
	if !ok {
		return registry.Errorf(registry.EBADREQUEST, "If-Match %s is not a list of ETags (such as \"3\") or \"*\".", ifMatch)
	}
	var patch map[string]json.RawMessage
	if err := decodePatch(c, &patch); err != nil {
		return err
	}
	ctx, id := c.UserContext(), c.Params("id")
	apply := func(p *registry.Product) error {
		merged, err := mergePatch(fromProduct(p), patch)
		if err != nil {
			return err
		}
		merged.apply(p)
		return nil
	}
	// The product is read first so that a missing one is 404 whatever
	// If-Match says; a change between that read and the update is 412,
	// unless If-Match still matches the new revision: then it is tried
	// again, a bounded number of times.
	for attempt := 1; ; attempt++ {
		current, err := s.store.Product(ctx, id)
		if err != nil {
			return err
		}
		if !star && !slices.Contains(revs, current.Revision) {
			return registry.Errorf(registry.EPRECONDITION, "If-Match %s does not match the product's ETag %s (If-Match compares ETags strongly: a weak W/ tag never matches).",
				ifMatch, etag(current.Revision))
		}
		p, err := s.store.UpdateProduct(ctx, id, current.Revision, apply)
		if registry.ErrorCode(err) == registry.EPRECONDITION && attempt < 3 {
			continue
		}
		if err != nil {
			return err
		}
		if err := s.audit(c, registry.AuditProductUpdate, "product:"+id, map[string]any{"fields": patchedFields(patch), "revision": p.Revision}); err != nil {
			return err
		}
		c.Set(fiber.HeaderETag, etag(p.Revision))
		return c.JSON(toProductJSON(p))
	}
}

// parseIfMatch reads an If-Match value (RFC 9110: "*" or a comma-separated
// list of entity-tags). star is true for "*"; revs are the revisions named
// by its strong tags (weak tags, and tags that are not a revision of this
// server, match nothing). ok is false when the value is not well-formed.
func parseIfMatch(v string) (star bool, revs []int, ok bool) {
	if v == "*" {
		return true, nil, true
	}
	tags := 0
	for rest := v; ; tags++ {
		rest = strings.TrimLeft(rest, " \t,") // empty list elements are allowed
		if rest == "" && tags > 0 {
			return false, revs, true
		}
		weak := strings.HasPrefix(rest, "W/")
		if weak {
			rest = rest[2:]
		}
		if !strings.HasPrefix(rest, `"`) {
			return false, nil, false
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return false, nil, false
		}
		tag := rest[1 : 1+end]
		for _, r := range tag {
			if r < 0x21 || r == 0x7f {
				return false, nil, false
			}
		}
		if n, err := strconv.Atoi(tag); err == nil && !weak && strconv.Itoa(n) == tag {
			revs = append(revs, n)
		}
		rest = strings.TrimLeft(rest[2+end:], " \t")
		if rest != "" && rest[0] != ',' {
			return false, nil, false
		}
	}
}

// decodePatch reads a merge patch: a JSON object (application/json or
// application/merge-patch+json) whose fields are checked against the
// product's shape (unknown fields, "$" keys, types) with paths. An empty
// patch changes nothing and is 422.
func decodePatch(c *fiber.Ctx, patch *map[string]json.RawMessage) error {
	body, err := jsonBody(c, patchTypes)
	if err != nil {
		return err
	}
	var shapeOnly productRequest
	if err := decodeShape(c.UserContext(), body, &shapeOnly); err != nil {
		return err
	}
	if err := json.Unmarshal(body, patch); err != nil || *patch == nil {
		return registry.Invalid("A merge patch must be a JSON object.", registry.FieldError{Field: "(body)", Message: "must be an object"})
	}
	if len(*patch) == 0 {
		return registry.Invalid("The merge patch changes nothing.", registry.FieldError{Field: "(body)", Message: "must have at least one member"})
	}
	if _, ok := (*patch)["id"]; ok {
		return registry.Invalid("A product's id cannot change.", registry.FieldError{Field: "id", Message: "cannot be changed"})
	}
	return nil
}

// mergePatch applies an RFC 7386 merge patch to the product's editable
// fields and validates the result.
func mergePatch(current productRequest, patch map[string]json.RawMessage) (productRequest, error) {
	raw, err := json.Marshal(current)
	if err != nil {
		return current, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return current, err
	}
	for k, v := range patch {
		var val any
		if err := json.Unmarshal(v, &val); err != nil {
			return current, err
		}
		if val == nil {
			delete(doc, k)
			continue
		}
		if sub, ok := val.(map[string]any); ok {
			if cur, ok := doc[k].(map[string]any); ok {
				for sk, sv := range sub {
					if sv == nil {
						delete(cur, sk)
					} else {
						cur[sk] = sv
					}
				}
				continue
			}
		}
		doc[k] = val
	}
	merged, err := json.Marshal(doc)
	if err != nil {
		return current, err
	}
	var out productRequest
	if err := json.Unmarshal(merged, &out); err != nil {
		return current, registry.Invalid("The patched product does not have the right shape.", registry.FieldError{Field: "(body)", Message: err.Error()})
	}
	return out, validate(&out)
}

func cursorJSON(c string) *string {
	if c == "" {
		return nil
	}
	return &c
}

// limitParam reads ?limit= (1–100, default 20).
func limitParam(c *fiber.Ctx) (int, error) {
	raw := c.Query("limit")
	if raw == "" {
		return registry.DefaultPageLimit, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > registry.MaxPageLimit {
		return 0, registry.Invalid("The limit is out of range.", registry.FieldError{Field: "limit", Message: fmt.Sprintf("must be an integer from 1 to %d", registry.MaxPageLimit)})
	}
	return n, nil
}

// searchShort and searchText are the rules of a product search's text, for
// the API and the pages alike: at most registry.MaxSearchLength bytes, of
// UTF-8 without NUL.
func searchShort(q string) bool { return len(q) <= registry.MaxSearchLength }

func searchText(q string) bool { return utf8.ValidString(q) && !strings.ContainsRune(q, 0) }
