package xlsx

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Streamed looks at a workbook's parts before excelize reads them. What
// excelize parses costs far more than its size: measured here, a Review
// sheet of 140,000 empty styled cells (3.5 MB unzipped, 0.4 MB zipped)
// took excelize 1.7 s and 270 MB of allocations to parse, and 220,000
// one-letter shared strings (37 KB zipped) 1.5 s and 230 MB. So the
// sheets, the shared strings and the Review sheet's cells are counted
// first, in passes that stop as soon as a count is exceeded, and a
// workbook over a bound is refused. The pass over the Review sheet also
// learns whether each answer cell holds a formula and what type it is,
// which excelize tells only after parsing the whole sheet.

// maxSheetCells bounds the cells of the Review sheet (a form has about
// 12 per row and 50 rows, empty cells included).
const maxSheetCells = 10_000

// cellInfo is what the scan learns of a cell.
type cellInfo struct {
	typ     string // the t attribute: "" or "n" number, "s", "inlineStr", "str", "b", "e", "d"
	formula bool
}

// errTooManyCells is returned by scanSheet for a sheet of more than
// maxSheetCells cells.
var errTooManyCells = errors.New("too many cells")

// Bounds on what a workbook declares, checked before excelize reads it
// (a form has 3 sheets and about a thousand shared strings, whichever
// program saved it).
const (
	maxSheets        = 32
	maxSharedStrings = 10_000
)

// errTooMany is returned for a workbook of too many sheets or shared
// strings.
var errTooMany = errors.New("too many parts")

// readXML streams one part of the package through visit, at most
// MaxUnzippedBytes of it; visit returns false to stop early.
func readXML(files map[string]*zip.File, name string, visit func(xml.StartElement) bool) bool {
	f, ok := files[strings.ToLower(strings.TrimPrefix(name, "/"))]
	if !ok {
		return false
	}
	rc, err := f.Open()
	if err != nil {
		return false
	}
	defer rc.Close()
	dec := xml.NewDecoder(io.LimitReader(rc, MaxUnzippedBytes))
	for {
		tok, err := dec.RawToken()
		if err != nil {
			return errors.Is(err, io.EOF)
		}
		if se, ok := tok.(xml.StartElement); ok && !visit(se) {
			return true
		}
	}
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// workbookParts finds the parts of a package's sheets (by sheet name) and
// of its shared strings, as excelize will: the workbook from the package's
// relationships, the sheets' relationship ids from the workbook, their
// targets from the workbook's relationships. It returns errTooMany for more
// than maxSheets sheets or maxSharedStrings shared strings: the costs that
// grow with them (excelize parses every shared string at once) are paid
// only below the bounds.
func workbookParts(zr *zip.Reader) (map[string]string, error) {
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[strings.ToLower(f.Name)] = f
	}
	workbook := ""
	readXML(files, "_rels/.rels", func(se xml.StartElement) bool {
		if se.Name.Local == "Relationship" && strings.HasSuffix(attr(se, "Type"), "/officeDocument") {
			workbook = strings.TrimPrefix(attr(se, "Target"), "/")
			return false
		}
		return true
	})
	if workbook == "" {
		return nil, errors.New("no workbook")
	}
	ids := map[string]string{} // relationship id → sheet name
	n := 0
	readXML(files, workbook, func(se xml.StartElement) bool {
		if se.Name.Local == "sheet" {
			ids[attr(se, "id")] = attr(se, "name")
			n++
		}
		return n <= maxSheets
	})
	if n > maxSheets {
		return nil, errTooMany
	}
	dir := path.Dir(workbook)
	resolve := func(target string) string {
		if strings.HasPrefix(target, "/") {
			return strings.TrimPrefix(target, "/")
		}
		return path.Join(dir, target)
	}
	sheets := map[string]string{}
	sharedStrings := ""
	readXML(files, path.Join(dir, "_rels", path.Base(workbook)+".rels"), func(se xml.StartElement) bool {
		if se.Name.Local != "Relationship" {
			return true
		}
		if name, ok := ids[attr(se, "Id")]; ok {
			sheets[name] = resolve(attr(se, "Target"))
		}
		if strings.HasSuffix(attr(se, "Type"), "/sharedStrings") {
			sharedStrings = resolve(attr(se, "Target"))
		}
		return true
	})
	if sharedStrings != "" {
		n := 0
		readXML(files, sharedStrings, func(se xml.StartElement) bool {
			if se.Name.Local == "si" {
				n++
			}
			return n <= maxSharedStrings
		})
		if n > maxSharedStrings {
			return nil, errTooMany
		}
	}
	return sheets, nil
}

// scanSheet streams the sheet part name of zr and returns what it learns
// of the cells in the columns from first to last (by reference, "D20"). It
// returns errTooManyCells, with the reference reached, once the sheet has
// more than maxSheetCells cells.
func scanSheet(zr *zip.Reader, name string, first, last int) (map[string]cellInfo, string, error) {
	var part *zip.File
	for _, f := range zr.File {
		if strings.EqualFold(f.Name, name) {
			part = f
			break
		}
	}
	if part == nil {
		return nil, "", errors.New("no such part")
	}
	rc, err := part.Open()
	if err != nil {
		return nil, "", err
	}
	defer rc.Close()
	dec := xml.NewDecoder(io.LimitReader(rc, MaxUnzippedBytes))
	out := map[string]cellInfo{}
	var (
		row, col, cells int
		cur             string // the reference of the open cell, "" outside one
		info            cellInfo
	)
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			return out, "", nil
		} else if err != nil {
			return nil, "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				row++
				col = 0
				for _, a := range t.Attr {
					if a.Name.Local == "r" {
						if r, err := strconv.Atoi(a.Value); err == nil {
							row = r
						}
					}
				}
			case "c":
				col++
				info = cellInfo{}
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "r":
						if c, r, err := excelize.CellNameToCoordinates(a.Value); err == nil {
							col, row = c, r
						}
					case "t":
						info.typ = a.Value
					}
				}
				cur = ref(col, row)
				if cells++; cells > maxSheetCells {
					return nil, cur, errTooManyCells
				}
			case "f":
				if cur != "" {
					info.formula = true
				}
			}
		case xml.EndElement:
			if t.Name.Local == "c" && cur != "" {
				if col >= first && col <= last {
					out[cur] = info
				}
				cur = ""
			}
		}
	}
}
