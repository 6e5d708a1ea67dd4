package http

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/xlsx"
)

// Bounds of the statistics export.
const (
	// exportPageSize is the number of products read per page. On the
	// embedded store every page decodes the whole products collection (a
	// cursor is an _id range, which FerretDB does not push down), so large
	// pages keep the export's reads near linear; a page of 1,000 products
	// is about a megabyte.
	exportPageSize = 1000
	// statisticsExportTimeout bounds the making of one export (the request
	// deadline is far too short for a registry of thousands of products).
	statisticsExportTimeout = time.Hour
	// downloadIdleTimeout bounds each write of a download: the server's
	// WriteTimeout would otherwise bound the whole body.
	downloadIdleTimeout = 30 * time.Second
)

// exportStatistics answers GET /api/v1/exports/statistics.xlsx (officer,
// admin): the released statistics of every product under every rubric
// version it has public reviews under, as one flat table (xlsx.Statistics).
//
// Products are read page by page and each product's statistics by _id;
// reviews are never read. The workbook is made into a temporary file (its
// rows go through excelize's stream files, so memory does not grow with
// the registry) and then sent with its length. One export is made at a
// time per server; another request meanwhile is 503.
func (s *Server) exportStatistics(c *fiber.Ctx) error {
	disposition := fmt.Sprintf(`attachment; filename="statistics-%s.xlsx"`, time.Now().UTC().Format("2006-01-02"))
	if c.Method() == fiber.MethodHead {
		// Fiber answers HEAD on every GET route: say what a GET would send
		// without building minutes of workbook for nothing.
		c.Set(fiber.HeaderContentType, xlsx.ContentType)
		c.Set(fiber.HeaderContentDisposition, disposition)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return nil
	}
	if !s.exportSlot.TryLock() {
		return registry.Errorf(registry.EUNAVAILABLE, "A statistics export is being made; try again when it has finished.")
	}
	file, err := s.buildStatistics()
	s.exportSlot.Unlock()
	if err != nil {
		return err
	}
	info, err := file.Stat()
	if err != nil {
		file.Close()
		return err
	}
	c.Set(fiber.HeaderContentType, xlsx.ContentType)
	c.Set(fiber.HeaderContentDisposition, disposition)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendStream(&download{file: file, conn: c.Context().Conn()}, int(info.Size()))
}

// buildStatistics writes the export into a temporary file, removed when the
// returned file is closed (or at once on an error), positioned at its start.
func (s *Server) buildStatistics() (*os.File, error) {
	ctx, cancel := context.WithTimeout(context.Background(), statisticsExportTimeout)
	defer cancel()
	file, err := os.CreateTemp("", "registry-statistics-*.xlsx")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*os.File, error) {
		file.Close()
		os.Remove(file.Name())
		return nil, err
	}
	x, err := xlsx.NewStatistics(file, xlsx.Info{Generated: time.Now(), Version: buildVersion()},
		xlsx.StatisticsOptions{Threshold: s.store.Threshold(), RowsPerSheet: s.exportRowsPerSheet})
	if err != nil {
		return fail(err)
	}
	if err := s.feedStatistics(ctx, x); err != nil {
		x.Discard()
		return fail(err)
	}
	if err := x.Close(); err != nil {
		return fail(err)
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	return file, nil
}

// feedStatistics gives the writer every product, page by page, with its
// released statistics under each rubric version it has public reviews
// under (PublishedCounts says which), all read by _id.
func (s *Server) feedStatistics(ctx context.Context, x *xlsx.Statistics) error {
	versions := s.rubricVersions()
	done := 0
	cursor := ""
	for {
		page, err := s.store.Products(ctx, registry.ProductFilter{Limit: exportPageSize, Cursor: cursor})
		if err != nil {
			return err
		}
		for _, p := range page.Items {
			counts, err := s.store.PublishedCounts(ctx, p.ID)
			if err != nil {
				return err
			}
			var released []xlsx.Released
			for _, r := range versions {
				if counts[registry.VersionKey(r.ID, r.Version)] == 0 {
					continue
				}
				st, err := s.store.Stats(ctx, p.ID, r)
				if err != nil {
					return err
				}
				released = append(released, xlsx.Released{Rubric: r, Stats: st})
			}
			if err := x.Product(p, released...); err != nil {
				return err
			}
			done++
			if s.exportProgress != nil {
				s.exportProgress(done)
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		cursor = page.NextCursor
	}
}

// rubricVersions lists every loaded version of every rubric, by id and
// version.
func (s *Server) rubricVersions() []*registry.Rubric {
	var out []*registry.Rubric
	for _, ref := range s.rubrics.List() {
		for v := 1; v <= ref.Version; v++ {
			if r, err := s.rubrics.Version(ref.ID, v); err == nil {
				out = append(out, r)
			}
		}
	}
	return out
}

// download is a workbook's temporary file sent as a response body. Each
// read moves the connection's write deadline on, so a large download is
// bounded by how long the client stalls, not by its total time; Close (by
// fasthttp, once the body is sent or abandoned) removes the file.
type download struct {
	file     *os.File
	conn     net.Conn
	extended time.Time // when the deadline was last moved
}

func (d *download) Read(p []byte) (int, error) {
	if now := time.Now(); d.conn != nil && now.Sub(d.extended) >= time.Second {
		d.extended = now
		_ = d.conn.SetWriteDeadline(now.Add(downloadIdleTimeout))
	}
	return d.file.Read(p)
}

func (d *download) Close() error {
	err := d.file.Close()
	_ = os.Remove(d.file.Name())
	return err
}
