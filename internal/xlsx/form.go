package xlsx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

// FilledReview is what a filled form says: exactly the values of a JSON
// review submission (POST /api/v1/products/{id}/reviews), with the rubric
// version named, answers in rubric order, and where each value was found.
type FilledReview struct {
	RubricID       string
	RubricVersion  int
	Reviewer       registry.ReviewerContext
	Usage          registry.Usage
	Answers        []registry.Answer
	Recommendation string
	Summary        string
	Conflict       registry.Conflict
	// ProductID is the product the form was made for, "" for a form of any
	// product.
	ProductID string
	// Cells maps the JSON path of each value of a submission
	// ("reviewer.role", "answers[3].score", and "productId") to the cell it
	// came from ("Review!D7").
	Cells map[string]string
}

// Cell returns the cell a JSON path of a submission's value came from, by
// its longest known prefix ("answers[3].evidence[1]" is in the cell of
// "answers[3].evidence"), or "" when none is known.
func (fr *FilledReview) Cell(path string) string {
	for path != "" {
		if c, ok := fr.Cells[path]; ok {
			return c
		}
		if i := strings.LastIndexAny(path, ".["); i > 0 {
			path = path[:i]
		} else {
			return ""
		}
	}
	return ""
}

// Locate rewrites the field paths of an EINVALID error about a submission
// made from this form as the cells they came from, so that a validation
// shared with the JSON API names cells. Other errors, and fields of no
// cell (a header), are returned as they are.
func (fr *FilledReview) Locate(err error) error {
	if registry.ErrorCode(err) != registry.EINVALID {
		return err
	}
	fields := registry.ErrorFields(err)
	if len(fields) == 0 {
		return err
	}
	out := make([]registry.FieldError, len(fields))
	for i, f := range fields {
		out[i] = f
		if c := fr.Cell(f.Field); c != "" {
			out[i].Field = c
		}
	}
	return registry.Invalid(registry.ErrorMessage(err), out...)
}

// cellName names a cell of the Review sheet as errors do: "Review!D14".
func cellName(col, row int) string { return ReviewSheet + "!" + ref(col, row) }

// ReadReview reads a filled review form of size bytes (negative when not
// known) and returns the submission it holds, checked as the JSON API
// checks one: every value against its list, every criterion of the
// rubric version answered exactly once, the limits on text and links. A
// file larger than MaxFormBytes is ETOOLARGE. Anything else wrong is an
// EINVALID error whose fields name the cell ("Review!D14") or, for a
// problem with the whole file, "file": a file that is not a workbook, an
// encrypted or macro-enabled one, a zip bomb or a workbook of more parts,
// sheets, pieces of text or cells than a form could have (all refused
// before excelize parses anything that grows with them), a workbook that
// is not a form of a rubric version in rubrics, a form whose criterion
// rows were removed, added or renamed, a value outside its list, a formula
// where a value belongs, an empty required cell. At most MaxFieldErrors
// problems are listed.
func ReadReview(r io.Reader, size int64, rubrics registry.RubricService) (*FilledReview, error) {
	data, err := readUpload(r, size)
	if err != nil {
		return nil, err
	}
	zr, err := checkPackage(data)
	if err != nil {
		return nil, err
	}
	// Before excelize: the parts it will read, bounded.
	parts, err := workbookParts(zr)
	if errors.Is(err, errTooMany) {
		return nil, fileError("the workbook has more than %d sheets or %d pieces of text; a review form has far fewer", maxSheets, maxSharedStrings)
	} else if err != nil {
		return nil, fileError("the workbook cannot be read: it is damaged or not an Excel workbook (.xlsx)")
	}
	reviewPart, ok := parts[ReviewSheet]
	if !ok {
		if _, ok := parts[FormSheet]; ok {
			return nil, fileError("the workbook has no sheet %q; it is not a review form of this registry, or the sheet was renamed", ReviewSheet)
		}
		return nil, fileError("the workbook is not a review form of this registry (it has no sheet %q); "+
			"download the form from /api/v1/rubrics/{id}/template.xlsx", ReviewSheet)
	}
	cells, at, err := scanSheet(zr, reviewPart, colAnswer, colEvidence)
	if errors.Is(err, errTooManyCells) {
		return nil, registry.Invalid("The form has been changed.", registry.FieldError{Field: ReviewSheet + "!" + at,
			Message: fmt.Sprintf("the %s sheet has more than %d cells; a form has far fewer: rows or columns were added; download a new form", ReviewSheet, maxSheetCells)})
	} else if err != nil {
		return nil, fileError("the workbook's %s sheet cannot be read", ReviewSheet)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: MaxUnzippedBytes, UnzipXMLSizeLimit: MaxUnzippedBytes})
	if err != nil {
		return nil, fileError("the workbook cannot be read: it is damaged or not an Excel workbook (.xlsx)")
	}
	defer f.Close()
	fr := &FilledReview{Cells: map[string]string{}}
	rubric, lang, err := readIdentity(f, fr, rubrics)
	if err != nil {
		return nil, err
	}
	rows, err := readRows(f, rowCriteria+len(rubric.Criteria())+maxRowsBelow)
	if err != nil {
		return nil, err
	}
	// A form shows the rubric in its language: its titles are checked
	// against the rubric localized into it (same ids, rules and hash).
	shown := rubrics.Localize(rubric, string(lang))
	if shown == nil || shown.Hash != rubric.Hash || len(shown.Criteria()) != len(rubric.Criteria()) {
		shown = rubric
	}
	rd := &formReader{rows: rows, cells: cells, rubric: rubric, shown: shown, lang: lang, fr: fr}
	rd.fields()
	rd.criteria()
	if err := rd.errs.err(); err != nil {
		return nil, err
	}
	return fr, nil
}

// readIdentity reads the Form sheet and returns the rubric version the
// form was made from, which must be one of rubrics with the same hash, and
// the form's language.
func readIdentity(f *excelize.File, fr *FilledReview, rubrics registry.RubricService) (*registry.Rubric, Lang, error) {
	notForm := fileError("the workbook is not a review form of this registry (its sheet %q is missing or changed); "+
		"download the form from /api/v1/rubrics/{id}/template.xlsx", FormSheet)
	if idx, err := f.GetSheetIndex(FormSheet); err != nil || idx < 0 {
		return nil, "", notForm
	}
	// The first rows only, streamed: the rest of the sheet is never parsed.
	it, err := f.Rows(FormSheet)
	if err != nil {
		return nil, "", notForm
	}
	values := map[string]string{}
	for _, k := range formKeys {
		if !it.Next() {
			_ = it.Close()
			return nil, "", notForm
		}
		cols, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil || len(cols) < 1 || cols[0] != k {
			_ = it.Close()
			return nil, "", notForm
		}
		if len(cols) > 1 {
			values[k] = cols[1]
		}
	}
	// The language, on the next row; a form made before forms had
	// languages has none there and is English.
	lang, langGiven := English, false
	if it.Next() {
		cols, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			_ = it.Close()
			return nil, "", notForm
		}
		if len(cols) >= 1 && cols[0] == keyLang {
			langGiven = true
			if len(cols) > 1 {
				values[keyLang] = cols[1]
			}
		}
	}
	if err := it.Close(); err != nil {
		return nil, "", notForm
	}
	if values[keyFormat] != formFormat {
		return nil, "", fileError("the form was made by another version of the registry (%q); download a new form", truncate(values[keyFormat], 60))
	}
	if langGiven {
		l, ok := ParseLang(values[keyLang])
		if !ok || values[keyLang] == "" {
			return nil, "", fileError("the form names a language the registry does not write forms in (%q); download a new form", truncate(values[keyLang], 20))
		}
		lang = l
	}
	rubricCell, hashCell := cellName(colAnswer, rowRubric), cellName(colAnswer, rowHash)
	fr.Cells["rubricId"], fr.Cells["rubricVersion"], fr.Cells["productId"] = rubricCell, rubricCell, cellName(colAnswer, rowProduct)
	fr.ProductID = values[keyProduct]
	id := values[keyRubric]
	version, err := strconv.Atoi(values[keyVersion])
	if err != nil || version < 1 {
		return nil, "", registry.Invalid("The form names no rubric version the registry has.",
			registry.FieldError{Field: rubricCell, Message: fmt.Sprintf("the form names rubric %q version %q, which is not a version; download a new form", truncate(id, 60), truncate(values[keyVersion], 20))})
	}
	r, err := rubrics.Version(id, version)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil, "", registry.Invalid("The form names no rubric version the registry has.",
			registry.FieldError{Field: rubricCell, Message: fmt.Sprintf("the form is for rubric %q version %d, which this registry does not have; download a form of one it has", truncate(id, 60), version)})
	} else if err != nil {
		return nil, "", err
	}
	if values[keyHash] != r.Hash {
		return nil, "", registry.Invalid("The form was made from another text of the rubric.",
			registry.FieldError{Field: hashCell, Message: fmt.Sprintf("the form was made from another text of rubric %s version %d (hash %q, the registry's is %q); download a new form",
				r.ID, r.Version, truncate(values[keyHash], 64), r.Hash)})
	}
	fr.RubricID, fr.RubricVersion = r.ID, r.Version
	return r, lang, nil
}

// maxRowsBelow is how far below the last criterion the Review sheet is
// read: rows with values there are reported as added rows; a value further
// down ends the reading, before excelize parses the whole sheet, so that a
// sheet of many rows costs little.
const maxRowsBelow = 100

// maxColumns is how many columns of the Review sheet are read; a row with
// cells beyond (even empty ones) ends the reading, for the same reason.
const maxColumns = 64

// readRows reads the Review sheet's stored values, by row number; rows
// with no value are left out. A value below row last is a problem.
func readRows(f *excelize.File, last int) (map[int][]string, error) {
	it, err := f.Rows(ReviewSheet)
	if err != nil {
		return nil, fileError("the workbook's %s sheet cannot be read", ReviewSheet)
	}
	rows := map[int][]string{}
	for n := 1; it.Next(); n++ {
		cols, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			_ = it.Close()
			return nil, fileError("the workbook's %s sheet cannot be read", ReviewSheet)
		}
		for _, c := range cols {
			if c != "" {
				rows[n] = cols
				break
			}
		}
		if len(cols) > maxColumns {
			_ = it.Close()
			return nil, registry.Invalid("The form has been changed.", registry.FieldError{Field: cellName(maxColumns+1, n),
				Message: fmt.Sprintf("row %d has cells far to the right of the form's %d columns: the form has been changed; download a new form", n, colGuidance)})
		}
		if _, ok := rows[n]; ok && n > last {
			_ = it.Close()
			return nil, registry.Invalid("The form has been changed.", registry.FieldError{Field: cellName(colID, n),
				Message: fmt.Sprintf("row %d holds values far below the last criterion: rows were added to the form; download a new form", n)})
		}
	}
	if err := it.Error(); err != nil {
		_ = it.Close()
		return nil, fileError("the workbook's %s sheet cannot be read", ReviewSheet)
	}
	return rows, it.Close()
}

// formReader reads the Review sheet into a FilledReview, collecting every
// problem.
type formReader struct {
	rows   map[int][]string
	cells  map[string]cellInfo // the answer columns' cells: type and formula
	rubric *registry.Rubric
	shown  *registry.Rubric // the rubric in the form's language
	lang   Lang             // the form's language
	fr     *FilledReview
	errs   errorList
}

// value returns the stored value of a cell of the Review sheet.
func (rd *formReader) value(col, row int) string {
	cols := rd.rows[row]
	if col-1 < len(cols) {
		return cols[col-1]
	}
	return ""
}

// input returns the value of a cell the reviewer writes in, and false
// (with the problem noted) when it holds a formula, a true/false value or
// an error value rather than a value typed in.
func (rd *formReader) input(col, row int) (v string, number, ok bool) {
	name := cellName(col, row)
	info := rd.cells[ref(col, row)]
	switch {
	case info.formula:
		rd.errs.add(name, "holds a formula; type the value itself")
		return "", false, false
	case info.typ == "b":
		rd.errs.add(name, "holds TRUE or FALSE; type the value itself")
		return "", false, false
	case info.typ == "e":
		rd.errs.add(name, "holds an error value; type the value itself")
		return "", false, false
	}
	return rd.value(col, row), info.typ == "" || info.typ == "n", true
}

// quote shows a value in a message, shortened.
func quote(v string) string { return strconv.Quote(truncate(v, 60)) }

// oneOf names a list of values in a message.
func oneOf(values []string) string { return strings.Join(values, ", ") }

// fields reads the reviewer's context, usage, recommendation, summary and
// conflict of interest.
func (rd *formReader) fields() {
	fr := rd.fr
	for i, fld := range formFields {
		row := rowFields + 1 + i
		if got, label := rd.value(colID, row), fld.label(rd.lang); got != label {
			rd.errs.add(cellName(colID, row), "should be the field %q; the form's rows were changed: download a new form", label)
			continue
		}
		name := cellName(colAnswer, row)
		fr.Cells[fld.path] = name
		raw, number, ok := rd.input(colAnswer, row)
		if !ok {
			continue
		}
		var value string
		switch fld.kind {
		case kindList:
			// The choices shown in the form's language stand for the API's
			// values at the same place; the API's values are accepted too.
			v := strings.TrimSpace(raw)
			choices := fld.choices(rd.lang)
			if i := slices.Index(choices, v); v != "" && i >= 0 {
				v = fld.values[i]
			}
			switch {
			case v == "" && fld.required:
				rd.errs.add(name, "is empty: choose one of %s", oneOf(choices))
				continue
			case v != "" && !slices.Contains(fld.values, v):
				rd.errs.add(name, "%s is not one of %s", quote(raw), oneOf(choices))
				continue
			}
			value = v
		case kindText:
			if raw == "" && fld.required {
				rd.errs.add(name, "is empty: it is required")
				continue
			}
			if n := len([]rune(raw)); n > fld.max {
				rd.errs.add(name, "must be at most %d characters (it has %d)", fld.max, n)
				continue
			}
			value = raw
		case kindMonths:
			m, ok := months(raw, number)
			if !ok {
				if strings.TrimSpace(raw) == "" {
					rd.errs.add(name, "is empty: write the number of months you have used the product, from 0 to %d", registry.MaxUsageMonths)
				} else {
					rd.errs.add(name, "%s is not a whole number of months from 0 to %d", quote(raw), registry.MaxUsageMonths)
				}
				continue
			}
			fr.Usage.Months = m
			continue
		}
		switch fld.path {
		case "reviewer.role":
			fr.Reviewer.Role = value
		case "reviewer.phase":
			fr.Reviewer.Phase = value
		case "reviewer.nation":
			fr.Reviewer.Nation = value
		case "reviewer.subject":
			fr.Reviewer.Subject = value
		case "reviewer.setting":
			fr.Reviewer.Setting = value
		case "usage.frequency":
			fr.Usage.Frequency = value
		case "recommendation":
			fr.Recommendation = value
		case "summary":
			fr.Summary = value
		case "conflictOfInterest.declared":
			fr.Conflict.Declared = value == Yes
		case "conflictOfInterest.details":
			fr.Conflict.Details = value
		}
	}
}

// months reads a whole number of months, typed as a number or as text.
func months(raw string, number bool) (int, bool) {
	v := strings.TrimSpace(raw)
	if n, err := strconv.Atoi(v); err == nil {
		return n, n >= 0 && n <= registry.MaxUsageMonths
	}
	if number {
		if x, err := strconv.ParseFloat(v, 64); err == nil && x == math.Trunc(x) && x >= 0 && x <= registry.MaxUsageMonths {
			return int(x), true
		}
	}
	return 0, false
}

// criteria reads the criteria table: each row is matched to its criterion
// by id, whatever the order of the rows; a row of no criterion, a criterion
// twice or a criterion missing is a problem, and so is a row whose title is
// not its criterion's (it was overwritten).
func (rd *formReader) criteria() {
	r, fr := rd.rubric, rd.fr
	header := criteriaHeader(rd.lang)
	for col, h := range header {
		if rd.value(col+1, rowCriteria) != h {
			rd.errs.add(cellName(col+1, rowCriteria), "should be the heading %q of the criteria table; the form's rows were changed: download a new form", h)
			return
		}
	}
	criteria := r.Criteria()
	shown := rd.shown.Criteria() // the same criteria, with the form's titles
	index := r.CriterionIndex()
	answers := make([]registry.Answer, len(criteria))
	found := make([]int, len(criteria))      // the row of each criterion, 0 if none
	answered := make([]bool, len(criteria))  // the answer could be read
	checkable := make([]bool, len(criteria)) // the comment and evidence could be read
	var below []int
	for n := range rd.rows {
		if n > rowCriteria {
			below = append(below, n)
		}
	}
	slices.Sort(below)
	for _, row := range below {
		id := rd.value(colID, row)
		idCell := cellName(colID, row)
		if id == "" {
			rd.errs.add(idCell, "a row without a criterion id: answers belong on their criterion's row; do not add rows")
			continue
		}
		i, ok := index[id]
		if !ok {
			rd.errs.add(idCell, "%s is not a criterion of rubric %s version %d: do not rename or add criterion rows", quote(id), r.ID, r.Version)
			continue
		}
		if found[i] != 0 {
			rd.errs.add(idCell, "criterion %q is already on row %d: do not copy criterion rows", id, found[i])
			continue
		}
		found[i] = row
		c := &criteria[i]
		if got := rd.value(colTitle, row); got != shown[i].Title {
			rd.errs.add(cellName(colTitle, row), "should be the title of criterion %q, %q; the row was changed: download a new form", id, shown[i].Title)
		}
		answered[i], checkable[i] = rd.answer(i, c, row, &answers[i])
	}
	for i := range criteria {
		if found[i] == 0 {
			rd.errs.add(cellName(colID, rowCriteria+1+i), "the row of criterion %q (%s) is missing: do not delete criterion rows", criteria[i].ID, shown[i].Title)
		}
	}
	// The rubric's own rules on answers (the same function the JSON API
	// uses), on the answers that could be read; where only the comment and
	// evidence could, on those, with a stand-in score (never stored: the
	// unreadable answer is already a problem).
	var readable []registry.Answer
	var at []int
	for i := range criteria {
		switch {
		case answered[i] && checkable[i]:
			readable = append(readable, answers[i])
		case checkable[i]:
			a := answers[i]
			a.Score, a.Unknown, a.NA = new(int), false, false
			readable = append(readable, a)
		default:
			continue
		}
		at = append(at, i)
	}
	// The form is small and bounded (at most a few hundred rows), so the
	// check runs without a deadline.
	verr := registry.ValidateAnswers(context.Background(), r, readable)
	rd.errs.total += registry.ErrorMore(verr) // problems it counted but did not list
	for _, fe := range registry.ErrorFields(verr) {
		if fe.Field == "answers" {
			continue // a criterion not answered: noted above
		}
		// answers[k] of the readable list is answers[at[k]] of the form.
		var k int
		var rest string
		if _, err := fmt.Sscanf(fe.Field, "answers[%d]", &k); err == nil && k >= 0 && k < len(at) {
			rest = fe.Field[len(fmt.Sprintf("answers[%d]", k)):]
			fe.Field = fmt.Sprintf("answers[%d]%s", at[k], rest)
		}
		if c := fr.Cell(fe.Field); c != "" {
			fe.Field = c
		}
		rd.errs.add(fe.Field, "%s", fe.Message)
	}
	fr.Answers = answers
}

// answer reads one criterion's answer, comment and evidence from its row
// into a, and reports whether the answer could be read, and whether the
// comment and evidence could.
func (rd *formReader) answer(i int, c *registry.Criterion, row int, a *registry.Answer) (answered, texts bool) {
	fr := rd.fr
	path := fmt.Sprintf("answers[%d]", i)
	answerCell, commentCell, evidenceCell := cellName(colAnswer, row), cellName(colComment, row), cellName(colEvidence, row)
	fr.Cells[path], fr.Cells[path+".criterion"] = answerCell, cellName(colID, row)
	fr.Cells[path+".score"], fr.Cells[path+".unknown"], fr.Cells[path+".na"] = answerCell, answerCell, answerCell
	fr.Cells[path+".comment"], fr.Cells[path+".evidence"] = commentCell, evidenceCell
	a.Criterion = c.ID
	ok, texts := true, true
	raw, number, readable := rd.input(colAnswer, row)
	if readable {
		// The words of the form's language, or the English ones.
		v := strings.TrimSpace(raw)
		w := Words(rd.lang)
		apostrophe := strings.ReplaceAll(v, "’", "'")
		switch {
		case v == "":
			rd.errs.add(answerCell, "is empty: choose one of %s", describeAnswers(rd.lang, c))
			ok = false
		case scoreOf(v, number) >= 0:
			s := scoreOf(v, number)
			a.Score = &s
		case (apostrophe == DontKnow || apostrophe == w.DontKnow) && c.Unknown != registry.UnknownNone:
			a.Unknown = true
		case (v == NotApplicable || v == w.NotApplicable) && c.NotApplicable:
			a.NA = true
		default:
			rd.errs.add(answerCell, "%s is not one of %s", quote(raw), describeAnswers(rd.lang, c))
			ok = false
		}
	} else {
		ok = false
	}
	if comment, _, readable := rd.input(colComment, row); readable {
		a.Comment = comment
	} else {
		texts = false
	}
	if evidence, _, readable := rd.input(colEvidence, row); readable {
		if links := strings.Fields(evidence); len(links) > 0 {
			a.Evidence = links
		}
	} else {
		texts = false
	}
	return ok && texts, texts
}

// scoreOf returns the level a value names, or -1: "0" to "4" typed as text,
// or a number equal to one of them.
func scoreOf(v string, number bool) int {
	if len(v) == 1 && v[0] >= '0' && v[0] <= '0'+registry.MaxScore {
		return int(v[0] - '0')
	}
	if number {
		if x, err := strconv.ParseFloat(v, 64); err == nil && x == math.Trunc(x) && x >= 0 && x <= registry.MaxScore {
			return int(x)
		}
	}
	return -1
}
