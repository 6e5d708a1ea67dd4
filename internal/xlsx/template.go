package xlsx

import (
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

// The offline review form: a workbook an educator downloads, fills in
// without the registry (in Excel, LibreOffice or any program that writes
// .xlsx) and uploads again. ReadReview (form.go) reads it back.
//
// How the form keeps what identifies it (the rubric id, version and hash)
// from being overwritten by accident: they live on a sheet "Form" that is
// very hidden (Excel's Unhide dialog does not list it; only a program can
// show it again), and the workbook's structure is protected, so sheets
// cannot be renamed, deleted or unhidden from the menus. Every sheet is
// protected without a password: only the answer cells are unlocked, so
// ids, titles, questions and the copy of the rubric's identity shown on the
// Review sheet cannot be typed over. Neither is security (a program can
// change anything in a file, and a password would only stop people who
// need to fix a form); the import checks everything again: the rubric and
// its hash against the registry's, every criterion row by id and title,
// every value against its list. Defined names were the alternative, but a
// person can retype a defined name's value in the Name Manager as easily as
// a cell, and programs such as openpyxl keep hidden sheets as faithfully.

// Sheet names of the form.
const (
	// ReviewSheet is the sheet the reviewer fills in.
	ReviewSheet = "Review"
	// InstructionsSheet explains how to fill in and return the form.
	InstructionsSheet = "Instructions"
	// FormSheet is the very hidden sheet that identifies the form.
	FormSheet = "Form"
)

// The answers a criterion's drop-down offers besides the scores 0–4, in
// an English form; a Welsh form offers them in Welsh (Words).
const (
	// DontKnow is the "don't know" answer, offered where the rubric allows
	// it.
	DontKnow = "don't know"
	// NotApplicable is the "not applicable" answer, offered where the
	// rubric allows it.
	NotApplicable = "not applicable"
	// Yes and No answer the conflict-of-interest question.
	Yes = "yes"
	No  = "no"
)

// AnswerWords are the words a form in one language offers for "don't
// know", "not applicable" and the conflict-of-interest question's yes and
// no. The import accepts the words of the form's language and English.
type AnswerWords struct {
	DontKnow, NotApplicable, Yes, No string
}

// Words returns the answer words of a form in l.
func Words(l Lang) AnswerWords {
	l = l.orEnglish()
	return AnswerWords{DontKnow: l.t("form.dontKnow"), NotApplicable: l.t("form.notApplicable"), Yes: l.t("form.yes"), No: l.t("form.no")}
}

// formFormat names the layout of the form; a form of another layout is
// refused rather than misread.
const formFormat = "edtech-registry review form 1"

// Rows of the Review sheet. The reviewer's context and usage come first,
// one field a row (label, what to write, allowed values, the answer in
// column D), then the criteria table, one criterion a row.
const (
	rowTitle   = 1
	rowProduct = 2
	rowRubric  = 3
	rowHash    = 4
	rowFields  = 6 // the header of the fields; the fields follow
)

// Columns of the Review sheet. Every value a reviewer writes is in column
// D (the answer), E (a criterion's comment) or F (its evidence links).
const (
	colID       = 1 // A: the field's label or the criterion's id
	colTitle    = 2 // B: what to write, or the criterion's title
	colQuestion = 3 // C: the allowed values, or the criterion's question
	colAnswer   = 4 // D: the answer
	colComment  = 5 // E: a criterion's comment
	colEvidence = 6 // F: a criterion's evidence links
	colLevel0   = 7 // G–K: the descriptors of levels 0 to 4
	colGuidance = colLevel0 + registry.Levels
)

// Field kinds of the Review sheet's upper part.
const (
	kindList   = iota // one of a list of values
	kindText          // free text
	kindMonths        // a whole number of months
)

// formField is one row of the reviewer's context, usage and verdict. Its
// label (column A; the reader checks it to know the layout is intact) and
// help are "form.label.<path>" and "form.help.<path>" in the catalogue.
type formField struct {
	path     string // the JSON path of the value in a review submission
	kind     int
	values   []string // kindList: the allowed values
	required bool
	max      int // kindText: the most characters allowed
}

// formFields are the fields in the order of their rows, from rowFields+1.
var formFields = []formField{
	{path: "reviewer.role", kind: kindList, values: registry.ReviewerRoles, required: true},
	{path: "reviewer.phase", kind: kindList, values: registry.Phases, required: true},
	{path: "reviewer.nation", kind: kindList, values: registry.Nations, required: true},
	{path: "reviewer.subject", kind: kindText, max: registry.MaxSubjectLength},
	{path: "reviewer.setting", kind: kindList, values: registry.Settings},
	{path: "usage.months", kind: kindMonths, required: true},
	{path: "usage.frequency", kind: kindList, values: registry.Frequencies, required: true},
	{path: "recommendation", kind: kindList, values: registry.Recommendations, required: true},
	{path: "summary", kind: kindText, required: true, max: registry.MaxSummaryLength},
	{path: "conflictOfInterest.declared", kind: kindList, values: []string{Yes, No}, required: true},
	{path: "conflictOfInterest.details", kind: kindText, max: registry.MaxConflictLength},
}

// label is the field's label in a form in l.
func (fld formField) label(l Lang) string { return l.t("form.label." + fld.path) }

// choices are the values a list field offers in a form in l: the API's
// codes, but the words of l for the conflict question's yes and no.
func (fld formField) choices(l Lang) []string {
	if fld.path == "conflictOfInterest.declared" {
		w := Words(l)
		return []string{w.Yes, w.No}
	}
	return fld.values
}

// rowCriteria is the header row of the criteria table; criterion i (in
// rubric order) is on row rowCriteria+1+i.
var rowCriteria = rowFields + len(formFields) + 2

// criteriaHeader names the columns of the criteria table in a form in l.
func criteriaHeader(l Lang) []string {
	h := []string{l.t("head.criterion"), l.t("form.col.title"), l.t("head.question"), l.t("form.col.answer"),
		l.t("form.col.comment"), l.t("form.col.evidence")}
	for lv := range registry.Levels {
		h = append(h, l.t("head.level", lv))
	}
	return append(h, l.t("form.col.guidance"))
}

// Answers returns the answers a criterion's drop-down offers in an English
// form, in order: the scores "0" to "4", then DontKnow where the rubric
// allows "don't know" and NotApplicable where it allows "not applicable".
func Answers(c *registry.Criterion) []string { return answersIn(English, c) }

// answersIn returns the answers a criterion's drop-down offers in a form
// in l.
func answersIn(l Lang, c *registry.Criterion) []string {
	w := Words(l)
	out := make([]string, 0, registry.Levels+2)
	for lv := range registry.Levels {
		out = append(out, strconv.Itoa(lv))
	}
	if c.Unknown != registry.UnknownNone {
		out = append(out, w.DontKnow)
	}
	if c.NotApplicable {
		out = append(out, w.NotApplicable)
	}
	return out
}

// describeAnswers writes a criterion's answers as a person reads them:
// "0–4, don't know".
func describeAnswers(l Lang, c *registry.Criterion) string {
	w := Words(l)
	s := "0–" + strconv.Itoa(registry.MaxScore)
	if c.Unknown != registry.UnknownNone {
		s += ", " + w.DontKnow
	}
	if c.NotApplicable {
		s += ", " + w.NotApplicable
	}
	return s
}

// formStyles are the form's own styles, besides the book's.
type formStyles struct {
	input  int // an answer cell: text, unlocked, filled so it stands out
	months int // the months cell: a whole number, unlocked
	locked int // wrapped text that stays locked
}

func newFormStyles(b *book) (formStyles, error) {
	var st formStyles
	var err error
	textFmt, monthsFmt := "@", "0"
	fill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}}
	border := []excelize.Border{{Type: "left", Color: "BF9000", Style: 1}, {Type: "right", Color: "BF9000", Style: 1},
		{Type: "top", Color: "BF9000", Style: 1}, {Type: "bottom", Color: "BF9000", Style: 1}}
	unlocked := &excelize.Protection{Locked: false}
	if st.input, err = b.f.NewStyle(&excelize.Style{CustomNumFmt: &textFmt, Fill: fill, Border: border, Protection: unlocked,
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}); err != nil {
		return st, err
	}
	if st.months, err = b.f.NewStyle(&excelize.Style{CustomNumFmt: &monthsFmt, Fill: fill, Border: border, Protection: unlocked,
		Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "left"}}); err != nil {
		return st, err
	}
	st.locked, err = b.f.NewStyle(&excelize.Style{CustomNumFmt: &textFmt, Protection: &excelize.Protection{Locked: true},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	return st, err
}

// WriteTemplate writes the offline review form of one rubric version to w,
// in the language info.Lang (its labels; give r localized into the same
// language for its criteria's texts):
// the Review sheet (the reviewer's context, usage, recommendation, summary
// and conflict of interest, then one row per criterion with its question,
// its five level descriptors, an answer cell whose drop-down offers exactly
// the answers the criterion allows, a comment cell and an evidence cell),
// the Instructions sheet, and the very hidden Form sheet that records the
// rubric's id, version and hash (and the product's id when product is not
// nil). Every cell a reviewer writes in is text-formatted except the
// months, which is a whole number.
func WriteTemplate(w io.Writer, r *registry.Rubric, product *registry.Product, info Info) error {
	l := info.Lang.orEnglish()
	title := l.t("form.title", r.Title, r.Version)
	if product != nil {
		title = l.t("form.titleProduct", product.Name, r.Title, r.Version)
	}
	b, err := newBook(title, l.t("form.subject"), info)
	if err != nil {
		return err
	}
	fst, err := newFormStyles(b)
	if err != nil {
		return err
	}
	if err := writeReviewSheet(b, fst, r, product, title); err != nil {
		return err
	}
	if err := writeInstructions(b, r); err != nil {
		return err
	}
	if err := writeFormSheet(b, r, product, info); err != nil {
		return err
	}
	if err := b.f.ProtectWorkbook(&excelize.WorkbookProtectionOptions{LockStructure: true}); err != nil {
		return err
	}
	return b.write(w)
}

func writeReviewSheet(b *book, fst formStyles, r *registry.Rubric, product *registry.Product, title string) error {
	widths := []float64{26, 30, 46, 18, 46, 34}
	for range registry.Levels {
		widths = append(widths, 34)
	}
	widths = append(widths, 46)
	s, err := b.addSheet(ReviewSheet, widths, false)
	if err != nil {
		return err
	}
	l := b.lang
	input := excelize.Cell{StyleID: fst.input}
	locked := func(v string) excelize.Cell { return excelize.Cell{StyleID: fst.locked, Value: v} }

	// The title and the form's identity, shown (locked) for people; the
	// import reads the identity from the Form sheet.
	if err := s.titled(title); err != nil {
		return err
	}
	productText := l.t("form.anyProduct")
	if product != nil {
		productText = l.t("form.product", product.Name, product.Vendor, product.ID)
	}
	if err := s.add(l.t("head.product"), l.t("form.productHelp"), nil, locked(productText)); err != nil {
		return err
	}
	if err := s.add(l.t("fact.rubric"), r.Title+".", nil, locked(l.t("form.rubric", r.ID, r.Version))); err != nil {
		return err
	}
	if err := s.add(l.t("form.rubricHash"), l.t("form.rubricHashHelp"), nil, locked(r.Hash)); err != nil {
		return err
	}
	if err := s.blank(); err != nil {
		return err
	}

	// The fields.
	if err := s.header(l.t("form.col.field"), l.t("form.col.what"), l.t("form.col.allowed"), l.t("form.col.answer")); err != nil {
		return err
	}
	for i, fld := range formFields {
		row := rowFields + 1 + i
		label, values := fld.label(l), fld.choices(l)
		allowed := ""
		switch fld.kind {
		case kindList:
			allowed = strings.Join(values, ", ")
		case kindText:
			allowed = l.t("form.allowedText", fld.max)
		case kindMonths:
			allowed = l.t("form.allowedMonths", registry.MaxUsageMonths)
		}
		if fld.required {
			allowed = l.t("form.required") + " " + allowed
		} else {
			allowed = l.t("form.optional") + " " + allowed
		}
		cell := input
		if fld.kind == kindMonths {
			cell = excelize.Cell{StyleID: fst.months}
		}
		if err := s.add(label, Wrapped(l.t("form.help."+fld.path)), Wrapped(allowed), cell); err != nil {
			return err
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = ref(colAnswer, row)
		switch fld.kind {
		case kindList:
			if err := dv.SetDropList(values); err != nil {
				return err
			}
			setError(dv, label, l.t("form.chooseOneOf", strings.Join(values, ", ")))
		case kindMonths:
			if err := dv.SetRange(0, registry.MaxUsageMonths, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween); err != nil {
				return err
			}
			setError(dv, label, l.t("form.allowedMonths", registry.MaxUsageMonths))
		case kindText:
			if err := dv.SetRange(0, fld.max, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween); err != nil {
				return err
			}
			setError(dv, label, l.t("form.atMost", fld.max))
		}
		if err := b.f.AddDataValidation(ReviewSheet, dv); err != nil {
			return err
		}
	}
	if err := s.blank(); err != nil {
		return err
	}

	// The criteria.
	if err := s.header(criteriaHeader(l)...); err != nil {
		return err
	}
	criteria := r.Criteria()
	for i := range criteria {
		c := &criteria[i]
		row := rowCriteria + 1 + i
		cells := []any{c.ID, Wrapped(c.Title), Wrapped(c.Question), input, input, input}
		for _, l := range c.Levels {
			cells = append(cells, Wrapped(l.Label+": "+l.Descriptor))
		}
		guidance := c.Guidance + "\n\n" + l.t("form.unknown."+c.Unknown)
		cells = append(cells, Wrapped(guidance))
		if err := s.add(cells...); err != nil {
			return err
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = ref(colAnswer, row)
		if err := dv.SetDropList(answersIn(l, c)); err != nil {
			return err
		}
		setError(dv, l.t("head.answer"), l.t("form.chooseOneOf", describeAnswers(l, c)))
		setInput(dv, c.Title, l.t("form.answerInput", describeAnswers(l, c)))
		if err := b.f.AddDataValidation(ReviewSheet, dv); err != nil {
			return err
		}
		dv = excelize.NewDataValidation(true)
		dv.Sqref = ref(colComment, row)
		if err := dv.SetRange(0, registry.MaxCommentLength, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween); err != nil {
			return err
		}
		setError(dv, l.t("form.col.comment"), l.t("form.atMost", registry.MaxCommentLength))
		if err := b.f.AddDataValidation(ReviewSheet, dv); err != nil {
			return err
		}
	}
	last := rowCriteria + len(criteria)
	if len(criteria) > 0 {
		err := s.sw.AddTable(&excelize.Table{Range: ref(1, rowCriteria) + ":" + ref(colGuidance, last), Name: "Criteria",
			StyleName: "TableStyleLight9", ShowRowStripes: boolPtr(false)})
		if err != nil {
			return err
		}
	}
	if err := protect(b, ReviewSheet); err != nil {
		return err
	}
	return s.flush()
}

// protect locks every cell of a sheet but the unlocked answer cells, with
// no password: it prevents accidents, not edits.
func protect(b *book, sheet string) error {
	return b.f.ProtectSheet(sheet, &excelize.SheetProtectionOptions{
		SelectLockedCells: true, SelectUnlockedCells: true, FormatColumns: true, FormatRows: true, AutoFilter: true,
	})
}

func writeInstructions(b *book, r *registry.Rubric) error {
	s, err := b.addSheet(InstructionsSheet, []float64{110}, false)
	if err != nil {
		return err
	}
	l, w := b.lang, Words(b.lang)
	first := rowCriteria + 1
	lines := []struct {
		title bool
		text  string
	}{
		{true, l.t("instr.title")},
		{false, l.t("instr.intro", len(r.Criteria()), r.Title, r.Version, r.ID)},
		{false, l.t("instr.yellow")},
		{false, l.t("instr.step1", rowFields+1, rowFields+len(formFields))},
		{false, l.t("instr.step2", first, w.DontKnow, w.NotApplicable)},
		{false, l.t("instr.step3", registry.MaxCommentLength)},
		{false, l.t("instr.step4", registry.MaxEvidenceLinks)},
		{false, l.t("instr.rows")},
		{false, l.t("instr.text")},
		{false, l.t("instr.save")},
		{true, l.t("instr.uploadTitle")},
		{false, l.t("instr.upload")},
		{false, "curl -H \"Authorization: Bearer $TOKEN\" -F file=@review.xlsx https://REGISTRY/api/v1/products/PRODUCT-ID/reviews/import"},
		{false, l.t("instr.problems", w.DontKnow)},
	}
	for _, line := range lines {
		if line.title {
			if err := s.titled(line.text); err != nil {
				return err
			}
			continue
		}
		if err := s.add(Wrapped(line.text)); err != nil {
			return err
		}
	}
	if err := protect(b, InstructionsSheet); err != nil {
		return err
	}
	return s.flush()
}

// Keys of the Form sheet, one per row in column A with the value in B.
const (
	keyFormat  = "format"
	keyRubric  = "rubricId"
	keyVersion = "rubricVersion"
	keyHash    = "rubricHash"
	keyProduct = "productId"
)

// formKeys are the Form sheet's keys in row order.
var formKeys = []string{keyFormat, keyRubric, keyVersion, keyHash, keyProduct}

// keyLang is the row after formKeys: the form's language. A form made
// before forms had languages has none and is English.
const keyLang = "language"

func writeFormSheet(b *book, r *registry.Rubric, product *registry.Product, info Info) error {
	s, err := b.addSheet(FormSheet, []float64{20, 70}, false)
	if err != nil {
		return err
	}
	productID := ""
	if product != nil {
		productID = product.ID
	}
	values := map[string]string{keyFormat: formFormat, keyRubric: r.ID, keyVersion: strconv.Itoa(r.Version), keyHash: r.Hash, keyProduct: productID}
	for _, k := range formKeys {
		if err := s.add(k, values[k]); err != nil {
			return err
		}
	}
	if err := s.add(keyLang, string(b.lang)); err != nil {
		return err
	}
	if err := s.add("generated", info.Generated.UTC().Format("2006-01-02T15:04:05Z")); err != nil {
		return err
	}
	if err := protect(b, FormSheet); err != nil {
		return err
	}
	if err := s.flush(); err != nil {
		return err
	}
	return b.f.SetSheetVisible(FormSheet, false, true)
}
