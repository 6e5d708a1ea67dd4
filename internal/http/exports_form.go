package http

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/xlsx"
)

// The offline review form: GET /api/v1/rubrics/{id}/template.xlsx
// downloads it, POST /api/v1/products/{id}/reviews/import uploads it
// filled in and submits the review it holds through the same path as a
// JSON submission.

// MaxImportBodyBytes is the largest request body of a form import: a form
// of at most xlsx.MaxFormBytes and the multipart envelope around it.
// Every other route keeps MaxBodyBytes.
const MaxImportBodyBytes = xlsx.MaxFormBytes + 64<<10

// importPrefix and importSuffix surround a product id in the import path.
const (
	importPrefix = "/api/v1/products/"
	importSuffix = "/reviews/import"
)

// isImport reports whether a request is a form import, from its method and
// its raw path (with or without a query).
func isImport(method, uri []byte) bool {
	if string(method) != fiber.MethodPost {
		return false
	}
	path, _, _ := bytes.Cut(uri, []byte("?"))
	path = bytes.TrimSuffix(path, []byte("/"))
	id, ok := bytes.CutPrefix(path, []byte(importPrefix))
	if !ok {
		return false
	}
	id, ok = bytes.CutSuffix(id, []byte(importSuffix))
	return ok && len(id) > 0 && !bytes.ContainsRune(id, '/')
}

// formSlots bounds the forms read at once: reading one holds the upload
// and the unzipped workbook (bounded by xlsx.MaxUnzippedBytes) in memory.
var formSlots = make(chan struct{}, 2)

// reviewTemplate serves the offline review form of a rubric version (the
// latest unless ?version=N), for one product when ?product=ID, in the
// language of ?lang (labels and the rubric's texts; the identity and the
// import are the same in every language).
func (s *Server) reviewTemplate(c *fiber.Ctx) error {
	id := c.Params("id")
	lang, err := workbookLang(c)
	if err != nil {
		return err
	}
	var r *registry.Rubric
	if v := c.Query("version"); v != "" {
		n, convErr := strconv.Atoi(v)
		if convErr != nil || n < 1 {
			return registry.Invalid("The rubric version is not valid.", registry.FieldError{Field: "version", Message: "must be an integer from 1"})
		}
		r, err = s.rubrics.Version(id, n)
	} else {
		r, err = s.rubrics.Latest(id)
	}
	if err != nil {
		return err
	}
	var product *registry.Product
	if pid := c.Query("product"); pid != "" {
		if product, err = s.store.Product(c.UserContext(), pid); err != nil {
			return err
		}
	}
	now := time.Now().UTC()
	var buf bytes.Buffer
	if err := xlsx.WriteTemplate(&buf, s.rubrics.Localize(r, string(lang)), product, xlsx.Info{Generated: now, Version: buildVersion(), Lang: lang}); err != nil {
		return err
	}
	name := fmt.Sprintf("review-form-%s-v%d", r.ID, r.Version)
	if product != nil {
		name += "-" + product.ID
	}
	c.Set(fiber.HeaderContentType, xlsx.ContentType)
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-%s.xlsx"`, name, now.Format(time.DateOnly)))
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(buf.Bytes())
}

// importReview reads a filled review form from the multipart field "file"
// and submits the review it holds exactly as a JSON submission would be
// (same token, moderation, Idempotency-Key and validation), naming cells
// instead of JSON paths in any problem.
func (s *Server) importReview(c *fiber.Ctx) error {
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	pid := c.Params("id")
	if err := s.store.ProductExists(c.UserContext(), pid); err != nil {
		return err
	}
	form, err := c.MultipartForm()
	if errors.Is(err, fasthttp.ErrNoMultipartForm) {
		return registry.Invalid("Send the filled form as multipart/form-data.",
			registry.FieldError{Field: "file", Message: "is required: send the form as multipart/form-data, in the field \"file\""})
	} else if err != nil {
		return registry.Errorf(registry.EBADREQUEST, "The multipart body cannot be read.")
	}
	files := form.File["file"]
	switch {
	case len(files) == 0:
		return registry.Invalid("Send the filled form in the field \"file\".", registry.FieldError{Field: "file", Message: "is required"})
	case len(files) > 1:
		return registry.Invalid("Send one form at a time.", registry.FieldError{Field: "file", Message: "must be one file"})
	case files[0].Size > xlsx.MaxFormBytes:
		return registry.Errorf(registry.ETOOLARGE, "The file is larger than %d MiB.", xlsx.MaxFormBytes>>20)
	}
	f, err := files[0].Open()
	if err != nil {
		return err
	}
	defer f.Close()
	select {
	case formSlots <- struct{}{}:
	case <-c.UserContext().Done():
		return registry.Errorf(registry.EUNAVAILABLE, "The registry is busy reading other forms; try again shortly.")
	}
	fr, err := xlsx.ReadReview(f, files[0].Size, s.rubrics)
	<-formSlots
	if err != nil {
		return err
	}
	if fr.ProductID != "" && fr.ProductID != pid {
		return registry.Invalid("The form is for another product.", registry.FieldError{Field: fr.Cell("productId"),
			Message: fmt.Sprintf("the form was made for product %q; upload it to that product, or download a form for %q", fr.ProductID, pid)})
	}
	req := reviewRequestOf(fr)
	return fr.Locate(s.submit(c, &req, key))
}

// reviewRequestOf is the JSON submission a filled form stands for.
func reviewRequestOf(fr *xlsx.FilledReview) reviewRequest {
	months, declared, version := fr.Usage.Months, fr.Conflict.Declared, fr.RubricVersion
	return reviewRequest{
		RubricID: fr.RubricID, RubricVersion: &version,
		Reviewer: &reviewerRequest{Role: fr.Reviewer.Role, Phase: fr.Reviewer.Phase, Nation: fr.Reviewer.Nation,
			Subject: fr.Reviewer.Subject, Setting: fr.Reviewer.Setting},
		Usage:              &usageRequest{Months: &months, Frequency: fr.Usage.Frequency},
		Answers:            fromAnswers(fr.Answers),
		Recommendation:     fr.Recommendation,
		Summary:            fr.Summary,
		ConflictOfInterest: &conflictJSON{Declared: &declared, Details: fr.Conflict.Details},
	}
}

// tooLargeMessage says which limit a 413 broke.
func tooLargeMessage(c *fiber.Ctx) string {
	if isImport([]byte(c.Method()), []byte(c.Path())) {
		return fmt.Sprintf("The request body is larger than %d MiB.", xlsx.MaxFormBytes>>20)
	}
	return "The request body is larger than 1 MiB."
}
