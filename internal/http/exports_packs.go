package http

// The comparison pack and the school's assessment as workbooks: the same
// parameters, filters and errors as /api/v1/compare and
// /api/v1/products/{id}/assessment (they share the code that reads them),
// the same figures, and the products' public entries as the public listing
// gives them.

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/xlsx"
)

// packSlots bounds the workbooks this process makes at once: a workbook
// and the public entries it holds (up to 200 of each of 20 products) are
// in memory while it is made, so the memory a burst of downloads can take
// is bounded by the slots, not by the number of requests. A request waits
// for a slot until its deadline and is then refused as unavailable.
var packSlots = make(chan struct{}, 2)

// maxListingReads bounds the listing pages read for one product's
// entries (the listing may skip past emptied pages, at most a few per
// read).
const maxListingReads = 10

// compareXLSX is GET /api/v1/compare.xlsx: the officer's comparison pack,
// in the language of ?lang (workbookLang).
func (s *Server) compareXLSX(c *fiber.Ctx) error {
	lang, err := workbookLang(c)
	if err != nil {
		return err
	}
	cmp, r, err := s.comparison(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	release, err := packSlot(ctx)
	if err != nil {
		return err
	}
	defer release()
	comments := make([]xlsx.Comments, len(cmp.Products))
	errs := make([]error, len(cmp.Products))
	sem := make(chan struct{}, compareFanOut)
	var wg sync.WaitGroup
	for i, p := range cmp.Products {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			comments[i], errs[i] = s.publicEntries(ctx, p.ProductID, p.Name)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	now := time.Now()
	return s.sendWorkbook(c, fmt.Sprintf("comparison-%s.xlsx", now.UTC().Format("2006-01-02")), func(buf *bytes.Buffer) error {
		return xlsx.WriteComparison(buf, xlsx.ComparisonPack{Comparison: cmp, Rubric: s.rubrics.Localize(r, string(lang)),
			Threshold: s.store.Threshold(), Comments: comments, Info: xlsx.Info{Generated: now, Version: buildVersion(), Lang: lang}})
	})
}

// assessmentXLSX is GET /api/v1/products/{id}/assessment.xlsx: a school's
// DPIA-ready assessment of one product, in the language of ?lang.
func (s *Server) assessmentXLSX(c *fiber.Ctx) error {
	lang, err := workbookLang(c)
	if err != nil {
		return err
	}
	p, a, r, err := s.productAssessment(c)
	if err != nil {
		return err
	}
	release, err := packSlot(c.UserContext())
	if err != nil {
		return err
	}
	defer release()
	comments, err := s.publicEntries(c.UserContext(), p.ID, p.Name)
	if err != nil {
		return err
	}
	now := time.Now()
	name := fmt.Sprintf("assessment-%s-%s.xlsx", p.ID, now.UTC().Format("2006-01-02"))
	return s.sendWorkbook(c, name, func(buf *bytes.Buffer) error {
		return xlsx.WriteAssessment(buf, xlsx.AssessmentPack{Product: p, Assessment: a, Rubric: s.rubrics.Localize(r, string(lang)),
			Threshold: s.store.Threshold(), Comments: comments, Info: xlsx.Info{Generated: now, Version: buildVersion(), Lang: lang}})
	})
}

// workbookLang reads the optional ?lang of a workbook route: the language
// of its labels and of its rubric texts, "en" (the default) or "cy" (the
// pages link to the workbooks in their own language). Anything else,
// empty included, is EINVALID naming lang.
func workbookLang(c *fiber.Ctx) (xlsx.Lang, error) {
	args := c.Context().QueryArgs()
	if !args.Has("lang") {
		return xlsx.English, nil
	}
	v := string(args.Peek("lang"))
	if l, ok := xlsx.ParseLang(v); ok && v != "" {
		return l, nil
	}
	return "", registry.Invalid("The workbook's language is not one the registry writes.",
		registry.FieldError{Field: "lang", Message: `must be "en" or "cy"`})
}

// publicEntries reads a product's most recent public entries, at most
// xlsx.MaxComments, from its public listing (registry.PublicEntry's
// entries), and whether it has more.
func (s *Server) publicEntries(ctx context.Context, id, name string) (xlsx.Comments, error) {
	out := xlsx.Comments{ProductID: id, Name: name}
	cursor := ""
	for range maxListingReads {
		page, err := s.store.PublishedReviews(ctx, id, xlsx.MaxComments+1-len(out.Entries), cursor)
		if err != nil {
			return out, err
		}
		out.Entries = append(out.Entries, page.Items...)
		if cursor = page.NextCursor; cursor == "" || len(out.Entries) > xlsx.MaxComments {
			break
		}
	}
	if len(out.Entries) > xlsx.MaxComments {
		out.Entries = out.Entries[:xlsx.MaxComments]
		out.More = true
	} else if cursor != "" {
		out.More = true
	}
	return out, nil
}

// packSlot waits for one of the process's workbook slots until ctx ends,
// and returns its release.
func packSlot(ctx context.Context) (func(), error) {
	select {
	case packSlots <- struct{}{}:
		return func() { <-packSlots }, nil
	case <-ctx.Done():
		return nil, registry.Errorf(registry.EUNAVAILABLE, "The server is busy making other workbooks; try again shortly.")
	}
}

// sendWorkbook builds a workbook with write and sends it as a download
// named filename.
func (s *Server) sendWorkbook(c *fiber.Ctx, filename string, write func(*bytes.Buffer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, xlsx.ContentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.Send(buf.Bytes())
}
